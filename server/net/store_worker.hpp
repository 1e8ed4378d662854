#pragma once

// The store's own threads: appends are synchronous fsyncs, so they never run on a network thread
// or a workshop's strand; reads (exports, statistics, the readiness probe) run on connections of
// their own, so they never wait behind a commit, nor a commit behind them.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/workshop.hpp"
#include "store/event_log.hpp"

namespace boost::asio {
class thread_pool;
}

namespace dyad::net {

class metrics;
class closed_run_cache;

/// Runs store work on one dedicated writer thread, and reads on a small pool of read-only
/// connections beside it. Callbacks run on those threads: post them onward to where they belong
/// (a workshop's strand, a session). Thread-safe.
///
/// Appends queued while the writer is busy are committed together: one transaction and one
/// fsync for the whole group (`event_log::append_many`), each append all or nothing on its own,
/// each caller answered with its own result. So a burst of submissions, from one workshop or
/// many, costs one wait for the disk per group rather than one per append.
class store_worker {
public:
  /// Opens one more read-only connection to the log, for the reader pool.
  using reader_opener = std::function<core::result<std::unique_ptr<store::event_log>>()>;

  /// `open_reader`, when given, opens the `readers` connections that `read` uses (lazily, each on
  /// its thread's first read); without it, reads run on the writer's thread, in order with appends.
  store_worker(std::unique_ptr<store::event_log> log, metrics& counters, reader_opener open_reader = {},
               std::size_t readers = 2);
  ~store_worker();
  store_worker(const store_worker&) = delete;
  store_worker& operator=(const store_worker&) = delete;

  /// Appends events to a workshop's log and reports the result, once committed with whatever
  /// else was queued; times the commit.
  void append(std::string code, core::event_list events, std::function<void(core::status)> done);
  /// Runs other store work on the writer's thread (erasures, changes made outside a workshop,
  /// reads that must follow an append), in order with appends: an append queued before `job`
  /// is committed before it runs.
  void run(std::function<void(store::event_log&)> job);
  /// Runs a read (loads for exports and statistics, the readiness check) on a read-only
  /// connection, beside the writer: it sees every append acknowledged before it started. Keep
  /// it short, one export at a time: a reader mid-read keeps the WAL from being emptied.
  void read(std::function<void(store::event_log&)> job);
  /// Waits for the queued work to finish; later calls are dropped.
  void stop();
  /// Direct access, for start-up before the network runs (and the worker has nothing queued).
  store::event_log& log() noexcept { return *log_; }
  /// Closed runs' figures, computed once from the log by the reads that first need them.
  closed_run_cache& closed_runs() noexcept { return *closed_runs_; }

  /// The most appends committed in one transaction.
  static constexpr std::size_t max_group = 512;

private:
  struct pending_append {
    std::string code;
    core::event_list events;
    std::function<void(core::status)> done;
  };
  struct reader_slot;

  void commit_queued();
  std::unique_ptr<reader_slot> take_reader();
  void give_back(std::unique_ptr<reader_slot> slot);

  std::unique_ptr<store::event_log> log_;
  metrics& metrics_;
  reader_opener open_reader_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::unique_ptr<boost::asio::thread_pool> read_pool_;
  std::unique_ptr<closed_run_cache> closed_runs_;

  std::mutex queue_mutex_;
  std::vector<pending_append> queue_;
  bool commit_posted_ = false;

  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<reader_slot>> idle_readers_;
};

}  // namespace dyad::net
