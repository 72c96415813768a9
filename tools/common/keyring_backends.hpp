// The keyring backends behind open_keyring(), exposed for tests and for
// `gog gmail track status`. See keyring.hpp for the choice between them.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/keyring.hpp"

namespace gog {

// The encrypted file: see keyring_file.cpp for its format. Throws gog::Error
// naming the file when it exists but cannot be decrypted with password.
std::unique_ptr<Keyring> open_file_keyring(const std::filesystem::path& path,
                                           std::string password);

// $GOG_KEYRING_FILE, else $GOG_CONFIG_DIR/keyring.enc.
std::filesystem::path default_keyring_file();

// True when libsecret is compiled in, a session bus is set and answers, and
// a Secret Service is running or activatable on it.
bool secret_service_available();

// The desktop keyring through libsecret. Throws gog::Error when libsecret
// was not compiled in or the service cannot be reached.
std::unique_ptr<Keyring> open_secret_service_keyring();

}  // namespace gog
