#pragma once

// One live workshop on the network: the core workshop, its connections, and the timers that
// push phase changes and tallies. Every mutation runs on the workshop's strand (one owner), and
// every change is durable in the store before anyone hears of it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/workshop.hpp"
#include "dyad/v1/wire.pb.h"
#include "net/peer.hpp"
#include "net/public_url.hpp"

namespace dyad::net {

class metrics;
class store_worker;

/// Hosts one workshop. Public functions are thread-safe: they post onto the workshop's strand.
/// Requests are processed one at a time, in arrival order; a request whose events must be
/// stored holds the next ones back until the store has answered, so no one ever sees a state
/// the log does not hold.
class workshop_host : public std::enable_shared_from_this<workshop_host> {
public:
  /// `links` outlives the host; it is filled in before the network runs.
  workshop_host(boost::asio::io_context& ioc, store_worker& store, metrics& counters, const core::clock& time,
                core::workshop workshop, core::millis created_at_ms, const public_links& links);

  /// Immutable facts, readable from any thread.
  const std::string& code() const noexcept { return code_; }
  const std::string& series() const noexcept { return series_; }
  const std::string& title() const noexcept { return title_; }
  core::millis created_at_ms() const noexcept { return created_at_ms_; }
  /// Whether the workshop has closed (it stays hosted until a restart, for its dashboards).
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  /// Starts the phase timer (after a restart a round may be running).
  void start();
  /// A WebSocket connection to this workshop opened; it is anonymous until it joins.
  void attach(std::shared_ptr<peer> connection);
  /// The connection closed; a participant becomes disconnected.
  void detach(std::uint64_t peer_id);
  /// One request from a connection; answered with exactly one message of the same request_id.
  /// Beyond max_queued_requests waiting jobs it is answered ERROR_CODE_UNAVAILABLE unqueued.
  void handle(std::uint64_t peer_id, dyad::v1::ClientMessage request);

  /// Jobs may wait while the store commits; each connection is rate limited, but many of them
  /// together behind a slow disk could grow the queue without bound. Beyond this many, requests
  /// are refused at once (the client retries) rather than held in memory.
  static constexpr std::size_t max_queued_requests = 1000;

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
  enum class role { anonymous, participant, facilitator };
  struct connection_state {
    std::weak_ptr<peer> link;
    role as = role::anonymous;
    std::string participant_id;
  };
  using job = std::function<void()>;
  using reply_fn = std::function<void(dyad::v1::ServerMessage)>;

  void enqueue(job j);
  void pump();
  /// Makes `events` durable, then runs `then` (on the strand) with the outcome. While the store
  /// works, later jobs wait. On failure the workshop is rebuilt from the log before they run.
  void commit(core::event_list events, std::function<void(core::status)> then);
  void rebuild();

  void on_request(std::uint64_t peer_id, const dyad::v1::ClientMessage& request);
  void on_detach(std::uint64_t peer_id);
  void on_tick();

  void do_join(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::Join& join);
  /// Makes the connection this participant's and answers with their snapshot and token.
  void bind_participant(std::uint64_t peer_id, std::uint64_t rid, const std::string& pid, const std::string& token);
  void do_resume(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::Resume& resume);
  void do_attach(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::AttachFacilitator& attach);
  void do_participant_request(std::uint64_t peer_id, const connection_state& c, std::uint64_t rid,
                              const dyad::v1::ClientMessage& m);
  void do_facilitator_request(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::ClientMessage& m);
  /// Stores a command's events, then answers Ack (or the error) and publishes them.
  void commit_and_ack(std::uint64_t peer_id, std::uint64_t rid, core::result<core::event_list> outcome,
                      std::function<void()> after = {});
  /// Tells everyone concerned what the stored events changed.
  void publish(const core::event_list& events);

  dyad::v1::ParticipantSnapshot participant_snapshot(const std::string& participant_id) const;
  dyad::v1::FacilitatorSnapshot facilitator_snapshot() const;
  /// The message showing now, as the wire carries it (empty text: none).
  dyad::v1::BroadcastMessage broadcast_now() const;
  /// A participant's assignment as the wire carries it, names for ids.
  dyad::v1::Assignment assignment_wire(const core::assignment& a) const;
  dyad::v1::FeedbackState feedback_state_for(const std::string& participant_id) const;
  dyad::v1::GroupStatuses group_statuses() const;

  void send(std::uint64_t peer_id, dyad::v1::ServerMessage message);
  void reply_error(std::uint64_t peer_id, std::uint64_t rid, const core::error& e);
  void reply_error(std::uint64_t peer_id, std::uint64_t rid, dyad::v1::ErrorCode code, std::string text);
  void reply_ack(std::uint64_t peer_id, std::uint64_t rid);
  /// Serialises once and delivers to every connection of the given kinds.
  void send_to_all(dyad::v1::ServerMessage message, bool participants, bool facilitators);
  void send_roster();
  void send_group_statuses();
  void send_phase();
  void send_feedback_states();
  /// Sends an Assignment to each connected participant whose assignment differs from the last
  /// one they were sent (an empty Assignment means "not in a group now").
  void refresh_assignments();
  void schedule_phase_timer();
  void retry_rebuild();
  void schedule_tallies();
  void send_tallies();

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  store_worker& store_;
  metrics& metrics_;
  const core::clock& time_;
  const public_links& links_;
  core::workshop workshop_;
  const std::string code_;
  const std::string series_;
  const std::string title_;
  const core::millis created_at_ms_;
  std::atomic<bool> closed_{false};

  std::map<std::uint64_t, connection_state> connections_;
  // The connection each participant uses now (the latest Join or Resume).
  std::unordered_map<std::string, std::uint64_t> connection_of_;
  // What each participant's page was last sent, serialised, so unchanged assignments are not resent.
  std::unordered_map<std::string, std::string> last_assignment_;

  /// sent_ms of the message pages were last told of (0: none showing).
  std::int64_t broadcast_shown_ms_ = 0;

  std::deque<job> jobs_;
  bool busy_ = false;
  bool stopping_ = false;

  boost::asio::steady_timer phase_timer_;
  boost::asio::steady_timer tally_timer_;
  // Retries a rebuild from the log that failed; until one succeeds no request is served.
  boost::asio::steady_timer rebuild_timer_;
  std::chrono::milliseconds rebuild_backoff_{250};
  bool tallies_pending_ = false;
  // The roster last sent to facilitators, so an unchanged one is not sent again.
  std::string last_roster_;
};

}  // namespace dyad::net
