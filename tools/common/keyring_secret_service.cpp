// The Secret Service backend (GNOME Keyring, KWallet, KeePassXC) through
// libsecret. Items carry the attributes {"gog-account", "gog-name"} under
// the schema "dev.gog.Track"; the value is the secret's exact bytes as text.
#include <iostream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/keyring_backends.hpp"

#ifdef GOG_HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif

namespace gog {

#ifdef GOG_HAVE_LIBSECRET
namespace {

const SecretSchema* schema() {
  static const SecretSchema s = [] {
    SecretSchema out{};  // zeroes libsecret's reserved members
    out.name = "dev.gog.Track";
    out.flags = SECRET_SCHEMA_NONE;
    out.attributes[0] = {"gog-account", SECRET_SCHEMA_ATTRIBUTE_STRING};
    out.attributes[1] = {"gog-name", SECRET_SCHEMA_ATTRIBUTE_STRING};
    return out;
  }();
  return &s;
}

// Takes ownership of a GError and throws it as a gog::Error.
[[noreturn]] void throw_gerror(const std::string& what, GError* error) {
  std::string why = error ? error->message : "unknown error";
  if (error)
    g_error_free(error);
  throw Error(what + ": " + why,
              "check that the desktop keyring is unlocked, or use "
              "GOG_KEYRING_BACKEND=file with GOG_KEYRING_PASSWORD");
}

class SecretServiceKeyring : public Keyring {
 public:
  std::optional<std::string> get(std::string_view account,
                                 std::string_view name) override {
    std::string a(account), n(name);
    GError* error = nullptr;
    gchar* value =
        secret_password_lookup_sync(schema(), nullptr, &error, "gog-account",
                                    a.c_str(), "gog-name", n.c_str(), nullptr);
    if (error)
      throw_gerror("cannot read " + n + " from the keyring", error);
    if (!value)
      return std::nullopt;
    std::string out(value);
    secret_password_free(value);
    return out;
  }

  void set(std::string_view account, std::string_view name,
           std::string_view value) override {
    std::string a(account), n(name), v(value), label = "gog " + n + " " + a;
    GError* error = nullptr;
    secret_password_store_sync(
        schema(), SECRET_COLLECTION_DEFAULT, label.c_str(), v.c_str(), nullptr,
        &error, "gog-account", a.c_str(), "gog-name", n.c_str(), nullptr);
    if (error)
      throw_gerror("cannot store " + n + " in the keyring", error);
  }

  void erase(std::string_view account, std::string_view name) override {
    std::string a(account), n(name);
    GError* error = nullptr;
    secret_password_clear_sync(schema(), nullptr, &error, "gog-account",
                               a.c_str(), "gog-name", n.c_str(), nullptr);
    if (error)
      throw_gerror("cannot remove " + n + " from the keyring", error);
  }

  std::string backend() const override { return "secret-service"; }
};

// Asks the bus whether org.freedesktop.secrets is owned or activatable,
// with a short timeout so a dead bus never stalls a command.
bool bus_has_secrets(GDBusConnection* bus, const char* method) {
  GError* error = nullptr;
  bool listing = std::string(method) == "ListActivatableNames";
  GVariant* reply = g_dbus_connection_call_sync(
      bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
      "org.freedesktop.DBus", method,
      listing ? nullptr : g_variant_new("(s)", "org.freedesktop.secrets"),
      nullptr, G_DBUS_CALL_FLAGS_NONE, 1000, nullptr, &error);
  if (!reply) {
    g_error_free(error);
    return false;
  }
  bool found = false;
  if (listing) {
    GVariantIter* names = nullptr;
    const gchar* name = nullptr;
    g_variant_get(reply, "(as)", &names);
    while (g_variant_iter_loop(names, "&s", &name))
      if (std::string(name) == "org.freedesktop.secrets")
        found = true;
    g_variant_iter_free(names);
  } else {
    gboolean owned = FALSE;
    g_variant_get(reply, "(b)", &owned);
    found = owned;
  }
  g_variant_unref(reply);
  return found;
}

}  // namespace

bool secret_service_available() {
  auto address = env("DBUS_SESSION_BUS_ADDRESS");
  if (!address || address->empty())
    return false;
  GError* error = nullptr;
  GDBusConnection* bus = g_bus_get_sync(G_BUS_TYPE_SESSION, nullptr, &error);
  if (!bus) {
    g_error_free(error);
    return false;
  }
  bool found = bus_has_secrets(bus, "NameHasOwner") ||
               bus_has_secrets(bus, "ListActivatableNames");
  g_object_unref(bus);
  return found;
}

std::unique_ptr<Keyring> open_secret_service_keyring() {
  if (!secret_service_available()) {
    throw Error("no Secret Service answers on the session bus",
                "unlock or start your desktop keyring, or use "
                "GOG_KEYRING_BACKEND=file with GOG_KEYRING_PASSWORD");
  }
  return std::make_unique<SecretServiceKeyring>();
}

#else  // !GOG_HAVE_LIBSECRET

bool secret_service_available() {
  return false;
}

std::unique_ptr<Keyring> open_secret_service_keyring() {
  throw Error("this gog was built without libsecret",
              "use GOG_KEYRING_BACKEND=file with GOG_KEYRING_PASSWORD");
}

#endif

}  // namespace gog
