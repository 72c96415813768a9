#include "common/keyring.hpp"

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/keyring_backends.hpp"

namespace gog {
namespace {

std::unique_ptr<Keyring> open_file_backend() {
  auto path = default_keyring_file();
  auto password = env("GOG_KEYRING_PASSWORD");
  if (!password || password->empty()) {
    throw Error("keyring file " + gog::quoted(path.string()) +
                    " needs a password: GOG_KEYRING_PASSWORD is not set",
                "export GOG_KEYRING_PASSWORD (from your CI secret store), "
                "or use the desktop keyring with "
                "GOG_KEYRING_BACKEND=secret-service");
  }
  return open_file_keyring(path, *password);
}

}  // namespace

std::filesystem::path default_keyring_file() {
  if (auto f = env("GOG_KEYRING_FILE"); f && !f->empty())
    return *f;
  return config_dir() / "keyring.enc";
}

std::unique_ptr<Keyring> open_keyring() {
  auto choice = env("GOG_KEYRING_BACKEND").value_or("auto");
  if (choice == "file")
    return open_file_backend();
  if (choice == "secret-service")
    return open_secret_service_keyring();
  if (choice == "auto" || choice.empty()) {
    if (secret_service_available())
      return open_secret_service_keyring();
    return open_file_backend();
  }
  throw UsageError("unknown keyring backend " + gog::quoted(choice),
                   "set GOG_KEYRING_BACKEND to file, secret-service or auto");
}

}  // namespace gog
