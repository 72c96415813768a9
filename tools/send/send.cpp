#include "send/send.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/config.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/event_log.hpp"
#include "common/files.hpp"
#include "common/tool_main.hpp"
#include "common/tracking_keys.hpp"
#include "core/timefmt.hpp"
#include "core/tracking_id.hpp"
#include "send/address.hpp"
#include "send/mime.hpp"
#include "send/pixel.hpp"
#include "send/transport.hpp"

namespace gog::send {
namespace {

using nlohmann::json;

// Above this many messages, progress goes to stderr.
constexpr std::size_t kQuietMessages = 3;

struct Options {
  std::string to, cc, bcc, from, reply_to, subject;
  std::optional<std::string> html, html_file, text;
  std::vector<std::string> headers;
  bool track = false;
  bool track_split = false;
  std::string transport = "gmail";
  std::string account, worker_url, campaign;
  bool json = false;
};

void add_options(CLI::App& app, Options& o) {
  app.add_option("--to", o.to, "recipients, comma-separated")->required();
  app.add_option("--cc", o.cc, "copy recipients");
  app.add_option("--bcc", o.bcc, "blind copy recipients");
  app.add_option("--from", o.from, "sender, 'Name <addr>'");
  app.add_option("--reply-to", o.reply_to, "reply address");
  app.add_option("--subject", o.subject, "subject, UTF-8")->required();
  auto* html = app.add_option("--body-html", o.html, "HTML body");
  app.add_option("--body-html-file", o.html_file, "HTML body file, - stdin")
      ->excludes(html);
  app.add_option("--body-text", o.text, "plain-text body");
  app.add_option("--header", o.headers, "extra header 'Name: value'");
  app.add_flag("--track", o.track, "add a tracking pixel (one recipient)");
  app.add_flag("--track-split", o.track_split,
               "one tracked message per --to recipient");
  app.add_option("--transport", o.transport, "gmail or outbox:DIR");
  app.add_option("--account", o.account, "account (default: config)");
  app.add_option("--worker-url", o.worker_url, "tracker base URL");
  app.add_option("--campaign", o.campaign, "campaign name for the log");
  app.add_flag("--json", o.json, "print JSON");
}

// Everything the command will send, checked.
struct Plan {
  std::optional<Mailbox> from, reply_to;
  std::vector<Mailbox> to, cc, bcc;
  std::vector<Header> headers;
  std::optional<std::string> html, text;
  bool track = false;
  bool split = false;
};

std::optional<Mailbox> optional_mailbox(const std::string& text,
                                        const char* field) {
  if (text.empty())
    return std::nullopt;
  return parse_mailbox(text, field);
}

std::vector<Mailbox> optional_list(const std::string& text, const char* field) {
  if (text.empty())
    return {};
  return parse_mailbox_list(text, field);
}

Header parse_header_option(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos)
    throw UsageError(
        "--header " + gog::quoted(text) + ": expected 'Name: value'",
        "for example --header 'X-Campaign: spring'");
  auto value = text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ')
    value.erase(0, 1);
  return {text.substr(0, colon), value};
}

std::optional<std::string> read_html(const Options& o) {
  if (o.html)
    return o.html;
  if (!o.html_file)
    return std::nullopt;
  if (*o.html_file == "-")
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  return read_file(*o.html_file);
}

void check_tracking_shape(const Plan& plan) {
  const char* flag = plan.split ? "--track-split" : "--track";
  if (!plan.html)
    throw UsageError(std::string(flag) + " '': needs an HTML body",
                     "pass --body-html or --body-html-file; a text-only "
                     "message cannot carry a pixel");
  if (!plan.cc.empty() || !plan.bcc.empty())
    throw UsageError(std::string(flag) +
                         " '': cannot be used with --cc or "
                         "--bcc",
                     "every copy would carry the same pixel, so opens could "
                     "not be told apart; send tracked copies with "
                     "--track-split");
  if (!plan.split && plan.to.size() != 1)
    throw UsageError("--track '" + std::to_string(plan.to.size()) +
                         " recipients': needs exactly one recipient",
                     "use --track-split to send one tracked message per "
                     "recipient");
}

// Later duplicates would get a second pixel and count opens twice.
void drop_duplicate_recipients(std::vector<Mailbox>& to) {
  std::set<std::string> seen;
  std::vector<Mailbox> kept;
  for (auto& m : to) {
    auto key = m.address;
    for (auto& c : key)
      c = static_cast<char>(std::tolower(c));
    if (seen.insert(key).second) {
      kept.push_back(std::move(m));
    } else {
      std::cerr << "gog send: warning: " << m.address
                << " is listed twice; sending once\n";
    }
  }
  to = std::move(kept);
}

Plan make_plan(const Options& o) {
  Plan plan;
  plan.from = optional_mailbox(o.from, "--from");
  plan.reply_to = optional_mailbox(o.reply_to, "--reply-to");
  plan.to = parse_mailbox_list(o.to, "--to");
  plan.cc = optional_list(o.cc, "--cc");
  plan.bcc = optional_list(o.bcc, "--bcc");
  for (const auto& h : o.headers)
    plan.headers.push_back(parse_header_option(h));
  check_header_text(o.subject, "--subject");
  plan.html = read_html(o);
  plan.text = o.text;
  if (!plan.html && !plan.text)
    throw UsageError("message body '': missing",
                     "pass --body-html, --body-html-file or --body-text");

  plan.split = o.track_split;
  plan.track = o.track || o.track_split;
  if (plan.track)
    check_tracking_shape(plan);
  if (plan.split)
    drop_duplicate_recipients(plan.to);
  return plan;
}

// The account, or "" when nothing needs one because the environment and
// the flags supply every key, URL and credential.
std::string resolve_account(const Config& config, const Options& o,
                            const Plan& plan) {
  bool needed =
      (plan.track && (!keys_in_environment() ||
                      (o.worker_url.empty() && !env("GOG_WORKER_URL")))) ||
      (o.transport == "gmail" &&
       !(env("GMAIL_CLIENT_ID") && env("GMAIL_CLIENT_SECRET") &&
         env("GMAIL_REFRESH_TOKEN")));
  try {
    return config.resolve_account(o.account);
  } catch (const UsageError&) {
    if (needed)
      throw;
    return {};
  }
}

struct Tracking {
  KeySet keys;
  std::string worker_url;
};

Tracking load_tracking(const Config& config, const Options& o,
                       const std::string& account) {
  Tracking t;
  t.worker_url = o.worker_url;
  if (t.worker_url.empty())
    t.worker_url = env("GOG_WORKER_URL").value_or("");
  if (t.worker_url.empty()) {
    if (auto a = config.account(account))
      t.worker_url = a->worker_url;
  }
  if (t.worker_url.empty())
    throw UsageError(
        "worker url for account " + gog::quoted(account) + ": not configured",
        "pass --worker-url, set GOG_WORKER_URL, or run "
        "'gog gmail track setup'");
  check_worker_url(t.worker_url);
  t.keys = keys_for_account(account);
  return t;
}

// One message ready to go, with what the log and the output need.
struct Prepared {
  Outgoing out;
  std::string tracking_id;  // empty when untracked
};

std::string recipients_of(const std::vector<Mailbox>& list) {
  std::string out;
  for (const auto& m : list)
    out += (out.empty() ? "" : ",") + m.address;
  return out;
}

std::string local_domain() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0)
    return "localhost";
  std::string host = name;
  bool ok = !host.empty() && host.front() != '.' && host.back() != '.' &&
            host.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyz"
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == std::string::npos;
  return ok ? host : "localhost";
}

Prepared prepare(const Plan& plan, const std::vector<Mailbox>& to,
                 const Options& o, const std::optional<Tracking>& tracking,
                 std::int64_t now) {
  MessageSpec spec{plan.from,
                   to,
                   plan.cc,
                   plan.bcc,
                   plan.reply_to,
                   o.subject,
                   plan.html,
                   plan.text,
                   plan.headers,
                   now,
                   new_message_id(local_domain())};
  Prepared p;
  if (tracking) {
    core::Payload payload{to.front().address, subject_hash(o.subject), now};
    p.tracking_id = seal_id(tracking->keys, payload);
    spec.html = inject_pixel(*plan.html,
                             pixel_url(tracking->worker_url, p.tracking_id));
  }
  p.out = {build_message(spec), recipients_of(to), spec.message_id};
  return p;
}

// Builds every message before the first goes out: a value that cannot be
// written refuses the whole command, not half of it.
std::vector<Prepared> prepare_all(const Plan& plan, const Options& o,
                                  const std::optional<Tracking>& tracking) {
  auto now = static_cast<std::int64_t>(std::time(nullptr));
  std::vector<Prepared> out;
  if (!plan.split) {
    out.push_back(prepare(plan, plan.to, o, tracking, now));
    return out;
  }
  for (const auto& m : plan.to)
    out.push_back(prepare(plan, {m}, o, tracking, now));
  return out;
}

struct Sent {
  const Prepared* message;
  Receipt receipt;
};

json event_data(const Prepared& p, const Options& o, const std::string& via) {
  json data = {{"recipient", p.out.recipient},
               {"message_id", p.out.message_id},
               {"transport", via},
               {"subject_hash", subject_hash(o.subject)}};
  if (!p.tracking_id.empty())
    data["tracking_id"] = core::short_id(p.tracking_id);
  if (!o.campaign.empty()) {
    data["campaign"] = o.campaign;
    // Stable across runs, so a resumed campaign can skip what went out.
    data["item"] = o.campaign + "/" + p.out.recipient;
  }
  return data;
}

void deliver(const std::vector<Prepared>& messages, Transport& transport,
             const Options& o, std::vector<Sent>& sent) {
  EventLog log;
  for (const auto& p : messages) {
    auto data = event_data(p, o, transport.name());
    log.append("message.sending", data);
    try {
      sent.push_back({&p, transport.send(p.out)});
    } catch (const Error& e) {
      data["reason"] = e.what();
      log.append("message.failed", data);
      throw;
    }
    data["sent_at"] = core::iso8601(std::time(nullptr));
    if (!sent.back().receipt.gmail_id.empty())
      data["gmail_id"] = sent.back().receipt.gmail_id;
    log.append("message.sent", data);
    if (messages.size() > kQuietMessages)
      std::cerr << "gog send: sent " << sent.size() << "/" << messages.size()
                << "\n";
  }
}

void print_results(const std::vector<Sent>& sent, const std::string& via,
                   bool as_json) {
  if (!as_json) {
    for (const auto& s : sent) {
      const auto& p = *s.message;
      std::cout << p.out.recipient << '\t'
                << (p.tracking_id.empty() ? "-" : p.tracking_id) << '\t'
                << p.out.message_id << '\n';
    }
    return;
  }
  json out = json::array();
  for (const auto& s : sent) {
    const auto& p = *s.message;
    json item = {{"recipient", p.out.recipient},
                 {"tracking_id",
                  p.tracking_id.empty() ? json(nullptr) : json(p.tracking_id)},
                 {"message_id", p.out.message_id},
                 {"transport", via}};
    if (!s.receipt.gmail_id.empty())
      item["gmail_id"] = s.receipt.gmail_id;
    if (!s.receipt.file.empty())
      item["file"] = s.receipt.file;
    out.push_back(item);
  }
  std::cout << out.dump(2) << '\n';
}

}  // namespace

int run(std::vector<std::string> args) {
  Options o;
  CLI::App app{"Send a message, optionally with an open-tracking pixel",
               "gog gmail send"};
  add_options(app, o);
  if (!parse_args(app, std::move(args)))
    return kExitOk;

  auto plan = make_plan(o);
  auto config = Config::load();
  auto account = resolve_account(config, o, plan);
  std::optional<Tracking> tracking;
  if (plan.track)
    tracking = load_tracking(config, o, account);
  auto messages = prepare_all(plan, o, tracking);

  auto transport = open_transport(o.transport, account);
  std::vector<Sent> sent;
  try {
    deliver(messages, *transport, o, sent);
  } catch (const Error&) {
    print_results(sent, transport->name(), o.json);
    throw;
  }
  print_results(sent, transport->name(), o.json);
  return kExitOk;
}

}  // namespace gog::send
