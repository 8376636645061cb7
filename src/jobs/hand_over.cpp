// The local hand-over's fast path: new jobs that a local worker with room
// will take are inserted already active under its lease, instead of being
// inserted waiting and then claimed by a second statement (on SQLite an
// UPDATE over an IN-subquery with RETURNING: two temporary b-trees per
// claim, most of an enqueue's cost). Only when that changes nothing a claim
// would decide differently: the queue is not paused, has no concurrency or
// rate limit, and holds no job that is ready (waiting, or delayed and due),
// which a claim would have preferred to the new ones.
#include <algorithm>

#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {
// A new job's columns, then those of its claim.
constexpr int kActiveCols = kJobInsertColumnCount + 4;

std::string insert_active_sql(size_t rows) {
  std::string sql = std::string("INSERT INTO jobs (") + kJobInsertColumns +
                    ", attempts, lease, started_ms, lease_until_ms) VALUES ";
  int p = 1;
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : "(";
    for (int k = 0; k < kActiveCols; ++k) sql += (k ? ",$" : "$") + std::to_string(p++);
    sql += ')';
  }
  return sql;
}
}  // namespace

Result<bool> Queue::Impl::may_hand_over_new(store::Tx& tx, const std::string& queue, int64_t now) {
  SB_ASSIGN(auto rows,
            tx.query("SELECT q.paused, q.concurrency, q.rate_max, "
                     "EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND state = 'waiting'), "
                     "EXISTS (SELECT 1 FROM jobs WHERE queue = $1 AND state = 'delayed' AND run_at_ms <= $2) "
                     "FROM job_queues q WHERE q.name = $1",
                     {queue, now}));
  if (rows.empty()) return false;
  const store::Row& r = rows[0];
  for (size_t i = 0; i < 5; ++i)
    if (r.int_at(i) != 0) return false;
  return true;
}

Result<std::vector<Claimed>> Queue::Impl::insert_active(store::Tx& tx, const std::string& queue,
                                                        const std::vector<NewJob>& jobs,
                                                        const std::vector<Enqueued>& ids,
                                                        const std::vector<size_t>& which, const ClaimOptions& options,
                                                        int64_t now) {
  std::vector<Claimed> out;
  out.reserve(which.size());
  const std::string lease = random_lease();
  constexpr size_t kChunk = 32;
  for (size_t at = 0; at < which.size(); at += kChunk) {
    size_t n = std::min(kChunk, which.size() - at);
    store::Params p;
    p.reserve(n * kActiveCols);
    for (size_t k = 0; k < n; ++k) {
      const size_t i = which[at + k];
      const NewJob& j = jobs[i];
      const int64_t until = now + (j.lease_ms > 0 ? j.lease_ms : options.lease_ms);
      append_job_params(p, ids[i].id, queue, j, "active", now, now);
      p.emplace_back(int64_t{1});
      p.emplace_back(lease);
      p.emplace_back(now);
      p.emplace_back(until);
      out.push_back(Claimed{ids[i].id, queue, j.payload, 1, lease, until, j.priority, now});
    }
    SB_TRY(tx.exec(insert_active_sql(n), p).status());
  }
  return out;
}

}  // namespace sb::jobs
