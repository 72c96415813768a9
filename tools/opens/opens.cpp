#include "opens/opens.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/keyring.hpp"
#include "common/tool_main.hpp"
#include "core/timefmt.hpp"
#include "core/tracking_id.hpp"
#include "opens/admin_client.hpp"

namespace gog::opens {
namespace {

using nlohmann::json;

struct Options {
  std::string id;
  std::string to;
  std::string since;
  int limit = 0;
  std::string account;
  std::string url;
  bool json = false;
};

struct Tracker {
  std::string url;
  std::string admin_key;
};

std::optional<Options> parse_options(std::vector<std::string> args) {
  Options o;
  CLI::App app{"Show the opens a tracker recorded", "gog gmail track opens"};
  app.add_option("ID", o.id, "a tracking id: that message's opens");
  app.add_option("--to", o.to, "only opens of this recipient");
  app.add_option("--since", o.since,
                 "only opens at or after TIME (unix seconds, YYYY-MM-DD or "
                 "YYYY-MM-DDTHH:MM:SSZ)");
  app.add_option("--limit", o.limit, "at most N opens (default 100, max 500)");
  app.add_option("--account", o.account, "the account whose tracker to ask");
  app.add_option("--url", o.url, "the tracker's URL (default: worker_url)");
  app.add_flag("--json", o.json, "print the tracker's JSON");
  if (!parse_args(app, std::move(args)))
    return std::nullopt;
  return o;
}

// Tracking ids are base64url; anything else is escaped so the request line
// stays intact and the tracker can say the id does not decode.
std::string path_escape(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '=') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string opens_target(const Options& o) {
  std::string target = "/opens?limit=" + std::to_string(o.limit);
  if (!o.to.empty())
    target += "&recipient=" + path_escape(o.to);
  if (!o.since.empty()) {
    auto since = core::parse_time(o.since);
    if (!since) {
      throw UsageError("bad --since " + quoted(o.since) + ": not a time",
                       "use unix seconds, 2026-12-04 or "
                       "2026-12-04T16:00:00Z");
    }
    target += "&since=" + std::to_string(*since);
  }
  return target;
}

// What the request asks for: /q/<id>, or /opens with its filters.
std::string request_target(Options& o) {
  bool filters = !o.to.empty() || !o.since.empty() || o.limit != 0;
  if (!o.id.empty() && filters) {
    throw UsageError("an ID cannot be combined with --to, --since or --limit",
                     "pass either a tracking id or filters");
  }
  if (!o.id.empty())
    return "/q/" + path_escape(o.id);
  if (o.limit == 0)
    o.limit = 100;
  if (o.limit < 0) {
    throw UsageError("bad --limit " + quoted(std::to_string(o.limit)) +
                         ": not a positive number",
                     "use a whole number from 1 to 500");
  }
  return opens_target(o);
}

std::string admin_key_for(const std::string& account) {
  auto key = open_keyring()->get(account, "ADMIN_KEY");
  if (!key || key->empty()) {
    throw Error("no ADMIN_KEY for account " + quoted(account),
                "set ADMIN_KEY, or run 'gog gmail track setup --account " +
                    account + "'");
  }
  return *key;
}

// --url or $GOG_TRACKER_URL, else the account's worker_url; $ADMIN_KEY,
// else the account's keyring. The account is needed only to fill a gap.
Tracker locate_tracker(const Options& o) {
  Tracker t;
  t.url = !o.url.empty() ? o.url : env("GOG_TRACKER_URL").value_or("");
  auto admin = env("ADMIN_KEY");
  if (!t.url.empty() && admin) {
    t.admin_key = *admin;
    return t;
  }

  auto config = Config::load();
  std::string account = config.resolve_account(o.account);
  if (t.url.empty())
    t.url = config.require_account(account).worker_url;
  if (t.url.empty()) {
    throw Error("account " + quoted(account) + " has no worker_url",
                "pass --url, or run 'gog gmail track setup --worker-url URL'");
  }
  t.admin_key = admin ? *admin : admin_key_for(account);
  return t;
}

// The URL as errors may show it: a tracking id only shortened.
std::string shown_url(const Tracker& t, const Options& o,
                      const std::string& target) {
  std::string base = t.url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  if (!o.id.empty())
    return base + "/q/" + core::short_id(o.id);
  return base + target;
}

std::string error_text(const AdminReply& reply) {
  try {
    auto body = json::parse(reply.body);
    if (body.contains("error"))
      return body["error"].get<std::string>();
  } catch (const std::exception&) {
  }
  return reply.body.substr(0, 200);
}

[[noreturn]] void fail(const AdminReply& reply, const std::string& shown,
                       const Options& o) {
  if (reply.status == 401) {
    throw Error("tracker " + quoted(shown) +
                    " answered 401: the admin key does not match",
                "use the ADMIN_KEY the tracker runs with: set ADMIN_KEY, or "
                "store it with 'gog gmail track setup --admin-key KEY'");
  }
  if (reply.status == 400 && !o.id.empty()) {
    throw UsageError("tracking id " + quoted(core::short_id(o.id)) +
                         " does not decode on " + quoted(shown),
                     "check the id; one sealed with a key the tracker no "
                     "longer holds cannot be read");
  }
  if (reply.status == 400) {
    throw UsageError("tracker " + quoted(shown) +
                     " refused the query: " + error_text(reply));
  }
  throw Error("tracker " + quoted(shown) + " answered " +
                  std::to_string(reply.status) + ": " + error_text(reply),
              "check the tracker's log");
}

json parse_reply(const AdminReply& reply, const std::string& shown) {
  try {
    return json::parse(reply.body);
  } catch (const json::exception&) {
    throw Error("tracker " + quoted(shown) + " answered 200 without JSON",
                "check that the URL points at a gog tracker");
  }
}

}  // namespace

int run(std::vector<std::string> args) {
  auto options = parse_options(std::move(args));
  if (!options)
    return kExitOk;
  std::string target = request_target(*options);
  Tracker tracker = locate_tracker(*options);
  std::string shown = shown_url(tracker, *options, target);

  auto reply = admin_get(tracker.url, target, tracker.admin_key, shown);
  if (reply.status != 200)
    fail(reply, shown, *options);
  json body = parse_reply(reply, shown);

  if (options->json) {
    std::cout << reply.body << (reply.body.ends_with('\n') ? "" : "\n");
  } else if (options->id.empty()) {
    std::cout << format_opens_list(body);
  } else {
    std::cout << format_query_report(body);
  }
  return kExitOk;
}

}  // namespace gog::opens
