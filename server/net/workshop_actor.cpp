// GCC 12 reports a "potential null pointer dereference" inside Asio's any_executor comparison
// once it is inlined here; the pointer cannot be null there (a false positive in system headers
// that the usual system-header suppression misses after inlining).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "net/workshop_actor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "net/secrets.hpp"
#include "net/store_worker.hpp"

namespace dyad::net {

namespace asio = boost::asio;

struct workshop_actor::executor {
  explicit executor(asio::io_context& ioc) : strand(asio::make_strand(ioc)), rebuild_timer(strand) {}

  asio::strand<asio::io_context::executor_type> strand;
  // Retries a rebuild from the log that failed; until one succeeds no job runs.
  asio::steady_timer rebuild_timer;
};

struct workshop_actor::alarm::timer {
  explicit timer(const asio::strand<asio::io_context::executor_type>& strand) : t(strand) {}
  asio::steady_timer t;
};

workshop_actor::workshop_actor(asio::io_context& ioc, store_worker& store, const core::clock& time,
                               core::workshop workshop, std::size_t queue_limit)
    : io_(std::make_unique<executor>(ioc)),
      store_(store),
      time_(time),
      workshop_(std::move(workshop)),
      code_(workshop_.code()),
      queue_limit_(queue_limit) {}

workshop_actor::~workshop_actor() = default;

// ---------------------------------------------------------------------------------------------
// Entry points: each posts onto the strand.

void workshop_actor::post(job fn) { asio::post(io_->strand, std::move(fn)); }

void workshop_actor::offer(job j, job refused) {
  asio::post(io_->strand, [self = shared_from_this(), j = std::move(j), refused = std::move(refused)]() mutable {
    if (self->jobs_.size() >= self->queue_limit_) return refused();
    self->enqueue(std::move(j));
  });
}

void workshop_actor::queue(job j) {
  asio::post(io_->strand, [self = shared_from_this(), j = std::move(j)]() mutable { self->enqueue(std::move(j)); });
}

void workshop_actor::stop() {
  stopping_ = true;
  io_->rebuild_timer.cancel();
}

// ---------------------------------------------------------------------------------------------
// The queue, and the group commit: jobs run while a commit is written; their events go next.

void workshop_actor::enqueue(job j) {
  jobs_.push_back(std::move(j));
  pump();
}

void workshop_actor::pump() {
  while (!rebuilding_ && !jobs_.empty() && gathering_.thens.size() < queue_limit_) {
    auto j = std::move(jobs_.front());
    jobs_.pop_front();
    placed_ = nullptr;
    j();
    if (placed_ != nullptr) placed_->jobs.push_back(std::move(j));
    placed_ = nullptr;
  }
}

void workshop_actor::commit(core::event_list events, std::function<void(core::status)> then) {
  if (events.empty()) {
    // After everything asked before: the last commit gathered, else the one being written.
    batch* after = !gathering_.thens.empty() ? &gathering_ : writing_ ? &*writing_ : nullptr;
    if (after == nullptr) return then(core::ok());
    after->thens.push_back(std::move(then));
    placed_ = after;
    return;
  }
  for (auto& e : events) {
    gathering_.closes = gathering_.closes || (e.has_lifecycle() && e.lifecycle().lifecycle() == dyad::v1::LIFECYCLE_CLOSED);
    gathering_.events.push_back(std::move(e));
  }
  gathering_.thens.push_back(std::move(then));
  placed_ = &gathering_;
  if (!writing_) send();
}

void workshop_actor::send() {
  writing_.emplace(std::move(gathering_));
  gathering_ = batch{};
  if (placed_ != nullptr) placed_ = &*writing_;
  if (writing_->events.empty()) return stored(core::ok());  // only continuations: nothing to write
  store_.append(code_, writing_->events, [self = shared_from_this()](core::status s) mutable {
    asio::post(self->io_->strand, [self, s = std::move(s)]() mutable { self->stored(std::move(s)); });
  });
}

void workshop_actor::stored(core::status s) {
  auto done = std::move(*writing_);
  writing_.reset();
  if (!s) {
    spdlog::error("workshop {}: store commit failed: {}", code_, s.err().message);
    // What was gathered meanwhile was decided on memory holding the failed changes: it fails too.
    auto after = std::move(gathering_);
    gathering_ = batch{};
    rebuilding_ = true;
    for (auto& then : done.thens) then(s);
    for (auto& then : after.thens) then(s);
    rebuild();  // no job runs until memory matches the log again
    return;
  }
  if (done.closes) closed_.store(true, std::memory_order_release);
  for (auto& then : done.thens) then(s);
  if (!writing_ && !gathering_.thens.empty()) send();
  pump();
}

void workshop_actor::rebuild() {
  store_.run([self = shared_from_this()](store::event_log& log) {
    auto events = log.load(self->code_);
    std::optional<core::workshop> rebuilt;
    std::string problem;
    if (!events) {
      problem = events.err().message;
    } else {
      auto w = core::workshop::replay(self->time_, *events, random_u64());
      if (w) rebuilt.emplace(std::move(*w));
      else problem = w.err().message;
    }
    asio::post(self->io_->strand, [self, rebuilt = std::move(rebuilt), problem]() mutable {
      if (!rebuilt) {
        // Memory may hold a change the log lacks, so nothing may be answered from it: jobs wait
        // while the rebuild is retried with growing pauses.
        spdlog::error("workshop {}: cannot rebuild from the log: {}; retrying", self->code_, problem);
        return self->retry_rebuild();
      }
      self->workshop_ = std::move(*rebuilt);
      spdlog::warn("workshop {}: rebuilt from the log after a failed commit", self->code_);
      if (self->on_rebuilt_) self->on_rebuilt_();
      self->rebuild_backoff_ = std::chrono::milliseconds(250);
      self->rebuilding_ = false;
      self->pump();
    });
  });
}

void workshop_actor::retry_rebuild() {
  if (stopping_) return;
  io_->rebuild_timer.expires_after(rebuild_backoff_);
  rebuild_backoff_ = std::min(rebuild_backoff_ * 2, std::chrono::milliseconds(30'000));
  io_->rebuild_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->stopping_) self->rebuild();
  });
}

// ---------------------------------------------------------------------------------------------
// Alarms

workshop_actor::alarm::alarm(workshop_actor& actor) : actor_(actor), timer_(std::make_unique<timer>(actor.io_->strand)) {}

workshop_actor::alarm::~alarm() = default;

void workshop_actor::alarm::set(std::chrono::milliseconds after, job j) {
  if (actor_.stopping_) return;
  timer_->t.expires_after(after);
  timer_->t.async_wait([actor = actor_.shared_from_this(), j = std::move(j)](const boost::system::error_code& ec) mutable {
    if (ec || actor->stopping_) return;
    actor->enqueue(std::move(j));
  });
}

void workshop_actor::alarm::cancel() { timer_->t.cancel(); }

}  // namespace dyad::net
