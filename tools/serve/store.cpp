#include "serve/store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <iostream>

#include "common/error.hpp"
#include "core/sql.hpp"
#include "serve/schema.hpp"

namespace gog::serve {
namespace {

constexpr int kBusyTimeoutMs = 5000;

void log_error(const std::string& what) {
  std::cerr << "gog serve: error: " << what << "\n";
}

core::OpenRow read_row(SQLite::Statement& q) {
  core::OpenRow row;
  row.tracking_id = q.getColumn(0).getString();
  row.recipient = q.getColumn(1).getString();
  row.subject_hash = q.getColumn(2).getString();
  row.sent_at = q.getColumn(3).getInt64();
  row.opened_at = q.getColumn(4).getInt64();
  row.ip = q.getColumn(5).getString();
  row.user_agent = q.getColumn(6).getString();
  row.is_bot = q.getColumn(7).getInt() != 0;
  row.bot_type = q.getColumn(8).getString();
  return row;
}

std::vector<core::OpenRow> read_rows(SQLite::Statement& q) {
  std::vector<core::OpenRow> rows;
  while (q.executeStep())
    rows.push_back(read_row(q));
  return rows;
}

}  // namespace

Store::Store(const std::filesystem::path& path) {
  try {
    open_write(path);
    open_read(path);
  } catch (const Error&) {
    throw;  // a migration's own message and hint
  } catch (const std::exception& e) {
    // SQLite's or the file system's: name the path and the way out.
    throw Error(
        "cannot open database " + quoted(path.string()) + ": " + e.what(),
        "pass --db with a path in a writable folder");
  }
  writer_ = std::thread([this] { writer_loop(); });
}

Store::~Store() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  space_ready_.notify_all();
  writer_.join();
}

// WAL lets the admin reads run beside the writer; synchronous=NORMAL in WAL
// mode survives a crash of the process (a power cut may lose the last
// batches, an acceptable price for opens).
void Store::open_write(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path());
  }
  write_db_ = std::make_unique<SQLite::Database>(
      path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
      kBusyTimeoutMs);
  write_db_->exec("PRAGMA journal_mode=WAL");
  write_db_->exec("PRAGMA synchronous=NORMAL");
  migrate(*write_db_);

  record_open_ =
      std::make_unique<SQLite::Statement>(*write_db_, core::sql::kRecordOpen);
  sqlite3_update_hook(write_db_->getHandle(), &Store::on_update, this);
}

void Store::open_read(const std::filesystem::path& path) {
  read_db_ = std::make_unique<SQLite::Database>(
      path.string(), SQLite::OPEN_READONLY, kBusyTimeoutMs);
}

// The trigger's INSERT INTO opens fires this hook (its drop counter goes to
// dropped_opens): the one exact way to learn whether the hit was stored.
void Store::on_update(void* self, int op, const char* db, const char* table,
                      long long rowid) {
  if (op == SQLITE_INSERT && std::strcmp(table, "opens") == 0) {
    static_cast<Store*>(self)->last_stored_ = true;
  }
}

void Store::record(Hit hit) {
  if (recent_.is_duplicate(hit))
    return;
  enqueue(std::move(hit));
}

void Store::purge(std::int64_t now) {
  enqueue(PurgeJob{now});
  flush();
}

void Store::enqueue(Job job) {
  std::unique_lock lock(mutex_);
  space_ready_.wait(
      lock, [this] { return queue_.size() < kMaxQueuedHits || stopping_; });
  queue_.push_back(std::move(job));
  ++enqueued_;
  work_ready_.notify_one();
}

void Store::flush() {
  std::unique_lock lock(mutex_);
  std::uint64_t target = enqueued_;
  committed_.wait(lock, [&] { return done_ >= target; });
}

void Store::writer_loop() {
  while (true) {
    auto jobs = take_jobs(true);
    if (jobs.empty())
      return;  // stopping, and nothing left to store
    run_batch(std::move(jobs));
  }
}

std::deque<Store::Job> Store::take_jobs(bool wait) {
  std::unique_lock lock(mutex_);
  if (wait) {
    work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  }
  std::deque<Job> jobs;
  while (!queue_.empty() && jobs.size() < kBatchRows) {
    jobs.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  space_ready_.notify_all();
  return jobs;
}

// One transaction for whatever arrives within kBatchMillis (at most
// kBatchRows hits): the commit is the expensive part, not the statements.
void Store::run_batch(std::deque<Job> jobs) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(kBatchMillis);
  Batch batch;
  try {
    SQLite::Transaction tx(*write_db_);
    while (!jobs.empty()) {
      batch.jobs += jobs.size();
      for (auto& job : jobs)
        apply(job, batch);
      if (batch.jobs >= kBatchRows ||
          std::chrono::steady_clock::now() >= deadline) {
        break;
      }
      jobs = take_jobs(false);
    }
    tx.commit();
  } catch (const std::exception& e) {
    log_error("cannot store a batch of " + std::to_string(batch.jobs) +
              " opens: " + e.what());
    batch.stored.clear();
  }
  finish_batch(batch);
}

void Store::apply(Job& job, Batch& batch) {
  if (auto* hit = std::get_if<Hit>(&job)) {
    apply_hit(*hit, batch);
  } else {
    apply_purge(std::get<PurgeJob>(job), batch);
  }
}

void Store::apply_hit(Hit& hit, Batch& batch) {
  auto bounds = core::sql::record_open_bounds(hit.opened_at);
  auto& q = *record_open_;
  q.reset();
  q.bind(1, hit.tracking_id);
  q.bind(2, hit.payload.recipient);
  q.bind(3, hit.payload.subject_hash);
  q.bind(4, hit.payload.sent_at);
  q.bind(5, hit.opened_at);
  q.bind(6, hit.ip);
  q.bind(7, hit.user_agent);
  q.bind(8, hit.is_bot ? 1 : 0);
  q.bind(9, std::string(hit.bot_type));
  q.bind(10, bounds.dedupe_since);
  q.bind(11, bounds.cap_since);
  q.bind(12, bounds.ip_cap);

  last_stored_ = false;
  q.exec();
  if (last_stored_)
    batch.stored.push_back(std::move(hit));
}

// Forgetting before the delete keeps RecentOpens from vouching for a row
// this purge removes; nothing from this batch is remembered afterwards.
void Store::apply_purge(const PurgeJob& job, Batch& batch) {
  recent_.forget_all();
  batch.purged = true;
  std::int64_t cutoff = core::sql::purge_cutoff(job.now);

  SQLite::Statement opens(*write_db_, core::sql::kPurgeOpens);
  opens.bind(1, cutoff);
  opens.exec();
  SQLite::Statement dropped(*write_db_, core::sql::kPurgeDropped);
  dropped.bind(1, cutoff / 3600);
  dropped.exec();
}

void Store::finish_batch(Batch& batch) {
  if (!batch.purged) {
    for (const auto& hit : batch.stored)
      recent_.remember(hit);
  }
  std::lock_guard lock(mutex_);
  done_ += batch.jobs;
  committed_.notify_all();
}

Store::IdReport Store::report_for_id(const std::string& tracking_id) {
  flush();
  std::lock_guard lock(read_mutex_);
  IdReport report;
  SQLite::Statement opens(*read_db_, core::sql::kOpensForId);
  opens.bind(1, tracking_id);
  report.opens = read_rows(opens);

  SQLite::Statement dropped(*read_db_, core::sql::kDroppedForId);
  dropped.bind(1, tracking_id);
  if (dropped.executeStep())
    report.dropped = dropped.getColumn(0).getInt64();
  return report;
}

std::vector<core::OpenRow> Store::list_opens(const core::OpensQuery& query) {
  flush();
  std::lock_guard lock(read_mutex_);
  SQLite::Statement q(*read_db_, core::sql::kListOpens);
  if (query.recipient)
    q.bind(1, *query.recipient);
  if (query.since)
    q.bind(2, *query.since);
  q.bind(3, query.limit);
  return read_rows(q);
}

}  // namespace gog::serve
