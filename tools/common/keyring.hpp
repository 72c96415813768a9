// Where secrets live: the desktop Secret Service, or an encrypted file for
// CI and headless machines. Never the config, the event log or argv.
//
// Backend choice: GOG_KEYRING_BACKEND = file | secret-service | auto
// (default auto: Secret Service when a session bus answers, else file).
// The file backend's password comes from GOG_KEYRING_PASSWORD; its path is
// GOG_KEYRING_FILE or $GOG_CONFIG_DIR/keyring.enc (mode 0600).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gog {

class Keyring {
 public:
  virtual ~Keyring() = default;

  // Entries are (account, name), e.g. ("me@example.com", "ADMIN_KEY").
  virtual std::optional<std::string> get(std::string_view account,
                                         std::string_view name) = 0;
  virtual void set(std::string_view account, std::string_view name,
                   std::string_view value) = 0;
  virtual void erase(std::string_view account, std::string_view name) = 0;
  // "file" or "secret-service", for `gog gmail track status`.
  virtual std::string backend() const = 0;
};

// Opens the configured backend. Throws gog::Error with the next step (for
// example "set GOG_KEYRING_PASSWORD") when it cannot be opened, and for a
// wrong password ("keyring file ... cannot be decrypted").
std::unique_ptr<Keyring> open_keyring();

}  // namespace gog
