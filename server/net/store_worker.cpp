#include "net/store_worker.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "net/closed_run_cache.hpp"
#include "net/metrics.hpp"

namespace dyad::net {

// A read-only connection, opened on first use; `failed` keeps a refusal from being retried at
// every read.
struct store_worker::reader_slot {
  std::unique_ptr<store::event_log> log;
  bool failed = false;
};

store_worker::store_worker(std::unique_ptr<store::event_log> log, metrics& counters, reader_opener open_reader,
                           std::size_t readers)
    : log_(std::move(log)),
      metrics_(counters),
      open_reader_(std::move(open_reader)),
      pool_(std::make_unique<boost::asio::thread_pool>(1)),
      closed_runs_(std::make_unique<closed_run_cache>()) {
  if (open_reader_ && readers > 0) {
    read_pool_ = std::make_unique<boost::asio::thread_pool>(readers);
    // As many connections as threads, so a read never waits for a connection.
    for (std::size_t i = 0; i < readers; ++i) idle_readers_.push_back(std::make_unique<reader_slot>());
  }
}

store_worker::~store_worker() { stop(); }

void store_worker::append(std::string code, core::event_list events, std::function<void(core::status)> done) {
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back({std::move(code), std::move(events), std::move(done)});
    if (commit_posted_) return;  // the commit already on its way takes this one too
    commit_posted_ = true;
  }
  boost::asio::post(*pool_, [this] { commit_queued(); });
}

void store_worker::commit_queued() {
  std::vector<pending_append> group;
  {
    std::lock_guard lock(queue_mutex_);
    if (queue_.size() <= max_group) {
      group.swap(queue_);
      commit_posted_ = false;
    } else {
      auto first = queue_.begin();
      auto last = first + static_cast<std::ptrdiff_t>(max_group);
      group.assign(std::make_move_iterator(first), std::make_move_iterator(last));
      queue_.erase(first, last);
      // The rest goes next, behind whatever else is queued on this thread by now.
      boost::asio::post(*pool_, [this] { commit_queued(); });
    }
  }
  if (group.empty()) return;

  std::vector<store::event_log::append_request> requests;
  requests.reserve(group.size());
  for (const auto& p : group) requests.push_back({p.code, p.events});
  const auto start = std::chrono::steady_clock::now();
  auto results = log_->append_many(requests);
  metrics_.observe_commit(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  metrics_.store_appends_total.fetch_add(group.size(), std::memory_order_relaxed);
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (i >= results.size()) {
      metrics_.store_failures_total.fetch_add(1, std::memory_order_relaxed);
      group[i].done(core::make_error(core::errc::unavailable, "The store gave no answer for this change; retry."));
    } else if (!results[i]) {
      metrics_.store_failures_total.fetch_add(1, std::memory_order_relaxed);
      group[i].done(results[i].err());
    } else {
      group[i].done(core::ok());
    }
  }
}

void store_worker::run(std::function<void(store::event_log&)> job) {
  boost::asio::post(*pool_, [this, job = std::move(job)] { job(*log_); });
}

std::unique_ptr<store_worker::reader_slot> store_worker::take_reader() {
  std::lock_guard lock(readers_mutex_);
  if (idle_readers_.empty()) return nullptr;
  auto slot = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return slot;
}

void store_worker::give_back(std::unique_ptr<reader_slot> slot) {
  std::lock_guard lock(readers_mutex_);
  idle_readers_.push_back(std::move(slot));
}

void store_worker::read(std::function<void(store::event_log&)> job) {
  if (!read_pool_) return run(std::move(job));
  boost::asio::post(*read_pool_, [this, job = std::move(job)]() mutable {
    auto slot = take_reader();
    if (slot && !slot->log && !slot->failed) {
      auto opened = open_reader_();
      if (opened) {
        slot->log = std::move(*opened);
      } else {
        slot->failed = true;
        spdlog::warn("store: a read-only connection could not be opened, so reads share the writer's thread: {}",
                     opened.err().message);
      }
    }
    if (!slot || !slot->log) {
      // No connection of its own: the writer's thread serves it, as before there were readers.
      if (slot) give_back(std::move(slot));
      return run(std::move(job));
    }
    job(*slot->log);
    give_back(std::move(slot));
  });
}

void store_worker::stop() {
  if (read_pool_) read_pool_->join();
  pool_->join();
}

}  // namespace dyad::net
