// The append-only event log: what this machine did, in order, tamper-evident.
//
// FORMAT (UTF-8 text, one JSON value per line, every line ends in '\n'):
//   line 1, the header:  {"format":"gog-events","version":1}
//   line 2 onwards, one event each, in canonical JSON (members sorted by
//   name, no spaces, as nlohmann::json::dump() writes them):
//     {"data":{...},"hash":"<64 hex>","prev":"<64 hex>","seq":1,
//      "time":"2026-12-04T16:11:14Z","type":"setup.configured"}
//   hash = SHA-256 hex of the event's canonical JSON without "hash";
//   prev = the previous event's hash, or for the first event the SHA-256 hex
//   of the header line (without its '\n'), binding the chain to the header;
//   seq  = 1 for the first event, then the previous seq + 1.
//
// VALIDITY: a log is valid when the header is as above with a version this
// code knows, and every event line parses, has those members with those
// types, and its hash, prev and seq hold. Members beyond those six are
// allowed (the hash covers them). Event types are open: readers skip types
// they do not know; nothing here rejects one.
//
// RECOVERY:
//   - A newer format version is refused by every operation (upgrade gog).
//   - A torn tail, i.e. a last line with no '\n' or a last line that is not
//     JSON, comes from an append that crashed before it returned; that event
//     was never reported as written. Readers skip it with a warning; the next
//     append cuts the file back to the last good line, with a warning.
//   - Any other bad line (a broken chain, a bad hash, a skipped seq, a
//     non-JSON line in the middle) is an error at file:line; appends refuse
//     to extend a log whose last event is bad. Nothing repairs it silently.
//
// WRITING: append() opens the file, takes an exclusive flock, reads only the
// header and the last line (seeking back from the end, so its cost does not
// grow with the log), writes the new line with one write() call, fsyncs and
// unlocks. Readers take a shared flock. No event may carry a secret: see
// check_no_secret().
#include "common/event_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "core/timefmt.hpp"

namespace gog {
namespace {

using nlohmann::json;

constexpr int kVersion = 1;
constexpr const char* kFormat = "gog-events";

std::string header_line() {
  return json{{"format", kFormat}, {"version", kVersion}}.dump();
}

std::string event_hash(json line) {
  line.erase("hash");
  return sha256_hex(line.dump());
}

[[noreturn]] void fail_io(const std::string& what, const fs::path& path) {
  throw Error("cannot " + what + " event log " + gog::quoted(path.string()) +
              ": " + std::strerror(errno));
}

// An open, flocked log file; closing it releases the lock.
class LockedFile {
 public:
  LockedFile(const fs::path& path, bool exclusive) : path_(path) {
    if (exclusive) {
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
    }
    int flags = exclusive ? O_RDWR | O_CREAT : O_RDONLY;
    fd_ = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
    if (fd_ < 0)
      fail_io("open", path);
    while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
      if (errno != EINTR)
        fail_io("lock", path);
    }
  }
  ~LockedFile() { ::close(fd_); }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;

  int fd() const { return fd_; }

  off_t size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0)
      fail_io("stat", path_);
    return st.st_size;
  }

  std::string read(off_t from, off_t to) const {
    std::string out(static_cast<std::size_t>(to - from), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done,
                          from + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        fail_io("read", path_);
      if (n == 0)
        break;
      done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

std::string where(const fs::path& path, std::size_t line) {
  return path.string() + ":" + std::to_string(line);
}

// Throws for a newer version (nothing may touch such a log); otherwise
// returns why the line is not our header, or "" when it is.
std::string header_problem(const std::string& line, const fs::path& path) {
  json h = json::parse(line, nullptr, false);
  if (!h.is_object() || h.value("format", "") != kFormat)
    return "the first line is not a gog-events header";
  if (!h.contains("version") || !h["version"].is_number_integer())
    return "the header has no version";
  int version = h["version"].get<int>();
  if (version > kVersion) {
    throw Error("event log " + gog::quoted(path.string()) +
                    " has format version " + std::to_string(version) +
                    ": this gog reads up to " + std::to_string(kVersion),
                "upgrade gog to read or extend this log");
  }
  if (version < 1)
    return "the header version is not 1 or more";
  return "";
}

// Why an event line breaks the chain after (prev_hash, prev_seq), or "".
std::string event_problem(const json& e, const std::string& prev_hash,
                          std::int64_t prev_seq) {
  if (!e.is_object())
    return "the line is not a JSON object";
  for (const char* m : {"seq", "time", "type", "prev", "hash"})
    if (!e.contains(m))
      return std::string("the event has no \"") + m + "\"";
  if (!e.contains("data"))
    return "the event has no \"data\"";
  if (!e["seq"].is_number_integer() || !e["time"].is_string() ||
      !e["type"].is_string() || !e["prev"].is_string() ||
      !e["hash"].is_string())
    return "a member of the event has the wrong type";
  if (e["hash"] != event_hash(e))
    return "the hash does not match the line (the line was changed)";
  if (e["prev"] != prev_hash)
    return "\"prev\" does not match the previous line's hash (the chain is "
           "broken: a line was removed, inserted or changed)";
  if (e["seq"].get<std::int64_t>() != prev_seq + 1)
    return "\"seq\" is " + std::to_string(e["seq"].get<std::int64_t>()) +
           ", expected " + std::to_string(prev_seq + 1);
  return "";
}

Event to_event(const json& e) {
  return Event{e["seq"].get<std::int64_t>(), e["time"].get<std::string>(),
               e["type"].get<std::string>(), e["data"]};
}

struct Scan {
  EventLog::Verification verification;
  std::vector<Event> events;
};

Scan failed(Scan scan, std::size_t line, std::string reason) {
  scan.verification.ok = false;
  scan.verification.bad_line = line;
  scan.verification.reason = std::move(reason);
  scan.verification.events = scan.events.size();
  return scan;
}

// Checks every line of a whole log's text.
Scan scan_text(const std::string& text, const fs::path& path) {
  Scan scan;
  std::size_t pos = 0, line_no = 0;
  std::string prev_hash;
  std::int64_t prev_seq = 0;
  while (pos < text.size()) {
    ++line_no;
    auto nl = text.find('\n', pos);
    bool complete = nl != std::string::npos;
    std::string line = text.substr(pos, complete ? nl - pos : nl);
    pos = complete ? nl + 1 : text.size();
    bool last = pos == text.size();

    if (!complete) {
      scan.verification.torn_tail = true;
      scan.verification.torn_line = line_no;
      break;
    }
    if (line_no == 1) {
      if (auto why = header_problem(line, path); !why.empty())
        return failed(std::move(scan), line_no, why);
      prev_hash = sha256_hex(line);
      continue;
    }
    json e = json::parse(line, nullptr, false);
    if (e.is_discarded() && last) {
      scan.verification.torn_tail = true;
      scan.verification.torn_line = line_no;
      break;
    }
    if (e.is_discarded())
      return failed(std::move(scan), line_no, "not JSON");
    if (auto why = event_problem(e, prev_hash, prev_seq); !why.empty())
      return failed(std::move(scan), line_no, why);
    prev_hash = e["hash"];
    prev_seq = e["seq"];
    scan.events.push_back(to_event(e));
  }
  scan.verification.events = scan.events.size();
  return scan;
}

// Where the line that ends with the '\n' at end-1 starts. Seeks back in
// growing chunks, so the cost is the line's length, not the log's.
off_t line_start(const LockedFile& file, off_t end) {
  for (off_t chunk = 4096;; chunk *= 2) {
    off_t from = std::max<off_t>(0, end - 1 - chunk);
    auto buf = file.read(from, end - 1);
    auto nl = buf.rfind('\n');
    if (nl != std::string::npos)
      return from + static_cast<off_t>(nl) + 1;
    if (from == 0)
      return 0;
  }
}

// The state at the end of the log, found from its tail.
struct Tail {
  off_t good_end = 0;    // where the next line goes
  off_t torn_bytes = 0;  // bytes after good_end to cut
  std::string torn_why;
  std::string last_hash;  // the hash the next event's prev must name
  std::optional<json> last_event;
};

std::string first_line(const LockedFile& file, const fs::path& path) {
  auto head = file.read(0, std::min<off_t>(file.size(), 65536));
  auto nl = head.find('\n');
  if (nl == std::string::npos)
    throw Error(
        "event log " + gog::quoted(path.string()) + " has no header line",
        "move it away; a new log starts on the next append");
  return head.substr(0, nl);
}

[[noreturn]] void fail_tail(const fs::path& path, const std::string& why) {
  throw Error("event log " + gog::quoted(path.string()) +
                  " is damaged at its end: " + why,
              "run 'gog state verify' to find the bad line");
}

// Reads the header and the last line or two, never the whole log.
Tail read_tail(const LockedFile& file, const fs::path& path) {
  Tail tail;
  off_t size = file.size();
  if (size == 0)
    return tail;
  tail.good_end = size;
  if (file.read(size - 1, size) != "\n") {
    tail.good_end = line_start(file, size + 1);
    tail.torn_why = "the last line has no line end";
  }
  if (tail.good_end == 0) {  // not even the header was written completely
    tail.torn_bytes = size;
    return tail;
  }

  auto header = first_line(file, path);
  if (auto why = header_problem(header, path); !why.empty())
    fail_tail(path, why);
  tail.last_hash = sha256_hex(header);
  for (int cuts = 0;; ++cuts) {
    off_t start = line_start(file, tail.good_end);
    if (start == 0)
      break;  // only the header is left
    auto e = json::parse(file.read(start, tail.good_end - 1), nullptr, false);
    if (e.is_discarded() && cuts == 0) {
      tail.good_end = start;
      tail.torn_why = "the last line is not JSON";
      continue;
    }
    if (e.is_discarded())
      fail_tail(path,
                "a line before the torn one is "
                "not JSON");
    if (!e.is_object() || !e.contains("hash") || e["hash"] != event_hash(e) ||
        !e["seq"].is_number_integer())
      fail_tail(path, "the last event's hash does not match its line");
    tail.last_hash = e["hash"];
    tail.last_event = std::move(e);
    break;
  }
  tail.torn_bytes = size - tail.good_end;
  return tail;
}

// One event line checked on its own: members, types and its hash.
bool self_consistent(const json& e) {
  if (!e.is_object() || !e.contains("prev") || !e["prev"].is_string() ||
      !e.contains("seq") || !e["seq"].is_number_integer())
    return false;
  auto prev = e["prev"].get<std::string>();
  return event_problem(e, prev, e["seq"].get<std::int64_t>() - 1).empty();
}

void write_at(const LockedFile& file, off_t offset, const std::string& text,
              const fs::path& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::pwrite(file.fd(), text.data() + done, text.size() - done,
                         offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int saved = errno;
      // Leave no torn line behind: the event was not written.
      if (::ftruncate(file.fd(), offset) != 0) {
      }
      errno = saved;
      fail_io("write", path);
    }
    done += static_cast<std::size_t>(n);
  }
}

void cut_torn_tail(const LockedFile& file, const Tail& tail,
                   const fs::path& path) {
  if (tail.torn_bytes == 0)
    return;
  std::cerr << "gog: warning: event log " << gog::quoted(path.string())
            << ": cutting " << tail.torn_bytes << " bytes of a torn last line ("
            << tail.torn_why << "); an earlier write did not finish\n";
  if (::ftruncate(file.fd(), tail.good_end) != 0)
    fail_io("truncate", path);
}

bool secret_like_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!name.empty() && name.back() == 's')
    name.pop_back();
  for (const char* word : {"key", "token", "secret", "password", "passphrase"})
    if (name.ends_with(word))
      return true;
  return false;
}

// Standard base64 of exactly 32 bytes: the shape of every tracking key.
bool key_shaped(const std::string& value) {
  if (value.size() != 44 || value.back() != '=')
    return false;
  auto bytes = core::base64_decode(value, core::Alphabet::kStandard);
  return bytes && bytes->size() == 32;
}

[[noreturn]] void refuse_secret(const std::string& type,
                                const std::string& why) {
  throw Error("refusing to log event " + gog::quoted(type) + ": " + why,
              "log a key's version or name, never the key itself");
}

// The secrets a process may hold in its environment (docs/architecture.md,
// "Secret names"), so that no tool has to remember to forbid them.
std::vector<std::string> secrets_in_environment() {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (auto v = env(name.c_str()); v && v->size() >= 8)
      out.push_back(*v);
  };
  for (const char* name :
       {"TRACKING_KEY", "ADMIN_KEY", "GMAIL_CLIENT_SECRET",
        "GMAIL_REFRESH_TOKEN", "GOG_KEYRING_PASSWORD", "CLOUDFLARE_API_TOKEN"})
    add(name);
  for (int v = 1; v <= 255; ++v)
    add("TRACKING_KEY_V" + std::to_string(v));
  return out;
}

void check_no_secret(const json& data, const std::string& type,
                     const std::vector<std::string>& forbidden) {
  if (data.is_object()) {
    for (const auto& [name, value] : data.items()) {
      if (secret_like_name(name) && !value.is_null() && !value.is_boolean())
        refuse_secret(
            type, "member " + gog::quoted(name) + " is named like a secret");
      check_no_secret(value, type, forbidden);
    }
  } else if (data.is_array()) {
    for (const auto& value : data)
      check_no_secret(value, type, forbidden);
  } else if (data.is_string()) {
    const auto& s = data.get_ref<const std::string&>();
    if (key_shaped(s))
      refuse_secret(type, "a value has the shape of a key");
    for (const auto& secret : forbidden)
      if (!secret.empty() && s.find(secret) != std::string::npos)
        refuse_secret(type, "a value contains a key held in the keyring");
  }
}

json make_event(const Tail& tail, const std::string& type, json data) {
  std::int64_t seq =
      tail.last_event ? (*tail.last_event)["seq"].get<std::int64_t>() + 1 : 1;
  json e = {{"seq", seq},
            {"time", core::iso8601(std::time(nullptr))},
            {"type", type},
            {"data", std::move(data)},
            {"prev", tail.last_hash}};
  e["hash"] = event_hash(e);
  return e;
}

}  // namespace

EventLog::EventLog(fs::path path) : path_(std::move(path)) {}

fs::path EventLog::default_path() {
  return state_dir() / "events.jsonl";
}

void EventLog::forbid_values(std::vector<std::string> values) {
  forbidden_ = std::move(values);
}

Event EventLog::append(const std::string& type, json data) {
  if (type.empty())
    throw Error("an event needs a type");
  check_no_secret(data, type, forbidden_);
  check_no_secret(data, type, secrets_in_environment());

  LockedFile file(path_, true);
  Tail tail = read_tail(file, path_);
  cut_torn_tail(file, tail, path_);

  off_t offset = tail.good_end;
  if (offset == 0) {
    auto header = header_line() + "\n";
    write_at(file, 0, header, path_);
    offset = static_cast<off_t>(header.size());
    tail.last_hash = sha256_hex(header_line());
  }
  json e = make_event(tail, type, std::move(data));
  write_at(file, offset, e.dump() + "\n", path_);
  if (::fsync(file.fd()) != 0)
    fail_io("sync", path_);
  return to_event(e);
}

std::optional<Event> EventLog::last() const {
  if (!fs::exists(path_))
    return std::nullopt;
  LockedFile file(path_, false);
  Tail tail = read_tail(file, path_);
  if (!tail.last_event)
    return std::nullopt;
  return to_event(*tail.last_event);
}

std::vector<Event> EventLog::read_back(
    const std::function<bool(const Event&)>& stop) const {
  std::vector<Event> out;
  if (!fs::exists(path_))
    return out;
  LockedFile file(path_, false);
  off_t end = read_tail(file, path_).good_end;
  std::string newer_prev;
  while (end > 0) {
    off_t start = line_start(file, end);
    if (start == 0)
      break;  // only the header is left
    auto e = json::parse(file.read(start, end - 1), nullptr, false);
    // Each line must hash right and be the one its successor names.
    bool linked = newer_prev.empty() || e.value("hash", "") == newer_prev;
    if (!self_consistent(e) || !linked)
      throw Error("event log " + gog::quoted(path_.string()) +
                      ": an event read back from the end is damaged",
                  "run 'gog state verify' to find the bad line");
    newer_prev = e["prev"].get<std::string>();
    out.push_back(to_event(e));
    if (stop(out.back()))
      break;
    end = start;
  }
  return out;
}

EventLog::Verification EventLog::verify() const {
  if (!fs::exists(path_))
    return {};
  LockedFile file(path_, false);
  return scan_text(file.read(0, file.size()), path_).verification;
}

std::vector<Event> EventLog::read_all() const {
  if (!fs::exists(path_))
    return {};
  LockedFile file(path_, false);
  auto scan = scan_text(file.read(0, file.size()), path_);
  const auto& v = scan.verification;
  if (!v.ok) {
    throw Error("event log " + where(path_, v.bad_line) + ": " + v.reason,
                "run 'gog state verify'; restore the log from the state "
                "branch if a line was damaged");
  }
  if (v.torn_tail) {
    std::cerr << "gog: warning: event log " << where(path_, v.torn_line)
              << ": skipping a torn last line (an append did not finish)\n";
  }
  return std::move(scan.events);
}

}  // namespace gog
