#include "common/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "common/error.hpp"

namespace gog {
namespace {

fs::path xdg_dir(const char* gog_var, const char* xdg_var,
                 const char* home_fallback) {
  if (auto v = env(gog_var); v && !v->empty())
    return *v;
  if (auto v = env(xdg_var); v && !v->empty())
    return fs::path(*v) / "gog";
  auto home = env("HOME");
  if (!home || home->empty()) {
    throw Error(std::string("cannot find a folder for gog: neither ") +
                    gog_var + ", " + xdg_var + " nor HOME is set",
                std::string("set ") + gog_var + " to a writable folder");
  }
  return fs::path(*home) / home_fallback / "gog";
}

[[noreturn]] void fail_io(const std::string& what, const fs::path& path) {
  throw Error(what + " " + quoted(path.string()) + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail_io("cannot write", path);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v)
    return std::nullopt;
  return std::string(v);
}

fs::path config_dir() {
  return xdg_dir("GOG_CONFIG_DIR", "XDG_CONFIG_HOME", ".config");
}

fs::path state_dir() {
  return xdg_dir("GOG_STATE_DIR", "XDG_STATE_HOME", ".local/state");
}

void write_file_atomic(const fs::path& path, std::string_view contents,
                       unsigned mode) {
  auto dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error("cannot create folder " + quoted(dir.string()) + ": " +
                ec.message());
  }

  auto tmp = dir / ("." + path.filename().string() + ".tmp" +
                    std::to_string(::getpid()) + "-" +
                    std::to_string(std::random_device{}()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    fail_io("cannot create", tmp);
  try {
    ::fchmod(fd, mode);  // the umask must not widen or narrow it
    write_all(fd, contents, tmp);
    if (::fsync(fd) != 0)
      fail_io("cannot sync", tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);

  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail_io("cannot replace", path);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail_io("cannot read", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace gog
