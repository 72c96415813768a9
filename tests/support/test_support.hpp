// Helpers shared by the tests: temporary folders, running the built tools,
// environment overrides, the vector file.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gog::test {

namespace fs = std::filesystem;

// A fresh folder under $TMPDIR, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Sets environment variables for its lifetime, restoring them afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::map<std::string, std::optional<std::string>> vars);
  ~ScopedEnv();

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs GOG_BIN_DIR/<tool> with args (no shell), optional stdin text and extra
// environment, and waits for it.
RunResult run_tool(const std::string& tool, const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env = {},
                   const std::string& stdin_text = {});

// tests/data/<name>, parsed or raw.
nlohmann::json data_json(const std::string& name);
std::string data_text(const std::string& name);

// A free TCP port on 127.0.0.1.
int free_port();

}  // namespace gog::test
