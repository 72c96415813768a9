// pipelines/tracker.yaml parsing: every problem at file:line:col with the
// line and a caret, and hostile YAML (case C19) as an error, never a crash.
#include "setup/tracker_spec.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include "common/error.hpp"
#include "support/test_support.hpp"

namespace gog::setup {
namespace {

const char* kValid =
    "kind: tracker\n"
    "account: me@example.com\n"
    "worker_url: https://t.example.com\n";

std::string problem_text(const std::string& yaml) {
  try {
    parse_tracker_spec(yaml, "t.yaml");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(TrackerSpec, CommittedPipelineParses) {
  auto spec = load_tracker_spec(std::filesystem::path(GOG_SOURCE_DIR) /
                                "pipelines/tracker.yaml");
  EXPECT_EQ(spec.account, "me@example.com");
  EXPECT_EQ(spec.worker_dir, "worker");
  EXPECT_EQ(spec.retention_days, 90);
  EXPECT_EQ(spec.cron, "0 2 * * *");
  EXPECT_EQ(spec.max_key_age_days, 90);
}

TEST(TrackerSpec, DefaultsFollowTheAccount) {
  auto spec = parse_tracker_spec(kValid, "t.yaml");
  EXPECT_EQ(spec.worker_name, "gog-email-tracker-me-example-com");
  EXPECT_EQ(spec.d1_database, spec.worker_name);
  EXPECT_EQ(spec.worker_dir, "worker");
  EXPECT_EQ(spec.retention_days, 90);
}

TEST(TrackerSpec, UnknownKeyPointsAtItWithACaret) {
  EXPECT_EQ(problem_text(std::string(kValid) + "  \nretention_dayz: 3\n"),
            "t.yaml:5:1: unknown key 'retention_dayz' (known keys: kind, "
            "account, worker_url, worker_name, d1_database, worker_dir, "
            "retention_days, cron, key_rotation)\n"
            "  retention_dayz: 3\n"
            "  ^");
}

TEST(TrackerSpec, DuplicateKeyIsReportedNotSilentlyDropped) {
  std::string text = problem_text(std::string(kValid) +
                                  "account: other@example.com\n");
  EXPECT_EQ(text,
            "t.yaml:4:1: duplicate key 'account' (first at line 2)\n"
            "  account: other@example.com\n"
            "  ^");
}

TEST(TrackerSpec, EveryProblemIsListed) {
  std::string text = problem_text(
      "kind: campaign\n"
      "retention_days: ninety\n"
      "key_rotation:\n"
      "  max_key_age_days: [1]\n"
      "  colour: red\n");
  EXPECT_NE(text.find("t.yaml:1:7: 'kind' must be 'tracker', not 'campaign'"),
            std::string::npos) << text;
  EXPECT_NE(text.find("t.yaml:1:1: missing required key 'account'"),
            std::string::npos) << text;
  EXPECT_NE(text.find("t.yaml:1:1: missing required key 'worker_url'"),
            std::string::npos) << text;
  EXPECT_NE(text.find("t.yaml:2:17: 'retention_days' must be a whole number "
                      "from 1 to 3650"),
            std::string::npos) << text;
  EXPECT_NE(text.find("t.yaml:4:21: 'max_key_age_days' must be a whole"),
            std::string::npos) << text;
  EXPECT_NE(text.find("t.yaml:5:3: unknown key 'colour'"), std::string::npos)
      << text;
}

TEST(TrackerSpec, WrongTypesAndFormats) {
  std::string text = problem_text(
      "kind: tracker\naccount: [me]\nworker_url: ftp://x\n"
      "worker_name: Bad_Name\ncron: daily\n");
  EXPECT_NE(text.find("t.yaml:2:10: 'account' must be a non-empty string"),
            std::string::npos) << text;
  EXPECT_NE(text.find("'worker_url' must start with https://"),
            std::string::npos) << text;
  EXPECT_NE(text.find("'worker_name' must be 1-63 lowercase"),
            std::string::npos) << text;
  EXPECT_NE(text.find("'cron' must be a five-field cron expression"),
            std::string::npos) << text;
}

TEST(TrackerSpec, NotAMap) {
  EXPECT_EQ(problem_text("- a\n- b\n"),
            "t.yaml:1:1: expected a map of keys (kind: tracker, ...)\n"
            "  - a\n"
            "  ^");
}

// Case C19, inputs 1 and 2: an error naming file:line:col, no crash, and
// a first line short enough to read.
TEST(TrackerSpec, HundredThousandNestedBracketsIsNestedTooDeeply) {
  for (std::string tail : {std::string(100000, ']'), std::string()}) {
    std::string text = problem_text("account: " + std::string(100000, '[') +
                                    tail);
    std::string first = text.substr(0, text.find('\n'));
    EXPECT_EQ(first, "t.yaml:1:508: nested too deeply");
    EXPECT_LT(text.size(), 300u);
  }
}

// Case C19, input 3: the deepest nesting yaml-cpp accepts parses, then
// fails validation.
TEST(TrackerSpec, DeepestAcceptedNestingFailsValidation) {
  std::string text = problem_text(std::string(kValid) + "cron: " +
                                  std::string(498, '[') +
                                  std::string(498, ']') + "\n");
  EXPECT_NE(text.find("t.yaml:4:7: 'cron' must be a non-empty string"),
            std::string::npos)
      << text.substr(0, 200);
}

// Case C19, input 4: the same on a thread with a 256 KiB stack.
TEST(TrackerSpec, NestedTooDeeplyOnASmallStack) {
  static std::string result;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t thread;
  auto body = [](void*) -> void* {
    result = problem_text("account: " + std::string(100000, '['));
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, body, nullptr), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(result.substr(0, result.find('\n')),
            "t.yaml:1:508: nested too deeply");
}

TEST(TrackerSpec, HugeFileIsRefusedBeforeParsing) {
  std::string text = problem_text(std::string(kValid) + "# " +
                                  std::string(2 * 1024 * 1024, 'x') + "\n");
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "t.yaml:1:1: file is larger than 1048576 bytes");
}

TEST(TrackerSpec, DefaultWorkerNameIsValid) {
  EXPECT_EQ(default_worker_name("Me.Too+x@Example.COM"),
            "gog-email-tracker-me-too-x-example-com");
  EXPECT_EQ(default_worker_name(std::string(100, 'a')).size(), 63u);
}

}  // namespace
}  // namespace gog::setup
