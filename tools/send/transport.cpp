#include "send/transport.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/files.hpp"
#include "common/keyring.hpp"
#include "core/base64.hpp"
#include "core/timefmt.hpp"
#include "send/http_post.hpp"

namespace gog::send {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxShownError = 300;

std::string api_base() {
  auto base = env("GOG_GMAIL_API_URL").value_or("https://gmail.googleapis.com");
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base;
}

std::string token_url() {
  return env("GOG_OAUTH_TOKEN_URL")
      .value_or("https://oauth2.googleapis.com/token");
}

// Google's own words for a failure: error.message of the API, error and
// error_description of the token endpoint, else the start of the body.
std::string google_message(const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("error")) {
    const auto& e = doc["error"];
    if (e.is_object() && e.contains("message") && e["message"].is_string())
      return e["message"].get<std::string>();
    if (e.is_string()) {
      auto text = e.get<std::string>();
      if (doc.contains("error_description") &&
          doc["error_description"].is_string())
        text += ": " + doc["error_description"].get<std::string>();
      return text;
    }
  }
  return body.substr(0, kMaxShownError);
}

class GmailTransport : public Transport {
 public:
  explicit GmailTransport(GmailCredentials credentials)
      : credentials_(std::move(credentials)) {
    refresh_access_token();
  }

  Receipt send(const Outgoing& message) override {
    auto response = post(message);
    // An access token lives an hour: a long campaign outlives one.
    if (response.status == 401) {
      refresh_access_token();
      response = post(message);
    }
    if (response.status != 200) {
      throw Error("gmail send to " + gog::quoted(message.recipient) +
                      " failed: HTTP " + std::to_string(response.status) +
                      ": " + gog::quoted(google_message(response.body)),
                  "nothing was sent to this recipient; fix the cause and "
                  "send again");
    }
    auto doc = json::parse(response.body, nullptr, false);
    Receipt receipt;
    if (doc.is_object() && doc.contains("id") && doc["id"].is_string())
      receipt.gmail_id = doc["id"].get<std::string>();
    return receipt;
  }

  std::string name() const override { return "gmail"; }

 private:
  HttpResponse post(const Outgoing& message) {
    return http_post(api_base() + "/gmail/v1/users/me/messages/send",
                     "application/json", gmail_send_body(message.raw),
                     {{"Authorization", "Bearer " + access_token_}});
  }

  void refresh_access_token();

  GmailCredentials credentials_;
  std::string access_token_;
};

void GmailTransport::refresh_access_token() {
  auto form = "grant_type=refresh_token&client_id=" +
              form_encode(credentials_.client_id) +
              "&client_secret=" + form_encode(credentials_.client_secret) +
              "&refresh_token=" + form_encode(credentials_.refresh_token);
  auto response =
      http_post(token_url(), "application/x-www-form-urlencoded", form);
  auto doc = json::parse(response.body, nullptr, false);
  if (response.status == 200 && doc.is_object() &&
      doc.contains("access_token") && doc["access_token"].is_string()) {
    access_token_ = doc["access_token"].get<std::string>();
    return;
  }
  throw Error("gmail sign-in at " + gog::quoted(token_url()) +
                  " failed: HTTP " + std::to_string(response.status) + ": " +
                  gog::quoted(google_message(response.body)),
              "check GMAIL_CLIENT_ID and GMAIL_CLIENT_SECRET; for "
              "invalid_grant store a fresh GMAIL_REFRESH_TOKEN");
}

std::string file_safe(std::string_view text) {
  std::string out;
  for (unsigned char c : text)
    out += std::isalnum(c) ||
                   std::string_view("@._+-").find(c) != std::string_view::npos
               ? static_cast<char>(c)
               : '_';
  return out;
}

class OutboxTransport : public Transport {
 public:
  explicit OutboxTransport(std::filesystem::path dir) : dir_(std::move(dir)) {}

  Receipt send(const Outgoing& message) override {
    auto path = dir_ / file_name(message);
    write_file_atomic(path, message.raw, 0600);
    return {"", path.string()};
  }

  std::string name() const override { return "outbox"; }

 private:
  std::string file_name(const Outgoing& message) {
    auto stamp = core::iso8601(std::time(nullptr));
    std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
    char counter[16];
    std::snprintf(counter, sizeof counter, "%04d", ++count_);
    auto id = file_safe(message.message_id.substr(1, 8));
    return stamp + "-" + counter + "-" + file_safe(message.recipient) + "-" +
           id + ".eml";
  }

  std::filesystem::path dir_;
  int count_ = 0;
};

std::string credential(const std::string& account, const char* name,
                       std::unique_ptr<Keyring>& keyring) {
  if (auto value = env(name); value && !value->empty())
    return *value;
  if (!account.empty()) {
    if (!keyring)
      keyring = open_keyring();
    if (auto value = keyring->get(account, name))
      return *value;
  }
  throw Error(std::string("gmail credential ") + name + " for account " +
                  gog::quoted(account) + ": not set",
              std::string("set ") + name +
                  " in the environment or store it in the keyring with "
                  "'gog gmail track setup'");
}

}  // namespace

GmailCredentials gmail_credentials(const std::string& account) {
  std::unique_ptr<Keyring> keyring;
  GmailCredentials c;
  c.client_id = credential(account, "GMAIL_CLIENT_ID", keyring);
  c.client_secret = credential(account, "GMAIL_CLIENT_SECRET", keyring);
  c.refresh_token = credential(account, "GMAIL_REFRESH_TOKEN", keyring);
  return c;
}

std::string gmail_send_body(std::string_view raw_message) {
  return json{
      {"raw", core::base64_encode(raw_message, core::Alphabet::kUrl, true)}}
      .dump();
}

std::unique_ptr<Transport> open_transport(const std::string& spec,
                                          const std::string& account) {
  if (spec == "gmail")
    return std::make_unique<GmailTransport>(gmail_credentials(account));
  if (spec.starts_with("outbox:") && spec.size() > 7)
    return std::make_unique<OutboxTransport>(spec.substr(7));
  throw UsageError("--transport " + gog::quoted(spec) + ": unknown transport",
                   "use --transport gmail or --transport outbox:DIR");
}

}  // namespace gog::send
