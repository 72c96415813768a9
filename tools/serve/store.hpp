// The native tracker's storage: one SQLite database in WAL mode, one writer
// thread that decides every open in arrival order, one read connection for
// the admin routes.
//
// Why a single writer: dedupe and the per-IP cap are decided by the
// record_open trigger (migration 0002), one statement per hit. Running those
// statements in order on one connection keeps both rules exact, and grouping
// them into one transaction per batch (up to kBatchRows hits or
// kBatchMillis) replaces a commit per hit, the cost that bounds a naive
// server to a few thousand opens a second.
//
// Visibility contract: flush() returns once every hit recorded before the
// call is committed, so an admin read that flushes first sees every open the
// tracker answered before it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/admin.hpp"
#include "core/tracking_id.hpp"
#include "serve/recent_opens.hpp"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace gog::serve {

constexpr std::size_t kBatchRows = 512;
constexpr int kBatchMillis = 5;
// Request threads wait when this many hits are queued, so a flood costs
// latency, never unbounded memory.
constexpr std::size_t kMaxQueuedHits = 65536;

// Purges opens and drop counters older than the retention window at `now`.
struct PurgeJob {
  std::int64_t now = 0;
};

class Store {
 public:
  // Opens (creating if needed) and migrates the database, then starts the
  // writer. Throws gog::Error naming the path when it cannot.
  explicit Store(const std::filesystem::path& path);
  // Commits what is queued and stops the writer.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Queues a decoded hit, unless it repeats an open already stored inside
  // the dedupe window (then the SQL would skip it too). Blocks while the
  // queue is full.
  void record(Hit hit);

  // Runs the retention purge on the writer and waits for it.
  void purge(std::int64_t now);

  // Waits until everything queued before the call is committed.
  void flush();

  // Admin reads: each flushes first, then reads on the read connection.
  struct IdReport {
    std::vector<core::OpenRow> opens;  // oldest first
    std::int64_t dropped = 0;
  };
  IdReport report_for_id(const std::string& tracking_id);
  std::vector<core::OpenRow> list_opens(const core::OpensQuery& query);

 private:
  using Job = std::variant<Hit, PurgeJob>;

  struct Batch {
    std::uint64_t jobs = 0;
    std::vector<Hit> stored;  // hits the trigger inserted into opens
    bool purged = false;
  };

  void open_write(const std::filesystem::path& path);
  void open_read(const std::filesystem::path& path);
  void writer_loop();
  std::deque<Job> take_jobs(bool wait);
  void run_batch(std::deque<Job> jobs);
  void apply(Job& job, Batch& batch);
  void apply_hit(Hit& hit, Batch& batch);
  void apply_purge(const PurgeJob& job, Batch& batch);
  void finish_batch(Batch& batch);
  void enqueue(Job job);
  static void on_update(void* self, int op, const char* db, const char* table,
                        long long rowid);

  std::unique_ptr<SQLite::Database> write_db_;
  std::unique_ptr<SQLite::Statement> record_open_;
  std::unique_ptr<SQLite::Database> read_db_;
  std::mutex read_mutex_;
  RecentOpens recent_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable space_ready_;
  std::condition_variable committed_;
  std::deque<Job> queue_;
  std::uint64_t enqueued_ = 0;  // jobs ever queued
  std::uint64_t done_ = 0;      // jobs ever committed (or failed)
  bool stopping_ = false;

  bool last_stored_ = false;  // set by the update hook during one statement
  std::thread writer_;
};

}  // namespace gog::serve
