// `gog gmail track retention check`: read what is deployed, judge it with
// checks.cpp, print, log, and fail naming every failed check.
#include "retention/retention.hpp"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>

#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/files.hpp"
#include "common/http_session.hpp"
#include "common/tool_main.hpp"
#include "common/wrangler.hpp"
#include "rotate/target.hpp"

namespace gog::retention {
namespace {

using nlohmann::json;

constexpr const char* kDefaultApi = "https://api.cloudflare.com/client/v4";
constexpr const char* kOldestSql = "SELECT MIN(opened_at) AS oldest FROM opens";

struct Options {
  std::string account, from;
  bool json = false;
};

std::string required_env(const char* name) {
  auto value = env(name);
  if (!value || value->empty())
    throw UsageError(std::string("$") + name + " is not set",
                     "the check reads the Worker's schedules from the "
                     "Cloudflare API; set CLOUDFLARE_API_TOKEN and "
                     "CLOUDFLARE_ACCOUNT_ID");
  return *value;
}

struct HttpReply {
  int status = 0;
  std::string body;
};

// `shown` names the request in errors: never a header (they carry tokens).
HttpReply http_get(const std::string& url, const std::string& bearer,
                   const std::string& shown) {
  try {
    Poco::URI uri(url);
    auto session = open_http_session(uri);
    Poco::Net::HTTPRequest request("GET", uri.getPathAndQuery(), "HTTP/1.1");
    if (!bearer.empty())
      request.set("Authorization", "Bearer " + bearer);
    session->sendRequest(request);
    Poco::Net::HTTPResponse response;
    HttpReply reply;
    Poco::StreamCopier::copyToString(session->receiveResponse(response),
                                     reply.body);
    reply.status = static_cast<int>(response.getStatus());
    return reply;
  } catch (const Poco::Exception& e) {
    throw Error("cannot reach " + quoted(shown) + ": " + e.displayText());
  }
}

std::vector<std::string> deployed_crons(const rotate::Target& t) {
  std::string base = env("CLOUDFLARE_API_BASE_URL").value_or(kDefaultApi);
  std::string url = base + "/accounts/" +
                    required_env("CLOUDFLARE_ACCOUNT_ID") +
                    "/workers/scripts/" + t.worker_name + "/schedules";
  auto reply = http_get(url, required_env("CLOUDFLARE_API_TOKEN"), url);
  auto doc = json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || !doc.is_object() || !doc.value("success", false))
    throw Error("cloudflare api " + quoted(url) + " answered " +
                    std::to_string(reply.status) +
                    (doc.is_object() && !doc.value("errors", json()).empty()
                         ? ": " + doc["errors"][0].value("message", "")
                         : ""),
                "check the Worker name, CLOUDFLARE_ACCOUNT_ID and the "
                "token's Workers Scripts read permission");
  std::vector<std::string> out;
  for (const auto& s : doc["result"].value("schedules", json::array()))
    out.push_back(s.value("cron", ""));
  return out;
}

Finding window_finding(const rotate::Target& t) {
  std::string url = t.worker_url + "/health";
  try {
    auto doc = json::parse(http_get(url, "", url).body, nullptr, false);
    std::optional<std::int64_t> reported;
    if (doc.is_object() && doc["retention_days"].is_number_integer())
      reported = doc["retention_days"].get<std::int64_t>();
    return check_window(t.retention_days, reported);
  } catch (const Error& e) {
    return {"window", false, e.what()};
  }
}

// A config naming nothing but the Worker, so wrangler looks the database
// up by name through the API rather than by a binding in wrangler.toml.
class BareConfig {
 public:
  explicit BareConfig(const std::string& worker_name) {
    std::string pattern = fs::temp_directory_path() / "gog-retention-XXXXXX";
    if (!mkdtemp(pattern.data()))
      throw Error("cannot create a temporary folder for wrangler");
    dir_ = pattern;
    write_file_atomic(path(), "name = \"" + worker_name + "\"\n");
  }
  ~BareConfig() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path path() const { return dir_ / "wrangler.toml"; }

 private:
  fs::path dir_;
};

std::optional<std::int64_t> oldest_open(const rotate::Target& t) {
  BareConfig config(t.worker_name);
  auto result = wrangler::run_checked(
      {{"d1", "execute", t.d1_database, "--remote", "--config",
        config.path().string(), "--command", kOldestSql, "--json"},
       t.worker_dir,
       {}},
      "d1 execute " + quoted(t.d1_database));
  auto doc = wrangler::first_json(result.out);
  if (!doc || !doc->is_array() || doc->empty() ||
      !(*doc)[0].value("success", false) || (*doc)[0]["results"].empty())
    throw Error("wrangler d1 execute " + quoted(t.d1_database) +
                " gave no result for the oldest open");
  const auto& oldest = (*doc)[0]["results"][0]["oldest"];
  if (oldest.is_null())
    return std::nullopt;
  return oldest.get<std::int64_t>();
}

json findings_json(const rotate::Target& t,
                   const std::vector<Finding>& findings, bool ok) {
  json list = json::array();
  for (const auto& f : findings)
    list.push_back({{"check", f.check}, {"ok", f.ok}, {"detail", f.detail}});
  return {{"account", t.account},
          {"worker", t.worker_name},
          {"d1_database", t.d1_database},
          {"retention_days", t.retention_days},
          {"ok", ok},
          {"findings", list}};
}

void print(const json& report, bool as_json) {
  if (as_json) {
    std::cout << report.dump(2) << "\n";
    return;
  }
  for (const auto& f : report["findings"])
    std::cout << (f["ok"].get<bool>() ? "ok    " : "FAIL  ")
              << f["check"].get<std::string>() << "  "
              << f["detail"].get<std::string>() << "\n";
}

void fail_with(const rotate::Target& t, const std::vector<Finding>& findings) {
  std::string what;
  for (const auto& f : findings)
    if (!f.ok)
      what += (what.empty() ? "" : "; ") + f.check + ": " + f.detail;
  throw Error(
      "retention check of Worker " + quoted(t.worker_name) + " failed: " + what,
      "redeploy with 'gog gmail track setup --from "
      "pipelines/tracker.yaml --deploy' to restore the cron and "
      "the purge; see docs/retention.md");
}

}  // namespace

int run(std::vector<std::string> args) {
  Options o;
  CLI::App app{"Check the 90-day retention policy",
               "gog gmail track retention check"};
  app.add_option("--from", o.from, "a tracker.yaml declaring the deployment");
  app.add_option("--account", o.account, "the Gmail address");
  app.add_flag("--json", o.json, "print the findings as JSON");
  if (!parse_args(app, std::move(args)))
    return kExitOk;

  auto target = rotate::resolve_target(o.from, o.account);
  std::vector<Finding> findings{
      check_cron(deployed_crons(target), target.cron), window_finding(target),
      check_oldest(oldest_open(target), target.retention_days,
                   std::time(nullptr))};

  bool ok = true;
  for (const auto& f : findings)
    ok = ok && f.ok;
  auto report = findings_json(target, findings, ok);
  EventLog().append("retention.checked", report);
  print(report, o.json);
  if (!ok)
    fail_with(target, findings);
  return kExitOk;
}

}  // namespace gog::retention
