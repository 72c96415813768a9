// keys_for_account(): the environment wins, exactly as the Worker reads its
// secrets; otherwise the account's keyring entries under the same names.
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/keyring.hpp"
#include "common/tracking_keys.hpp"

namespace gog {

KeySet keys_for_account(const std::string& account) {
  if (keys_in_environment())
    return load_keys(environment_lookup());

  auto config = Config::load();
  auto settings = config.account(account);
  auto keyring = open_keyring();
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    // The config is the record of which version is current; the keyring
    // holds only secrets.
    if (name == "TRACKING_CURRENT_KEY_VERSION") {
      if (settings && settings->current_key_version > 0)
        return std::to_string(settings->current_key_version);
      return std::nullopt;
    }
    return keyring->get(account, name);
  };
  KeySet keys = load_keys(lookup);
  if (keys.versions.empty() && !keys.legacy) {
    throw Error("no tracking keys for account " + gog::quoted(account),
                "run 'gog gmail track setup --account " + account +
                    " --worker-url URL', or set TRACKING_KEY_V1");
  }
  return keys;
}

}  // namespace gog
