#pragma once

// One live workshop on the network, as the rest of the server sees it. The host wires four
// rooms together and adds nothing of its own but the timers' rules:
//   - workshop_actor   (workshop_actor.hpp): the strand, the job queue and its limit, the gate
//                      to the store, the rebuild after a failed commit;
//   - request_router   (request_router.hpp): who may do what, and every request's one answer;
//   - workshop_views   (workshop_views.hpp): what each page is shown, as the wire carries it;
//   - audience         (audience.hpp): the connections, and the fan-out of what changed.
// Every mutation runs on the workshop's strand (one owner), and every change is durable in the
// store before its requester is answered.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/workshop.hpp"
#include "dyad/v1/wire.pb.h"
#include "net/peer.hpp"
#include "net/public_url.hpp"

namespace boost::asio {
class io_context;
}

namespace dyad::net {

class audience;
class metrics;
class request_router;
class store_worker;
class workshop_actor;

/// Hosts one workshop. Public functions are thread-safe: they post onto the workshop's strand.
/// Requests are processed one at a time, in arrival order, without waiting for the disk; the
/// events of those that arrive while a commit is being written are stored together in the next,
/// and no one is answered before their change is stored (see workshop_actor).
class workshop_host : public std::enable_shared_from_this<workshop_host> {
public:
  /// While the store writes one commit, the changes of this many requests are gathered for the
  /// next, and this many more wait; each connection is rate limited, but many of them together
  /// behind a slow disk could grow the queue without bound. Beyond that, requests are refused at
  /// once (the client retries) rather than held in memory. Enough for a few thousand people
  /// sending their feedback in the same second.
  static constexpr std::size_t max_queued_requests = 2500;

  /// `links` outlives the host; it is filled in before the network runs. `queue_limit`: see
  /// max_queued_requests (tests give a small one).
  workshop_host(boost::asio::io_context& ioc, store_worker& store, metrics& counters, const core::clock& time,
                core::workshop workshop, core::millis created_at_ms, const public_links& links,
                std::size_t queue_limit = max_queued_requests);
  ~workshop_host();
  workshop_host(const workshop_host&) = delete;
  workshop_host& operator=(const workshop_host&) = delete;

  /// Immutable facts, readable from any thread.
  const std::string& code() const noexcept { return code_; }
  const std::string& series() const noexcept { return series_; }
  const std::string& title() const noexcept { return title_; }
  core::millis created_at_ms() const noexcept { return created_at_ms_; }
  /// Whether the workshop has closed (it stays hosted until a restart, for its dashboards).
  bool closed() const noexcept;

  /// Starts the phase timer (after a restart a round may be running).
  void start();
  /// A WebSocket connection to this workshop opened; it is anonymous until it joins.
  void attach(std::shared_ptr<peer> connection);
  /// The connection closed; a participant becomes disconnected.
  void detach(std::uint64_t peer_id);
  /// One request from a connection; answered with exactly one message of the same request_id.
  /// Beyond the queue limit of waiting jobs it is answered ERROR_CODE_UNAVAILABLE unqueued.
  void handle(std::uint64_t peer_id, dyad::v1::ClientMessage request);

  /// Regroups partners of people gone longer than the grace period. Called every second.
  void tick();
  /// Tells every client goodbye and closes them; the host stops changing anything.
  void shutdown(std::string reason);
  /// Runs `fn` on the strand, in order with requests, with the workshop as durably stored.
  void inspect(std::function<void(const core::workshop&)> fn);
  /// Issues a new facilitator token for a lost or leaked link: stored first, then the old one is
  /// refused and dashboards attached with it are told and closed. `done` gets the new token (or
  /// why not) on the workshop's strand.
  void replace_facilitator_token(std::function<void(core::result<std::string>)> done);

private:
  struct timers;

  /// After a stored change: everyone concerned hears of it, and the timers follow.
  void publish(const core::event_list& events);
  void on_tick();
  /// After a rebuild from the log: pages are shown the workshop as stored.
  void on_rebuilt();
  /// Sets the phase timer for the running round's next boundary (none when paused or over).
  void schedule_phase_timer();
  /// The count and tallies, shortly after a release.
  void schedule_tallies();
  /// The roster's changes to the dashboards, soon and at most a few times a second.
  void schedule_roster();

  const std::string code_;
  const std::string series_;
  const std::string title_;
  const core::millis created_at_ms_;

  std::shared_ptr<workshop_actor> actor_;
  std::unique_ptr<audience> audience_;
  std::unique_ptr<request_router> router_;
  std::unique_ptr<timers> timers_;
};

}  // namespace dyad::net
