#pragma once

// The store's own thread: appends are synchronous fsyncs, so they never run on a network thread
// or a workshop's strand.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/workshop.hpp"
#include "store/event_log.hpp"

namespace boost::asio {
class thread_pool;
}

namespace dyad::net {

class metrics;

/// Runs store work, in order, on one dedicated thread. Callbacks run on that thread: post them
/// onward to where they belong (a workshop's strand, a session). Thread-safe.
class store_worker {
public:
  store_worker(std::unique_ptr<store::event_log> log, metrics& counters);
  ~store_worker();
  store_worker(const store_worker&) = delete;
  store_worker& operator=(const store_worker&) = delete;

  /// Appends events to a workshop's log and reports the result; times the commit.
  void append(std::string code, core::event_list events, std::function<void(core::status)> done);
  /// Runs any other store work (loads for exports, the readiness check) in order with appends.
  void run(std::function<void(store::event_log&)> job);
  /// Waits for the queued work to finish; later calls are dropped.
  void stop();
  /// Direct access, for start-up before the network runs (and the worker has nothing queued).
  store::event_log& log() noexcept { return *log_; }

private:
  std::unique_ptr<store::event_log> log_;
  metrics& metrics_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
};

}  // namespace dyad::net
