#include "net/store_worker.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "net/metrics.hpp"

namespace dyad::net {

store_worker::store_worker(std::unique_ptr<store::event_log> log, metrics& counters)
    : log_(std::move(log)), metrics_(counters), pool_(std::make_unique<boost::asio::thread_pool>(1)) {}

store_worker::~store_worker() { stop(); }

void store_worker::append(std::string code, core::event_list events, std::function<void(core::status)> done) {
  boost::asio::post(*pool_, [this, code = std::move(code), events = std::move(events), done = std::move(done)] {
    const auto start = std::chrono::steady_clock::now();
    auto r = log_->append(code, events);
    metrics_.observe_commit(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!r) {
      metrics_.store_failures_total.fetch_add(1, std::memory_order_relaxed);
      done(r.err());
    } else {
      done(core::ok());
    }
  });
}

void store_worker::run(std::function<void(store::event_log&)> job) {
  boost::asio::post(*pool_, [this, job = std::move(job)] { job(*log_); });
}

void store_worker::stop() { pool_->join(); }

}  // namespace dyad::net
