#include "rotate/remote.hpp"

#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/wrangler.hpp"
#include "opens/admin_client.hpp"

namespace gog::rotate {
namespace {

using Clock = std::chrono::steady_clock;

core::Payload canary_payload() {
  return {kCanaryRecipient, sha256_hex("gog-track canary").substr(0, 6),
          static_cast<std::int64_t>(std::time(nullptr))};
}

// "" when the reply is the canary's report, else what was wrong with it.
std::string canary_problem(const opens::AdminReply& reply) {
  if (reply.status != 200)
    return "the Worker answered " + std::to_string(reply.status) +
           (reply.status == 400 ? " (it cannot decode the id)" : "");
  auto doc = nlohmann::json::parse(reply.body, nullptr, false);
  if (!doc.is_object() || doc.value("recipient", "") != kCanaryRecipient)
    return "the Worker answered 200 without the canary's recipient";
  return "";
}

std::string try_canary(const Target& target, const std::string& id,
                       const std::string& admin_key) {
  std::string shown = target.worker_url + "/q/" + core::short_id(id);
  try {
    return canary_problem(
        opens::admin_get(target.worker_url, "/q/" + id, admin_key, shown));
  } catch (const Error& e) {
    return e.what();
  }
}

}  // namespace

void put_worker_secret(const Target& target, const std::string& name,
                       const std::string& value) {
  wrangler::Call call{{"secret", "put", name, "--name", target.worker_name},
                      target.worker_dir,
                      value};
  wrangler::run_checked(call, "secret put " + quoted(name));
}

CanaryResult verify_canary(const Target& target, const KeySet& keys,
                           const std::string& admin_key,
                           std::chrono::seconds budget) {
  std::string id = seal_id(keys, canary_payload());
  auto deadline = Clock::now() + budget;
  auto pause = std::chrono::milliseconds(250);
  CanaryResult result;
  for (;;) {
    ++result.attempts;
    result.problem = try_canary(target, id, admin_key);
    if (result.problem.empty()) {
      result.opened = true;
      return result;
    }
    if (Clock::now() + pause > deadline)
      return result;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(8000));
  }
}

}  // namespace gog::rotate
