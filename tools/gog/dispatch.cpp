// `gog`: help, --version, or exec of the command's executable.
#include "gog/dispatch.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "common/error.hpp"
#include "common/files.hpp"

namespace gog::dispatcher {
namespace {

constexpr const char* kVersion = "0.1.0";

bool is_executable(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) &&
         ::access(p.c_str(), X_OK) == 0;
}

std::optional<std::string> beside_self(const std::string& executable) {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0)
    return std::nullopt;
  auto p =
      std::filesystem::path(std::string(buf, n)).parent_path() / executable;
  if (is_executable(p))
    return p.string();
  return std::nullopt;
}

std::optional<std::string> on_path(const std::string& executable) {
  auto path = env("PATH").value_or("");
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find(':', start);
    if (end == std::string::npos)
      end = path.size();
    auto dir = path.substr(start, end - start);
    auto p = std::filesystem::path(dir.empty() ? "." : dir) / executable;
    if (is_executable(p))
      return p.string();
    start = end + 1;
  }
  return std::nullopt;
}

void print_help(std::ostream& out) {
  out << "usage: gog <command> [<args>]\n\ncommands:\n";
  for (const auto& c : commands()) {
    auto words = joined(c.words);
    out << "  " << words
        << std::string(words.size() < 30 ? 30 - words.size() : 1, ' ') << c.help
        << "\n";
  }
  out << "\n'gog <command> --help' shows a command's options. 'gog <name>' "
         "also runs\nany gog-<name> executable beside gog or on PATH.\n";
}

[[noreturn]] void exec(const std::string& path, const std::string& name,
                       const std::vector<std::string>& rest) {
  std::vector<std::string> argv_s{name};
  argv_s.insert(argv_s.end(), rest.begin(), rest.end());
  std::vector<char*> argv;
  for (auto& s : argv_s)
    argv.push_back(s.data());
  argv.push_back(nullptr);
  std::cout.flush();
  ::execv(path.c_str(), argv.data());
  throw Error("cannot run " + gog::quoted(path) + ": " + std::strerror(errno));
}

// Runs gog-<first word> beside gog or on PATH, git style.
bool try_plugin(const std::vector<std::string>& args) {
  if (args[0].empty() || args[0].find('/') != std::string::npos ||
      args[0][0] == '-')
    return false;
  auto name = "gog-" + args[0];
  auto path = locate(name);
  if (!path)
    return false;
  exec(*path, name, {args.begin() + 1, args.end()});
}

[[noreturn]] void unknown(const std::vector<std::string>& args) {
  auto near = suggestions(args);
  std::string hint;
  if (!near.empty()) {
    auto best = edit_distance(joined(args), joined(near[0]->words));
    hint = "did you mean:";
    for (const auto* c : near) {
      if (edit_distance(joined(args), joined(c->words)) > best + 2)
        break;
      hint += "\n  gog " + joined(c->words);
    }
  } else {
    hint = "run 'gog help' for the list of commands";
  }
  auto shown = joined(std::vector<std::string>(
      args.begin(), args.begin() + std::min<std::size_t>(args.size(), 4)));
  throw UsageError("unknown command " + gog::quoted(shown), hint);
}

int help(const std::vector<std::string>& topic) {
  if (topic.empty()) {
    print_help(std::cout);
    return kExitOk;
  }
  auto match = find_command(topic);
  if (!match)
    unknown(topic);
  std::vector<std::string> words(topic.begin(),
                                 topic.begin() + match->words_used);
  words.push_back("--help");
  return run(words);
}

}  // namespace

std::optional<std::string> locate(const std::string& executable) {
  if (auto p = beside_self(executable))
    return p;
  return on_path(executable);
}

int run(std::vector<std::string> args) {
  if (args.empty()) {
    print_help(std::cerr);
    return kExitUsage;
  }
  if (args[0] == "help" || args[0] == "--help" || args[0] == "-h")
    return help({args.begin() + 1, args.end()});
  if (args[0] == "--version") {
    std::cout << "gog " << kVersion << "\n";
    return kExitOk;
  }

  if (auto match = find_command(args)) {
    const auto& exe = match->command->executable;
    auto path = locate(exe);
    if (!path) {
      throw Error("cannot find " + gog::quoted(exe) + " beside gog or on PATH",
                  "reinstall gog, or put " + exe + " on PATH");
    }
    exec(*path, exe, {args.begin() + match->words_used, args.end()});
  }
  if (try_plugin(args))
    return kExitOk;  // not reached: exec replaced us
  unknown(args);
}

}  // namespace gog::dispatcher
