#pragma once

// The one owner of a live workshop: its strand, the queue of jobs that read or change it, and
// the gate to the store. Jobs run one at a time, in arrival order. A job whose events must be
// stored closes the gate; later jobs wait until the store has answered, so that no one is ever
// answered from a state the log does not hold. A failed commit leaves memory ahead of the log,
// so the workshop is rebuilt from the log before the next job runs. The host's only Asio: its
// strand and timers live here.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/workshop.hpp"

namespace boost::asio {
class io_context;
}

namespace dyad::net {

class store_worker;

/// A workshop and the strand that owns it. The functions marked "any thread" post onto the
/// strand; every other one must be called on it (from a job, or a continuation of one).
///
/// Lifetime: the actor keeps itself alive through its own waits (the store, its timers). What a
/// job or a commit's continuation refers to is the job's affair: the actor keeps a job that
/// closed the gate until the gate opens again, so whatever the job holds outlives its commit.
class workshop_actor : public std::enable_shared_from_this<workshop_actor> {
public:
  using job = std::function<void()>;

  /// `queue_limit`: how many jobs may wait before offered ones are refused.
  workshop_actor(boost::asio::io_context& ioc, store_worker& store, const core::clock& time, core::workshop workshop,
                 std::size_t queue_limit);
  ~workshop_actor();
  workshop_actor(const workshop_actor&) = delete;
  workshop_actor& operator=(const workshop_actor&) = delete;

  /// Any thread: runs `fn` on the strand soon, ahead of the jobs waiting (a connection opening,
  /// shutdown: nothing that reads or changes the workshop).
  void post(job fn);
  /// Any thread: queues `j`, or, when `queue_limit` jobs already wait, runs `refused` instead on
  /// the strand. For clients' requests: many connections behind a slow disk must not grow the
  /// queue without bound, and a refused request is answered at once (the client retries).
  void offer(job j, job refused);
  /// Any thread: queues `j` whatever the queue's length (the server's own work: a connection
  /// gone, the grace period's tick, timers, inspections, admin commands).
  void queue(job j);
  /// Any thread: whether the stored workshop has closed. Known at the commit gate, before anyone
  /// is answered, so whoever heard "closed" and asks over HTTP hears it too.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  /// The workshop as the log holds it, plus what the running job has changed.
  core::workshop& workshop() noexcept { return workshop_; }
  const core::workshop& workshop() const noexcept { return workshop_; }
  const core::clock& time() const noexcept { return time_; }

  /// Makes `events` durable, then runs `then` on the strand with the outcome. Until then later
  /// jobs wait; after a failure, until the workshop is rebuilt from the log (retried with growing
  /// pauses while the log cannot be read). Nothing to store: `then` runs at once.
  void commit(core::event_list events, std::function<void(core::status)> then);
  /// Runs after every rebuild from the log, before the next job: pages may have been told of a
  /// change the log lacks, and are shown the workshop as stored.
  void on_rebuilt(job fn) { on_rebuilt_ = std::move(fn); }

  /// The workshop stops changing: alarms no longer queue their jobs and a failed rebuild is not
  /// retried. Queued jobs still run, and check `stopping()` themselves.
  void stop();
  bool stopping() const noexcept { return stopping_; }

  /// A timer on the strand whose job, when it fires, is queued behind the jobs already waiting,
  /// so that it reads only committed state. Setting it again replaces what was set; nothing is
  /// queued once the actor stops. Used on the strand.
  class alarm {
  public:
    explicit alarm(workshop_actor& actor);
    ~alarm();
    alarm(const alarm&) = delete;
    alarm& operator=(const alarm&) = delete;
    void set(std::chrono::milliseconds after, job j);
    void cancel();

  private:
    struct timer;
    workshop_actor& actor_;
    std::unique_ptr<timer> timer_;
  };

private:
  struct executor;

  void enqueue(job j);
  void pump();
  void open_gate();
  void rebuild();
  void retry_rebuild();

  std::unique_ptr<executor> io_;
  store_worker& store_;
  const core::clock& time_;
  core::workshop workshop_;
  const std::string code_;
  const std::size_t queue_limit_;
  std::atomic<bool> closed_{false};

  std::deque<job> jobs_;
  // The gate: a commit (or a rebuild after a failed one) is in flight.
  bool busy_ = false;
  // The job that closed the gate, kept until it opens again.
  job holding_gate_;
  bool stopping_ = false;
  job on_rebuilt_;
  std::chrono::milliseconds rebuild_backoff_{250};
};

}  // namespace dyad::net
