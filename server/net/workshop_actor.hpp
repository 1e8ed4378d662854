#pragma once

// The one owner of a live workshop: its strand, the queue of jobs that read or change it, and
// the group commit to the store. Jobs run one at a time, in arrival order, and do not wait for
// the disk: the events of the jobs that ran while one commit was being written go to the store
// together as the next commit, one transaction for all of them. No one is acknowledged before
// their events are durable: each job's continuation runs only once the commit holding its events
// (and every commit before it) has been stored. A failed commit fails the commit after it too,
// since those jobs saw its changes, and the workshop is rebuilt from the log before the next job
// runs. The host's only Asio: its strand and timers live here.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

  /// `queue_limit`: how many jobs may wait before offered ones are refused, and how many jobs'
  /// changes one commit gathers at most.
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
  /// queue without bound, and a refused request is answered at once (the client retries). Jobs
  /// wait only while the commit being gathered is full (`queue_limit` jobs' changes, while the
  /// one before is written) or after a failed commit.
  void offer(job j, job refused);
  /// Any thread: queues `j` whatever the queue's length (the server's own work: a connection
  /// gone, the grace period's tick, timers, inspections, admin commands).
  void queue(job j);
  /// Any thread: whether the stored workshop has closed. Known at the commit gate, before anyone
  /// is answered, so whoever heard "closed" and asks over HTTP hears it too.
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  /// The workshop as the log holds it, plus what the commits being written and gathered hold.
  core::workshop& workshop() noexcept { return workshop_; }
  const core::workshop& workshop() const noexcept { return workshop_; }
  const core::clock& time() const noexcept { return time_; }

  /// Makes `events` durable, then runs `then` on the strand with the outcome, after the
  /// continuations of every commit asked for before. The events join the commit being gathered,
  /// which goes to the store as soon as the one being written is stored. Nothing to store: `then`
  /// runs once everything asked before is stored (at once when nothing is pending), so that a
  /// retried request is never acknowledged ahead of the first. After a failure, every commit
  /// gathered meanwhile fails with it, and jobs wait until the workshop is rebuilt from the log
  /// (retried with growing pauses while the log cannot be read).
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

  /// One commit: the events of the jobs gathered into it, their continuations in order, and the
  /// jobs themselves, kept until they are answered.
  struct batch {
    core::event_list events;
    std::vector<std::function<void(core::status)>> thens;
    std::vector<job> jobs;
    bool closes = false;
  };

  void enqueue(job j);
  void pump();
  void send();
  void stored(core::status s);
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
  // The commit being written, and the one gathering what jobs change meanwhile.
  std::optional<batch> writing_;
  batch gathering_;
  // Where the running job's last commit went, so the job is kept until it is answered.
  batch* placed_ = nullptr;
  // A commit failed: no job runs until the workshop is rebuilt from the log.
  bool rebuilding_ = false;
  bool stopping_ = false;
  job on_rebuilt_;
  std::chrono::milliseconds rebuild_backoff_{250};
};

}  // namespace dyad::net
