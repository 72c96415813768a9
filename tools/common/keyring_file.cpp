// The keyring file backend: secrets for CI and headless machines.
//
// File format (two text lines, mode 0600):
//   {"format":"gog-keyring","version":1,"kdf":"scrypt","n":32768,"r":8,
//    "p":1,"salt":"<base64 of 16 bytes>","cipher":"aes-256-gcm"}
//   <base64 of nonce(12) || AES-256-GCM ciphertext || tag(16)>
// The key is scrypt(GOG_KEYRING_PASSWORD, salt, n, r, p), 32 bytes. Every
// header member that changes the key (salt, n, r, p) is thereby covered by
// the GCM tag; the others must match exactly. A tag that does not verify is
// reported as a wrong password or a damaged file: the two cannot be told
// apart, and neither may yield partial data.
// The plaintext is JSON: {"entries": {account: {name: base64(value)}}};
// values are base64 so that any bytes round-trip exactly.
//
// Writers take an exclusive flock on "<file>.lock" beside it, re-read the
// file under the lock, and replace it with write_file_atomic, so concurrent
// `set`s from several processes never lose each other's entries. Readers
// need no lock: a rename is atomic.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/keyring_backends.hpp"

namespace gog {
namespace {

using core::Alphabet;
using nlohmann::json;

constexpr int kFormatVersion = 1;
constexpr std::uint64_t kDefaultN = 1 << 15;
constexpr std::uint64_t kDefaultR = 8;
constexpr std::uint64_t kDefaultP = 1;
// A tampered header must not make us allocate without bound.
constexpr std::uint64_t kMaxScryptMemory = 256ull << 20;

struct KdfParams {
  std::uint64_t n = kDefaultN, r = kDefaultR, p = kDefaultP;
  Bytes salt;
  bool operator==(const KdfParams&) const = default;
};

std::string b64(std::span<const std::uint8_t> data) {
  return core::base64_encode(data, Alphabet::kStandard, true);
}

void wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

class FileKeyring : public Keyring {
 public:
  FileKeyring(fs::path path, std::string password)
      : path_(std::move(path)), password_(std::move(password)) {
    json entries = load();  // a wrong password fails here, at open
    (void)entries;
  }
  ~FileKeyring() override {
    wipe(password_);
    OPENSSL_cleanse(key_.data(), key_.size());
  }

  std::optional<std::string> get(std::string_view account,
                                 std::string_view name) override {
    json entries = load();
    auto a = entries.find(std::string(account));
    if (a == entries.end())
      return std::nullopt;
    auto v = a->find(std::string(name));
    if (v == a->end() || !v->is_string())
      return std::nullopt;
    auto bytes =
        core::base64_decode(v->get<std::string>(), Alphabet::kStandard);
    if (!bytes)
      throw damaged("an entry is not base64");
    return std::string(bytes->begin(), bytes->end());
  }

  void set(std::string_view account, std::string_view name,
           std::string_view value) override {
    update([&](json& entries) {
      entries[std::string(account)][std::string(name)] =
          core::base64_encode(value, Alphabet::kStandard, true);
    });
  }

  void erase(std::string_view account, std::string_view name) override {
    update([&](json& entries) {
      auto a = entries.find(std::string(account));
      if (a == entries.end())
        return;
      a->erase(std::string(name));
      if (a->empty())
        entries.erase(a);
    });
  }

  std::string backend() const override { return "file"; }

 private:
  Error damaged(const std::string& why) const {
    return Error(
        "keyring file " + gog::quoted(path_.string()) + " is damaged: " + why,
        "restore it from a backup, or move it away and run "
        "'gog gmail track setup' again");
  }

  template <typename F>
  void update(F change) {
    int lock = lock_file();
    try {
      json entries = load();
      change(entries);
      save(entries);
    } catch (...) {
      ::close(lock);
      throw;
    }
    ::close(lock);  // releases the flock
  }

  int lock_file() const {
    auto lock_path = path_;
    lock_path += ".lock";
    std::error_code ec;
    fs::create_directories(lock_path.parent_path(), ec);
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
      auto why = std::string(std::strerror(errno));
      if (fd >= 0)
        ::close(fd);
      throw Error("cannot lock keyring " + gog::quoted(lock_path.string()) +
                  ": " + why);
    }
    return fd;
  }

  // The entries object; empty when the file does not exist yet.
  json load() {
    if (!fs::exists(path_)) {
      if (params_.salt.empty())
        params_.salt = random_bytes(16);
      return json::object();
    }
    warn_if_readable_by_others();
    auto text = read_file(path_);
    auto nl = text.find('\n');
    if (nl == std::string::npos)
      throw damaged("no header line");
    auto params = parse_header(text.substr(0, nl));
    auto sealed = core::base64_decode(trim_newline(text.substr(nl + 1)),
                                      Alphabet::kStandard);
    if (!sealed)
      throw damaged("the body is not base64");
    derive_key(params);
    return decrypt(*sealed);
  }

  static std::string trim_newline(std::string s) {
    if (!s.empty() && s.back() == '\n')
      s.pop_back();
    return s;
  }

  KdfParams parse_header(const std::string& line) const {
    json h = json::parse(line, nullptr, false);
    if (!h.is_object() || h.value("format", "") != "gog-keyring")
      throw damaged("the first line is not a gog-keyring header");
    if (h.value("version", 0) > kFormatVersion) {
      throw Error("keyring file " + gog::quoted(path_.string()) +
                      " was written by a newer gog (format version " +
                      std::to_string(h.value("version", 0)) + ")",
                  "upgrade gog");
    }
    if (h.value("kdf", "") != "scrypt" ||
        h.value("cipher", "") != "aes-256-gcm")
      throw damaged("unknown kdf or cipher");
    return parse_kdf(h);
  }

  KdfParams parse_kdf(const json& h) const {
    KdfParams p;
    try {
      p.n = h.at("n").get<std::uint64_t>();
      p.r = h.at("r").get<std::uint64_t>();
      p.p = h.at("p").get<std::uint64_t>();
      auto salt = core::base64_decode(h.at("salt").get<std::string>(),
                                      Alphabet::kStandard);
      if (salt)
        p.salt = *salt;
    } catch (const json::exception&) {
      throw damaged("the scrypt parameters are missing");
    }
    bool power_of_two = p.n >= 2 && (p.n & (p.n - 1)) == 0;
    if (!power_of_two || p.r < 1 || p.p < 1 || p.r > 64 || p.p > 64 ||
        p.n > (1u << 24) || 128 * p.n * p.r * p.p > kMaxScryptMemory ||
        p.salt.size() < 16)
      throw damaged("the scrypt parameters are out of range");
    return p;
  }

  // scrypt is slow on purpose; keep its output for the same header.
  void derive_key(const KdfParams& params) {
    if (have_key_ && params == params_)
      return;
    int ok =
        EVP_PBE_scrypt(password_.data(), password_.size(), params.salt.data(),
                       params.salt.size(), params.n, params.r, params.p,
                       2 * kMaxScryptMemory, key_.data(), key_.size());
    if (ok != 1)
      throw Error("cannot derive the keyring key (scrypt failed)");
    params_ = params;
    have_key_ = true;
  }

  json decrypt(const Bytes& sealed) const {
    auto plain = aes_gcm_open(key_, sealed);
    if (!plain) {
      throw Error("keyring file " + gog::quoted(path_.string()) +
                      " cannot be decrypted: wrong password or damaged file",
                  "check GOG_KEYRING_PASSWORD");
    }
    json doc = json::parse(*plain, nullptr, false);
    wipe(*plain);
    if (!doc.is_object() || !doc.contains("entries") ||
        !doc["entries"].is_object())
      throw damaged("the decrypted content is not an entries object");
    return doc["entries"];
  }

  void save(const json& entries) {
    derive_key(params_);
    std::string plain = json{{"entries", entries}}.dump();
    auto sealed = aes_gcm_seal(key_, plain);
    wipe(plain);
    json header = {{"format", "gog-keyring"},
                   {"version", kFormatVersion},
                   {"kdf", "scrypt"},
                   {"n", params_.n},
                   {"r", params_.r},
                   {"p", params_.p},
                   {"salt", b64(params_.salt)},
                   {"cipher", "aes-256-gcm"}};
    write_file_atomic(path_, header.dump() + "\n" + b64(sealed) + "\n", 0600);
  }

  void warn_if_readable_by_others() {
    struct stat st {};
    if (warned_ || ::stat(path_.c_str(), &st) != 0)
      return;
    if (st.st_mode & 077) {
      std::cerr << "gog: warning: keyring file " << gog::quoted(path_.string())
                << " is readable by other users; run chmod 600 on it\n";
    }
    warned_ = true;
  }

  fs::path path_;
  std::string password_;
  KdfParams params_;
  Key256 key_{};
  bool have_key_ = false;
  bool warned_ = false;
};

}  // namespace

std::unique_ptr<Keyring> open_file_keyring(const fs::path& path,
                                           std::string password) {
  return std::make_unique<FileKeyring>(path, std::move(password));
}

}  // namespace gog
