// gog gmail send --transport gmail against a loopback stand-in of Google's
// OAuth token endpoint and the Gmail API's users.messages.send, which
// rejects what Google rejects (case C07 among them).
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/keyring.hpp"
#include "core/base64.hpp"
#include "send/http_post.hpp"
#include "send/mime_read.hpp"
#include "send/pixel.hpp"
#include "send/transport.hpp"
#include "support/test_support.hpp"

namespace gog::send {
namespace {

namespace t = gog::test;
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kClientId = "123-standin.apps.googleusercontent.com";
const std::string kClientSecret = "GOCSPX-standin-secret";
const std::string kRefreshToken = "1//standin-refresh-token";

// What the stand-in holds: issued tokens, accepted messages, switches.
struct GoogleState {
  std::mutex mutex;
  std::vector<std::string> valid_tokens;
  int tokens_issued = 0;
  bool expire_next_send = false;        // the next send finds its token expired
  std::vector<std::string> accepted;    // decoded raw messages
  std::vector<std::string> posted_raw;  // the raw strings as posted
};

void reply(Poco::Net::HTTPServerResponse& response, int status,
           const json& body) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json; charset=UTF-8");
  response.send() << body.dump();
}

json api_error(int code, const std::string& message, const std::string& why) {
  return {{"error", {{"code", code}, {"message", message}, {"status", why}}}};
}

// POST /token: the refresh-token grant, answered as Google answers it.
void token_endpoint(GoogleState& state, Poco::Net::HTTPServerRequest& request,
                    Poco::Net::HTTPServerResponse& response) {
  if (request.getContentType().find("application/x-www-form-urlencoded") ==
      std::string::npos)
    return reply(response, 400, {{"error", "invalid_request"}});
  Poco::Net::HTMLForm form(request, request.stream());
  if (form.get("grant_type", "") != "refresh_token")
    return reply(response, 400,
                 {{"error", "unsupported_grant_type"},
                  {"error_description",
                   "Invalid grant_type: " + form.get("grant_type", "")}});
  if (form.get("client_id", "") != kClientId ||
      form.get("client_secret", "") != kClientSecret)
    return reply(
        response, 401,
        {{"error", "invalid_client"}, {"error_description", "Unauthorized"}});
  if (form.get("refresh_token", "") != kRefreshToken)
    return reply(
        response, 400,
        {{"error", "invalid_grant"}, {"error_description", "Bad Request"}});

  std::lock_guard lock(state.mutex);
  auto token = "ya29.standin-" + std::to_string(++state.tokens_issued);
  state.valid_tokens.push_back(token);
  reply(response, 200,
        {{"access_token", token},
         {"expires_in", 3599},
         {"scope", "https://www.googleapis.com/auth/gmail.send"},
         {"token_type", "Bearer"}});
}

bool bearer_ok(GoogleState& state, const std::string& authorization) {
  std::lock_guard lock(state.mutex);
  auto& tokens = state.valid_tokens;
  auto it = std::find_if(tokens.begin(), tokens.end(), [&](const auto& tok) {
    return authorization == "Bearer " + tok;
  });
  if (it == tokens.end())
    return false;
  if (state.expire_next_send) {
    state.expire_next_send = false;
    tokens.erase(it);
    return false;
  }
  return true;
}

bool url_alphabet(const std::string& s) {
  return s.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
             "wxyz0123456789-_=") == std::string::npos;
}

// POST /gmail/v1/users/me/messages/send.
void send_endpoint(GoogleState& state, Poco::Net::HTTPServerRequest& request,
                   Poco::Net::HTTPServerResponse& response) {
  if (!bearer_ok(state, request.get("Authorization", "")))
    return reply(response, 401,
                 api_error(401,
                           "Request had invalid authentication credentials. "
                           "Expected OAuth 2 access token, login cookie or "
                           "other valid authentication credential.",
                           "UNAUTHENTICATED"));
  std::string body;
  Poco::StreamCopier::copyToString(request.stream(), body);
  auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("raw") || !doc["raw"].is_string())
    return reply(response, 400,
                 api_error(400,
                           "'raw' RFC822 payload message string or "
                           "uploading message via /upload/* URL required",
                           "INVALID_ARGUMENT"));
  auto raw = doc["raw"].get<std::string>();
  auto bytes = url_alphabet(raw)
                   ? core::base64_decode(raw, core::Alphabet::kUrl)
                   : std::nullopt;
  if (!bytes)
    return reply(
        response, 400,
        api_error(400, "Invalid value for ByteString: " + raw.substr(0, 24),
                  "INVALID_ARGUMENT"));
  std::string message(bytes->begin(), bytes->end());
  auto parsed = parse_entity(message);
  if (!parsed || !parsed->header("To"))
    return reply(
        response, 400,
        api_error(400, "Recipient address required", "INVALID_ARGUMENT"));
  if (parsed->header("To")->find("ratelimited@") != std::string::npos)
    return reply(response, 429,
                 api_error(429,
                           "User-rate limit exceeded.  Retry after "
                           "2026-12-04T17:00:00.000Z",
                           "RESOURCE_EXHAUSTED"));

  std::lock_guard lock(state.mutex);
  state.accepted.push_back(message);
  state.posted_raw.push_back(raw);
  auto n = std::to_string(state.accepted.size());
  reply(response, 200,
        {{"id", "18c0standin" + n},
         {"threadId", "18c0thread" + n},
         {"labelIds", {"SENT"}}});
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(GoogleState& state) : state_(state) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    bool post = request.getMethod() == "POST";
    if (post && request.getURI() == "/token")
      return token_endpoint(state_, request, response);
    if (post && request.getURI() == "/gmail/v1/users/me/messages/send")
      return send_endpoint(state_, request, response);
    reply(response, 404, api_error(404, "Not Found", "NOT_FOUND"));
  }

 private:
  GoogleState& state_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(GoogleState& state) : state_(state) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(state_);
  }

 private:
  GoogleState& state_;
};

class GoogleStandIn {
 public:
  GoogleStandIn()
      : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        server_(new Factory(state), socket_, new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~GoogleStandIn() { server_.stopAll(true); }

  std::string base() const {
    return "http://127.0.0.1:" + std::to_string(socket_.address().port());
  }

  GoogleState state;

 private:
  Poco::Net::ServerSocket socket_;
  Poco::Net::HTTPServer server_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class GmailTransport : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const {
    auto keys = t::data_json("tracking-ids.json")["keys"];
    return {{"GOG_CONFIG_DIR", (dir_ / "config").string()},
            {"GOG_STATE_DIR", (dir_ / "state").string()},
            {"GOG_ACCOUNT", ""},
            {"GOG_GMAIL_API_URL", google_.base()},
            {"GOG_OAUTH_TOKEN_URL", google_.base() + "/token"},
            {"GMAIL_CLIENT_ID", kClientId},
            {"GMAIL_CLIENT_SECRET", kClientSecret},
            {"GMAIL_REFRESH_TOKEN", kRefreshToken},
            {"TRACKING_KEY_V1", keys["1"].get<std::string>()},
            {"TRACKING_CURRENT_KEY_VERSION", "1"}};
  }

  t::RunResult send(std::vector<std::string> args,
                    std::map<std::string, std::string> extra = {}) {
    auto e = env();
    for (const auto& [k, v] : extra)
      e[k] = v;
    args.insert(args.end(), {"--transport", "gmail", "--worker-url",
                             "https://t.example.com"});
    return t::run_tool("gog-send", args, e);
  }

  std::string events() const { return slurp(dir_ / "state" / "events.jsonl"); }

  t::TempDir dir_;
  GoogleStandIn google_;
};

// Decoded text/html of a received message.
std::string html_of(const std::string& raw) {
  auto message = parse_entity(raw);
  EXPECT_TRUE(message);
  auto parts = multipart_parts(*message);
  EXPECT_TRUE(parts);
  return decoded_body(parts->at(1)).value_or("");
}

TEST(GmailRaw, UsesTheUrlSafeAlphabet) {  // C07
  EXPECT_EQ(gmail_send_body("Subject: Hi\r\n\r\n<p>ok?</p>"),
            R"({"raw":"U3ViamVjdDogSGkNCg0KPHA-b2s_PC9wPg=="})");
  EXPECT_EQ(gmail_send_body("<p>?>~</p>"), R"({"raw":"PHA-Pz5-PC9wPg=="})");
}

TEST_F(GmailTransport, StandInRejectsTheStandardAlphabet) {  // C07
  auto token =
      http_post(google_.base() + "/token", "application/x-www-form-urlencoded",
                "grant_type=refresh_token&client_id=" + form_encode(kClientId) +
                    "&client_secret=" + form_encode(kClientSecret) +
                    "&refresh_token=" + form_encode(kRefreshToken));
  ASSERT_EQ(token.status, 200) << token.body;
  auto bearer =
      "Bearer " + json::parse(token.body)["access_token"].get<std::string>();
  auto post = [&](const std::string& body) {
    return http_post(google_.base() + "/gmail/v1/users/me/messages/send",
                     "application/json", body, {{"Authorization", bearer}});
  };
  auto standard = post(R"({"raw":"U3ViamVjdDogSGkNCg0KPHA+b2s/PC9wPg=="})");
  EXPECT_EQ(standard.status, 400);
  EXPECT_NE(standard.body.find("Invalid value for ByteString"),
            std::string::npos);
  auto no_to = post(gmail_send_body("Subject: Hi\r\n\r\n<p>ok?</p>"));
  EXPECT_EQ(no_to.status, 400);
  EXPECT_NE(no_to.body.find("Recipient address required"), std::string::npos);
  auto ok =
      post(gmail_send_body("To: a@x.org\r\nSubject: Hi\r\n\r\n<p>ok?</p>"));
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(GmailTransport, SendsTheBuiltMessageTracked) {  // C07 body
  auto r = send({"--to", "ann@example.com", "--subject", "Hi", "--body-html",
                 "<p>?>~</p>", "--track", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = json::parse(r.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["transport"], "gmail");
  EXPECT_EQ(out[0]["gmail_id"], "18c0standin1");

  ASSERT_EQ(google_.state.accepted.size(), 1u);
  const auto& raw = google_.state.accepted[0];
  auto message = parse_entity(raw);
  EXPECT_EQ(*message->header("To"), "ann@example.com");
  EXPECT_EQ(*message->header("Message-ID"), out[0]["message_id"]);
  auto id = out[0]["tracking_id"].get<std::string>();
  EXPECT_EQ(html_of(raw),
            "<p>?>~</p>" + pixel_tag(pixel_url("https://t.example.com", id)));
  EXPECT_EQ(google_.state.tokens_issued, 1);
}

TEST_F(GmailTransport, SplitSendsOneMessagePerRecipient) {
  auto r = send({"--to", "\"Doe, Jane\" <jane@example.com>, ann@example.com",
                 "--subject", "Café update — 東京 office ☕", "--body-html",
                 "<html><body><p>Hi</p></body></html>", "--track-split"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(google_.state.accepted.size(), 2u);
  EXPECT_EQ(*parse_entity(google_.state.accepted[0])->header("To"),
            "\"Doe, Jane\" <jane@example.com>");
  EXPECT_EQ(*parse_entity(google_.state.accepted[1])->header("To"),
            "ann@example.com");
  EXPECT_EQ(google_.state.tokens_issued, 1);  // one sign-in per run
}

TEST_F(GmailTransport, WrongRefreshTokenStopsBeforeSending) {
  auto r = send({"--to", "ann@example.com", "--subject", "Hi", "--body-html",
                 "<p>x</p>", "--track"},
                {{"GMAIL_REFRESH_TOKEN", "1//revoked"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 400"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("invalid_grant"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("1//revoked"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kClientSecret), std::string::npos) << r.err;
  EXPECT_TRUE(google_.state.accepted.empty());
  EXPECT_EQ(events().find("message."), std::string::npos);

  auto wrong_client = send(
      {"--to", "ann@example.com", "--subject", "Hi", "--body-html", "<p>x</p>"},
      {{"GMAIL_CLIENT_SECRET", "nope"}});
  EXPECT_EQ(wrong_client.exit_code, 1);
  EXPECT_NE(wrong_client.err.find("invalid_client"), std::string::npos);
}

TEST_F(GmailTransport, ExpiredAccessTokenIsRefreshedOnce) {
  google_.state.expire_next_send = true;
  auto r = send({"--to", "ann@example.com", "--subject", "Hi", "--body-html",
                 "<p>x</p>"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(google_.state.tokens_issued, 2);
  EXPECT_EQ(google_.state.accepted.size(), 1u);
}

TEST_F(GmailTransport, ApiErrorShowsStatusAndMessageNeverTheToken) {
  auto r = send({"--to", "ann@example.com, ratelimited@example.com",
                 "--subject", "Hi", "--body-html", "<p>x</p>", "--track-split",
                 "--campaign", "c1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 429"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("User-rate limit exceeded"), std::string::npos);
  EXPECT_NE(r.err.find("ratelimited@example.com"), std::string::npos);
  EXPECT_EQ(r.err.find("ya29."), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.starts_with("ann@example.com\t")) << r.out;
  EXPECT_EQ(google_.state.accepted.size(), 1u);

  auto log = events();
  EXPECT_NE(log.find("\"item\":\"c1/ann@example.com\""), std::string::npos);
  EXPECT_NE(log.find("\"type\":\"message.failed\""), std::string::npos);
  EXPECT_EQ(log.find("ya29."), std::string::npos);
}

TEST_F(GmailTransport, CredentialsComeFromTheKeyringWhenNotInTheEnvironment) {
  std::map<std::string, std::string> keyring_env = {
      {"GOG_KEYRING_BACKEND", "file"},
      {"GOG_KEYRING_FILE", (dir_ / "keyring.enc").string()},
      {"GOG_KEYRING_PASSWORD", "test-password"}};
  {
    std::map<std::string, std::optional<std::string>> scoped(
        keyring_env.begin(), keyring_env.end());
    t::ScopedEnv scope(scoped);
    auto keyring = open_keyring();
    keyring->set("me@example.com", "GMAIL_CLIENT_ID", kClientId);
    keyring->set("me@example.com", "GMAIL_CLIENT_SECRET", kClientSecret);
    keyring->set("me@example.com", "GMAIL_REFRESH_TOKEN", kRefreshToken);
  }
  auto without = keyring_env;
  without.insert({{"GMAIL_CLIENT_ID", ""},
                  {"GMAIL_CLIENT_SECRET", ""},
                  {"GMAIL_REFRESH_TOKEN", ""}});
  auto r = send({"--to", "ann@example.com", "--subject", "Hi", "--body-html",
                 "<p>x</p>", "--account", "me@example.com"},
                without);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(google_.state.accepted.size(), 1u);

  auto other = send({"--to", "ann@example.com", "--subject", "Hi",
                     "--body-html", "<p>x</p>", "--account", "you@example.com"},
                    without);
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("GMAIL_CLIENT_ID"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace gog::send
