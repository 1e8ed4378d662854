#include "net/workshop_host.hpp"

#include <algorithm>
#include <chrono>

#include "net/audience.hpp"
#include "net/request_router.hpp"
#include "net/workshop_actor.hpp"

namespace dyad::net {

namespace {

constexpr auto tally_interval = std::chrono::milliseconds(250);
// The dashboards hear of the roster's changes at most this often: at once after a quiet spell,
// then gathered while people keep arriving or dropping.
constexpr auto roster_interval = std::chrono::milliseconds(250);

}  // namespace

/// The host's timers: the next phase boundary, the tallies that follow a release, and the
/// roster's changes gathered for the dashboards.
struct workshop_host::timers {
  explicit timers(workshop_actor& actor) : phase(actor), tallies(actor), roster(actor) {}
  workshop_actor::alarm phase;
  workshop_actor::alarm tallies;
  workshop_actor::alarm roster;
  bool tallies_pending = false;
  bool roster_pending = false;
  std::chrono::steady_clock::time_point roster_sent{};
};

workshop_host::workshop_host(boost::asio::io_context& ioc, store_worker& store, metrics& counters,
                             const core::clock& time, core::workshop workshop, core::millis created_at_ms,
                             const public_links& links, std::size_t queue_limit)
    : code_(workshop.code()),
      series_(workshop.plan().series()),
      title_(workshop.plan().title()),
      created_at_ms_(created_at_ms),
      actor_(std::make_shared<workshop_actor>(ioc, store, time, std::move(workshop), queue_limit)),
      audience_(std::make_unique<audience>(time, actor_->workshop())),
      router_(std::make_unique<request_router>(
          *actor_, *audience_, counters, links, [this](const core::event_list& events) { publish(events); },
          [this](std::function<void()> j) {
            actor_->queue([self = shared_from_this(), j = std::move(j)] { j(); });
          })),
      timers_(std::make_unique<timers>(*actor_)) {
  actor_->on_rebuilt([this] { on_rebuilt(); });
}

workshop_host::~workshop_host() = default;

bool workshop_host::closed() const noexcept { return actor_->closed(); }

// ---------------------------------------------------------------------------------------------
// Entry points: each runs on the strand, holding the host until it has run.

void workshop_host::start() {
  actor_->post([self = shared_from_this()] { self->schedule_phase_timer(); });
}

void workshop_host::attach(std::shared_ptr<peer> connection) {
  actor_->post([self = shared_from_this(), connection = std::move(connection)]() mutable {
    if (self->actor_->stopping()) return;
    self->audience_->add(std::move(connection));
  });
}

void workshop_host::detach(std::uint64_t peer_id) {
  // At once, not behind the queue: the connection is gone from the audience, and the presence
  // change is gathered with the others that close about the same time.
  actor_->post([self = shared_from_this(), peer_id] { self->router_->on_detach(peer_id); });
}

void workshop_host::handle(std::uint64_t peer_id, dyad::v1::ClientMessage request) {
  const auto rid = request.request_id();
  using K = dyad::v1::ClientMessage::KindCase;
  // A Ping changes nothing and is answered at once, ahead of the queue; a resume is never refused
  // for a long queue, since a venue's network coming back brings everyone at once.
  if (request.kind_case() == K::kPing) {
    actor_->post([self = shared_from_this(), peer_id, request = std::move(request)] {
      self->router_->on_request(peer_id, request);
    });
    return;
  }
  if (request.kind_case() == K::kResume) {
    actor_->queue([self = shared_from_this(), peer_id, request = std::move(request)] {
      self->router_->on_request(peer_id, request);
    });
    return;
  }
  actor_->offer(
      [self = shared_from_this(), peer_id, request = std::move(request)] { self->router_->on_request(peer_id, request); },
      [self = shared_from_this(), peer_id, rid] { self->router_->refuse_busy(peer_id, rid); });
}

void workshop_host::tick() {
  actor_->queue([self = shared_from_this()] { self->on_tick(); });
}

void workshop_host::inspect(std::function<void(const core::workshop&)> fn) {
  actor_->queue([self = shared_from_this(), fn = std::move(fn)]() mutable {
    // Once what was asked before is stored.
    self->actor_->commit({}, [self, fn = std::move(fn)](core::status) { fn(self->actor_->workshop()); });
  });
}

void workshop_host::replace_facilitator_token(std::function<void(core::result<std::string>)> done) {
  actor_->queue([self = shared_from_this(), done = std::move(done)]() mutable {
    self->router_->replace_facilitator_token(std::move(done));
  });
}

void workshop_host::shutdown(std::string reason) {
  actor_->post([self = shared_from_this(), reason = std::move(reason)] {
    self->actor_->stop();
    self->timers_->phase.cancel();
    self->timers_->tallies.cancel();
    self->timers_->roster.cancel();
    self->audience_->close_everyone(reason);
  });
}

// ---------------------------------------------------------------------------------------------
// What follows a change

void workshop_host::publish(const core::event_list& events) {
  if (events.empty() || actor_->stopping()) return;
  const auto next = audience_->publish(actor_->workshop(), events);
  if (next.phase) schedule_phase_timer();
  if (next.tallies) schedule_tallies();
  if (next.roster) schedule_roster();
}

void workshop_host::on_tick() {
  if (actor_->stopping()) return;
  auto events = actor_->workshop().tick();
  if (events.empty()) return;
  actor_->commit(events, [this, events](core::status s) {
    if (s) publish(events);
  });
}

void workshop_host::on_rebuilt() {
  audience_->show_as_stored(actor_->workshop());
  schedule_phase_timer();
}

void workshop_host::schedule_phase_timer() {
  timers_->phase.cancel();
  const auto& w = actor_->workshop();
  const auto view = w.phase();
  if (!view || view->finished || view->paused || !w.round_running()) return;
  const auto wait = std::max<core::millis>(view->deadline - actor_->time().now(), 0) + 5;
  // A phase boundary changes no stored state; it is queued so that it is seen in order.
  timers_->phase.set(std::chrono::milliseconds(wait), [self = shared_from_this()] {
    self->audience_->send_phase(self->actor_->workshop());
    self->audience_->refresh_assignments(self->actor_->workshop());
    self->schedule_phase_timer();
  });
}

void workshop_host::schedule_roster() {
  if (timers_->roster_pending) return;
  timers_->roster_pending = true;
  const auto since = std::chrono::steady_clock::now() - timers_->roster_sent;
  const auto wait = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(roster_interval - since),
                             std::chrono::milliseconds(0));
  timers_->roster.set(wait, [self = shared_from_this()] {
    self->timers_->roster_pending = false;
    self->timers_->roster_sent = std::chrono::steady_clock::now();
    self->audience_->flush_roster(self->actor_->workshop());
  });
}

void workshop_host::schedule_tallies() {
  if (timers_->tallies_pending) return;
  timers_->tallies_pending = true;
  // Queued like any request, so the tallies read only state whose events are committed; one
  // message for a burst of releases.
  timers_->tallies.set(tally_interval, [self = shared_from_this()] {
    self->timers_->tallies_pending = false;
    self->audience_->send_tallies(self->actor_->workshop());
  });
}

}  // namespace dyad::net
