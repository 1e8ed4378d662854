// GCC 12 reports a "potential null pointer dereference" inside Asio's any_executor comparison
// once it is inlined here; the pointer cannot be null there (a false positive in system headers
// that the usual system-header suppression misses after inlining).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "net/workshop_host.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/plan_validator.hpp"
#include "net/metrics.hpp"
#include "net/secrets.hpp"
#include "net/store_worker.hpp"
#include "net/wire_mapping.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;
namespace asio = boost::asio;

namespace {

/// A resume token a client chose: long enough to be unguessable if it is random, and plain.
bool acceptable_client_token(const std::string& token) {
  if (token.size() < 22 || token.size() > 128) return false;
  return std::all_of(token.begin(), token.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

constexpr auto tally_interval = std::chrono::milliseconds(250);

bool has_kind(const core::event_list& events, v1::WorkshopEvent::KindCase kind) {
  return std::any_of(events.begin(), events.end(), [&](const v1::WorkshopEvent& e) { return e.kind_case() == kind; });
}

}  // namespace

workshop_host::workshop_host(asio::io_context& ioc, store_worker& store, metrics& counters, const core::clock& time,
                             core::workshop workshop, core::millis created_at_ms, const public_links& links)
    : strand_(asio::make_strand(ioc)),
      store_(store),
      metrics_(counters),
      time_(time),
      links_(links),
      workshop_(std::move(workshop)),
      code_(workshop_.code()),
      series_(workshop_.plan().series()),
      title_(workshop_.plan().title()),
      created_at_ms_(created_at_ms),
      phase_timer_(strand_),
      tally_timer_(strand_),
      rebuild_timer_(strand_) {
  broadcast_shown_ms_ = broadcast_now().sent_ms();
}

// ---------------------------------------------------------------------------------------------
// Entry points: each posts onto the strand.

void workshop_host::start() {
  asio::post(strand_, [self = shared_from_this()] { self->schedule_phase_timer(); });
}

void workshop_host::attach(std::shared_ptr<peer> connection) {
  asio::post(strand_, [self = shared_from_this(), connection = std::move(connection)] {
    if (self->stopping_) return;
    self->connections_[connection->id()] = connection_state{connection, role::anonymous, {}};
  });
}

void workshop_host::detach(std::uint64_t peer_id) {
  asio::post(strand_, [self = shared_from_this(), peer_id] { self->enqueue([self, peer_id] { self->on_detach(peer_id); }); });
}

void workshop_host::handle(std::uint64_t peer_id, v1::ClientMessage request) {
  asio::post(strand_, [self = shared_from_this(), peer_id, request = std::move(request)]() mutable {
    if (self->jobs_.size() >= max_queued_requests)
      return self->reply_error(peer_id, request.request_id(), v1::ERROR_CODE_UNAVAILABLE,
                               "The workshop is busy; retry in a moment.");
    self->enqueue([self, peer_id, request = std::move(request)] { self->on_request(peer_id, request); });
  });
}

void workshop_host::tick() {
  asio::post(strand_, [self = shared_from_this()] { self->enqueue([self] { self->on_tick(); }); });
}

void workshop_host::inspect(std::function<void(const core::workshop&)> fn) {
  asio::post(strand_, [self = shared_from_this(), fn = std::move(fn)]() mutable {
    self->enqueue([self, fn = std::move(fn)] { fn(self->workshop_); });
  });
}

void workshop_host::replace_facilitator_token(std::function<void(core::result<std::string>)> done) {
  asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
    self->enqueue([self, done = std::move(done)] {
      if (self->stopping_)
        return done(core::result<std::string>(
            core::make_error(core::errc::unavailable, "The server is stopping; try again once it is back.")));
      auto token = random_hex(16);
      auto outcome = self->workshop_.replace_facilitator_token(sha256(token));
      if (!outcome) return done(core::result<std::string>(outcome.err()));
      auto events = std::move(*outcome);
      self->commit(events, [self, token, done](core::status s) {
        if (!s) return done(core::result<std::string>(s.err()));
        spdlog::info("workshop {}: a new facilitator link was issued; the old one no longer works", self->code_);
        v1::ServerMessage bye;
        bye.set_server_ms(self->time_.now());
        bye.mutable_goodbye()->set_reason(
            "A new facilitator link was issued for this workshop, so this one no longer works. Open the new link.");
        auto frame = std::make_shared<const std::string>(bye.SerializeAsString());
        for (auto it = self->connections_.begin(); it != self->connections_.end();) {
          if (it->second.as == role::facilitator) {
            if (auto p = it->second.link.lock()) p->close_after(frame);
            it = self->connections_.erase(it);
          } else {
            ++it;
          }
        }
        done(core::result<std::string>(token));
      });
    });
  });
}

void workshop_host::shutdown(std::string reason) {
  asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)] {
    self->stopping_ = true;
    self->phase_timer_.cancel();
    self->tally_timer_.cancel();
    v1::ServerMessage bye;
    bye.set_server_ms(self->time_.now());
    bye.mutable_goodbye()->set_reason(reason);
    auto frame = std::make_shared<const std::string>(bye.SerializeAsString());
    for (auto& [id, c] : self->connections_)
      if (auto p = c.link.lock()) p->close_after(frame);
    self->connections_.clear();
    self->connection_of_.clear();
  });
}

// ---------------------------------------------------------------------------------------------
// The queue: one job at a time; a job waiting on the store holds the rest back.

void workshop_host::enqueue(job j) {
  jobs_.push_back(std::move(j));
  pump();
}

void workshop_host::pump() {
  while (!busy_ && !jobs_.empty()) {
    auto j = std::move(jobs_.front());
    jobs_.pop_front();
    j();
  }
}

void workshop_host::commit(core::event_list events, std::function<void(core::status)> then) {
  if (events.empty()) {
    then(core::ok());
    return;
  }
  busy_ = true;
  store_.append(code_, std::move(events), [self = shared_from_this(), then = std::move(then)](core::status s) mutable {
    asio::post(self->strand_, [self, s = std::move(s), then = std::move(then)] {
      if (!s) {
        spdlog::error("workshop {}: store commit failed: {}", self->code_, s.err().message);
        then(s);
        self->rebuild();  // stays busy until memory matches the log again
        return;
      }
      // Known before anyone is answered: whoever heard "closed" and asks over HTTP hears it too.
      if (self->workshop_.lifecycle() == v1::LIFECYCLE_CLOSED) self->closed_.store(true, std::memory_order_release);
      then(s);
      self->busy_ = false;
      self->pump();
    });
  });
}

void workshop_host::rebuild() {
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
    asio::post(self->strand_, [self, rebuilt = std::move(rebuilt), problem]() mutable {
      if (rebuilt) {
        self->workshop_ = std::move(*rebuilt);
        spdlog::warn("workshop {}: rebuilt from the log after a failed commit", self->code_);
        self->refresh_assignments();
        self->send_phase();
        self->send_roster();
        self->schedule_phase_timer();
      } else {
        // Memory may hold a change the log lacks, so nothing may be answered from it: requests
        // wait (busy_ stays set) while the rebuild is retried with growing pauses.
        spdlog::error("workshop {}: cannot rebuild from the log: {}; retrying", self->code_, problem);
        return self->retry_rebuild();
      }
      self->rebuild_backoff_ = std::chrono::milliseconds(250);
      self->busy_ = false;
      self->pump();
    });
  });
}

void workshop_host::retry_rebuild() {
  if (stopping_) return;
  rebuild_timer_.expires_after(rebuild_backoff_);
  rebuild_backoff_ = std::min(rebuild_backoff_ * 2, std::chrono::milliseconds(30'000));
  rebuild_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->stopping_) self->rebuild();
  });
}

// ---------------------------------------------------------------------------------------------
// Requests

void workshop_host::on_request(std::uint64_t peer_id, const v1::ClientMessage& m) {
  if (stopping_) return;
  auto it = connections_.find(peer_id);
  if (it == connections_.end()) return;  // closed meanwhile
  auto& c = it->second;
  const auto rid = m.request_id();
  using K = v1::ClientMessage::KindCase;
  switch (m.kind_case()) {
    case K::kJoin:
      if (c.as != role::anonymous)
        return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "This connection has already joined; reload the page to join afresh.");
      return do_join(peer_id, rid, m.join());
    case K::kResume:
      if (c.as != role::anonymous)
        return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "This connection has already joined; reload the page to resume.");
      return do_resume(peer_id, rid, m.resume());
    case K::kAttach:
      if (c.as != role::anonymous)
        return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "This connection is already attached; reload the page to attach afresh.");
      return do_attach(peer_id, rid, m.attach());
    default: break;
  }
  if (c.as == role::anonymous)
    return reply_error(peer_id, rid, v1::ERROR_CODE_UNAUTHORIZED,
                       "Join, resume or attach as the facilitator first; this connection is not yet part of the workshop.");
  if (m.kind_case() == K::kPing) {
    v1::ServerMessage pong;
    pong.set_request_id(rid);
    pong.mutable_pong()->set_client_ms(m.ping().client_ms());
    return send(peer_id, std::move(pong));
  }
  switch (m.kind_case()) {
    case K::kDone:
    case K::kHelp:
    case K::kWithdrawHelp:
    case K::kSubmitFeedback:
    case K::kSetAway:
    case K::kLeave:
      if (c.as != role::participant)
        return reply_error(peer_id, rid, v1::ERROR_CODE_FORBIDDEN, "Only participants can do this; the facilitator's dashboard cannot.");
      return do_participant_request(peer_id, c, rid, m);
    default:
      if (c.as != role::facilitator)
        return reply_error(peer_id, rid, v1::ERROR_CODE_FORBIDDEN,
                           "Only the facilitator can do this; ask your facilitator if something should change.");
      return do_facilitator_request(peer_id, rid, m);
  }
}

void workshop_host::do_join(std::uint64_t peer_id, std::uint64_t rid, const v1::Join& join) {
  std::string token = join.resume_token();
  if (token.empty()) {
    token = random_hex(16);
  } else if (!acceptable_client_token(token)) {
    return reply_error(peer_id, rid, v1::ERROR_CODE_INVALID_ARGUMENT,
                       "The resume token must be 22 to 128 letters, digits, '-' or '_'; leave it empty and the server chooses one.");
  } else if (workshop_.participant_by_resume_hash(sha256(token))) {
    // The same Join again, its first answer lost in a drop: the person is already here.
    v1::Resume resume;
    resume.set_resume_token(token);
    return do_resume(peer_id, rid, resume);
  }
  auto joined = workshop_.join(join.display_name(), join.email(), sha256(token));
  if (!joined) return reply_error(peer_id, rid, joined.err());
  auto pid = joined->participant_id;
  auto events = std::move(joined->events);
  commit(events, [this, peer_id, rid, pid, token, events](core::status s) {
    if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                               "The server could not save your join; nothing was changed. Try again in a moment.");
    spdlog::info("workshop {}: {} joined", code_, pid);
    bind_participant(peer_id, rid, pid, token);
    publish(events);
  });
}

void workshop_host::bind_participant(std::uint64_t peer_id, std::uint64_t rid, const std::string& pid,
                                     const std::string& token) {
  auto it = connections_.find(peer_id);
  if (it == connections_.end()) return;  // the connection closed while the change was stored
  it->second.as = role::participant;
  it->second.participant_id = pid;
  connection_of_[pid] = peer_id;
  v1::ServerMessage answer;
  answer.set_request_id(rid);
  *answer.mutable_participant_snapshot() = participant_snapshot(pid);
  answer.mutable_participant_snapshot()->set_resume_token(token);
  last_assignment_[pid] = answer.participant_snapshot().assignment().SerializeAsString();
  send(peer_id, std::move(answer));
}

void workshop_host::do_resume(std::uint64_t peer_id, std::uint64_t rid, const v1::Resume& resume) {
  auto pid = workshop_.participant_by_resume_hash(sha256(resume.resume_token()));
  if (!pid) return reply_error(peer_id, rid, v1::ERROR_CODE_NOT_FOUND,
                               "This resume token is not known in this workshop; join again with your name.");
  const auto* p = workshop_.people().find(*pid);
  if (p != nullptr && p->presence == v1::PRESENCE_LEFT)
    return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "You left this workshop; join again with your name to come back.");
  // Someone away stays away when their page reconnects; anyone else is present again.
  const bool away = p != nullptr && p->presence == v1::PRESENCE_AWAY;
  auto changed = away ? core::result<core::event_list>(core::event_list{})
                      : workshop_.set_presence(*pid, v1::PRESENCE_PRESENT);
  if (!changed) return reply_error(peer_id, rid, changed.err());
  auto events = std::move(*changed);
  commit(events, [this, peer_id, rid, pid = *pid, token = resume.resume_token(), events](core::status s) {
    if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                               "The server could not save your return; try again in a moment.");
    if (connections_.contains(peer_id)) {
      // The participant's older connection (another tab, a half-dead socket) is told and closed.
      if (auto old = connection_of_.find(pid); old != connection_of_.end() && old->second != peer_id) {
        if (auto o = connections_.find(old->second); o != connections_.end()) {
          v1::ServerMessage bye;
          bye.set_server_ms(time_.now());
          bye.mutable_goodbye()->set_reason("You opened this workshop in another window; this one is closed.");
          if (auto link = o->second.link.lock()) link->close_after(std::make_shared<const std::string>(bye.SerializeAsString()));
          connections_.erase(o);
        }
      }
    }
    bind_participant(peer_id, rid, pid, token);
    publish(events);
  });
}

void workshop_host::do_attach(std::uint64_t peer_id, std::uint64_t rid, const v1::AttachFacilitator& attach) {
  const auto& expected = workshop_.facilitator_token_sha256();
  if (expected.empty() || !constant_time_equal(sha256(attach.facilitator_token()), expected)) {
    spdlog::warn("workshop {}: facilitator attach refused (wrong token)", code_);
    return reply_error(peer_id, rid, v1::ERROR_CODE_UNAUTHORIZED,
                       "That facilitator token is not right for this workshop; open the facilitator link you were given.");
  }
  connections_[peer_id].as = role::facilitator;
  v1::ServerMessage answer;
  answer.set_request_id(rid);
  *answer.mutable_facilitator_snapshot() = facilitator_snapshot();
  send(peer_id, std::move(answer));
}

void workshop_host::do_participant_request(std::uint64_t peer_id, const connection_state& c, std::uint64_t rid,
                                           const v1::ClientMessage& m) {
  const auto pid = c.participant_id;
  using K = v1::ClientMessage::KindCase;
  switch (m.kind_case()) {
    // Still possible once the last phase has run out (that is when a pair is done), until the
    // facilitator ends the round; one pressed in a round that has ended changes nothing.
    case K::kDone: return commit_and_ack(peer_id, rid, workshop_.mark_done(pid, m.done().round()));
    case K::kHelp: return commit_and_ack(peer_id, rid, workshop_.ask_for_help(pid, m.help().round(), m.help().note()));
    case K::kWithdrawHelp:
      return commit_and_ack(peer_id, rid, workshop_.withdraw_help(pid, m.withdraw_help().round()));
    case K::kSubmitFeedback: {
      // A key from the system's random source: it names the response and says nothing else.
      const std::uint64_t key = (random_u64() >> 1) | 1;
      auto r = workshop_.submit_feedback(pid, m.submit_feedback().submission_id(), m.submit_feedback().response(), key);
      if (!r) return reply_error(peer_id, rid, r.err());
      if (r->events.empty()) return reply_ack(peer_id, rid);  // a retry, stored the first time
      auto events = std::move(r->events);
      commit(events, [this, peer_id, rid, pid, events](core::status s) {
        if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                                   "Your feedback could not be saved just now and was not counted; please send it again.");
        metrics_.feedback_submissions_total.fetch_add(1, std::memory_order_relaxed);
        reply_ack(peer_id, rid);
        v1::ServerMessage state;
        *state.mutable_feedback() = feedback_state_for(pid);
        send(peer_id, std::move(state));
        publish(events);
      });
      return;
    }
    case K::kSetAway:
      return commit_and_ack(peer_id, rid,
                            workshop_.set_presence(pid, m.set_away().away() ? v1::PRESENCE_AWAY : v1::PRESENCE_PRESENT));
    case K::kLeave:
      return commit_and_ack(peer_id, rid, workshop_.set_presence(pid, v1::PRESENCE_LEFT), [this, pid] {
        connection_of_.erase(pid);
        last_assignment_.erase(pid);
      });
    default: return;
  }
}

void workshop_host::do_facilitator_request(std::uint64_t peer_id, std::uint64_t rid, const v1::ClientMessage& m) {
  using K = v1::ClientMessage::KindCase;
  switch (m.kind_case()) {
    case K::kPreviewRound: {
      const auto* exercise = core::find_exercise(workshop_.plan(), m.preview_round().exercise_id());
      if (exercise == nullptr)
        return reply_error(peer_id, rid, v1::ERROR_CODE_NOT_FOUND,
                           "The plan has no exercise '" + m.preview_round().exercise_id() + "'; choose one of the plan's exercises.");
      std::vector<core::pairing_group> locked;
      for (const auto& g : m.preview_round().locked_groups()) {
        auto converted = core::from_proto(g, *exercise);
        if (!converted) return reply_error(peer_id, rid, converted.err());
        locked.push_back(std::move(*converted));
      }
      auto preview = workshop_.preview_round(exercise->id(), locked);
      if (!preview) return reply_error(peer_id, rid, preview.err());
      v1::ServerMessage answer;
      answer.set_request_id(rid);
      auto* out = answer.mutable_round_preview();
      out->set_exercise_id(exercise->id());
      for (const auto& g : preview->groups) *out->add_groups() = core::to_proto(g, *exercise);
      out->set_repeated_pairs(preview->repeated_pairs);
      out->set_keep_apart_relaxed(preview->keep_apart_relaxed);
      return send(peer_id, std::move(answer));
    }
    case K::kLaunchRound: {
      const auto* exercise = core::find_exercise(workshop_.plan(), m.launch_round().exercise_id());
      if (exercise == nullptr)
        return reply_error(peer_id, rid, v1::ERROR_CODE_NOT_FOUND,
                           "The plan has no exercise '" + m.launch_round().exercise_id() + "'; choose one of the plan's exercises.");
      std::vector<core::pairing_group> groups;
      for (const auto& g : m.launch_round().groups()) {
        auto converted = core::from_proto(g, *exercise);
        if (!converted) return reply_error(peer_id, rid, converted.err());
        groups.push_back(std::move(*converted));
      }
      return commit_and_ack(peer_id, rid, workshop_.launch_round(exercise->id(), std::move(groups)), [this] {
        metrics_.rounds_launched_total.fetch_add(1, std::memory_order_relaxed);
        spdlog::info("workshop {}: round {} launched", code_, workshop_.round_number());
      });
    }
    case K::kControlClock: {
      const auto& cc = m.control_clock();
      switch (cc.action()) {
        case v1::CLOCK_ACTION_EXTEND: return commit_and_ack(peer_id, rid, workshop_.extend_phase(cc.by_ms()));
        case v1::CLOCK_ACTION_PAUSE: return commit_and_ack(peer_id, rid, workshop_.pause_phase());
        case v1::CLOCK_ACTION_RESUME: return commit_and_ack(peer_id, rid, workshop_.resume_phase());
        case v1::CLOCK_ACTION_NEXT_PHASE: return commit_and_ack(peer_id, rid, workshop_.next_phase());
        default:
          return reply_error(peer_id, rid, v1::ERROR_CODE_INVALID_ARGUMENT,
                             "Say what to do with the clock: extend, pause, resume or next phase.");
      }
    }
    case K::kEndRound: return commit_and_ack(peer_id, rid, workshop_.end_round());
    case K::kHelpHandled:
      return commit_and_ack(peer_id, rid, workshop_.help_handled(m.help_handled().room(), m.help_handled().round()));
    case K::kBroadcast: return commit_and_ack(peer_id, rid, workshop_.broadcast(m.broadcast().text()));
    case K::kMarkAway:
      return commit_and_ack(peer_id, rid,
                            workshop_.set_presence(m.mark_away().participant_id(),
                                                   m.mark_away().away() ? v1::PRESENCE_AWAY : v1::PRESENCE_PRESENT));
    case K::kOpenFeedback: return commit_and_ack(peer_id, rid, workshop_.open_feedback());
    case K::kCloseWorkshop:
      return commit_and_ack(peer_id, rid, workshop_.close(), [this] {
        spdlog::info("workshop {}: closed", code_);
        metrics_.workshops_open.fetch_sub(1, std::memory_order_relaxed);
      });
    default:
      return reply_error(peer_id, rid, v1::ERROR_CODE_UNKNOWN_MESSAGE, "This server does not know that request; update the page.");
  }
}

void workshop_host::commit_and_ack(std::uint64_t peer_id, std::uint64_t rid, core::result<core::event_list> outcome,
                                   std::function<void()> after) {
  if (!outcome) return reply_error(peer_id, rid, outcome.err());
  auto events = std::move(*outcome);
  commit(events, [this, peer_id, rid, events, after = std::move(after)](core::status s) {
    if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                               "The server could not save that change, so nothing changed; try again in a moment.");
    reply_ack(peer_id, rid);
    if (after) after();
    publish(events);
  });
}

void workshop_host::on_detach(std::uint64_t peer_id) {
  auto it = connections_.find(peer_id);
  if (it == connections_.end() || stopping_) return;
  const auto c = it->second;
  connections_.erase(it);
  if (c.as != role::participant) return;
  auto current = connection_of_.find(c.participant_id);
  if (current == connection_of_.end() || current->second != peer_id) return;  // resumed elsewhere
  connection_of_.erase(current);
  const auto* p = workshop_.people().find(c.participant_id);
  if (p == nullptr || p->presence != v1::PRESENCE_PRESENT) return;  // away or left stays so
  auto changed = workshop_.set_presence(c.participant_id, v1::PRESENCE_DISCONNECTED);
  if (!changed) return;
  auto events = std::move(*changed);
  commit(events, [this, events](core::status s) {
    if (s) publish(events);
  });
}

void workshop_host::on_tick() {
  if (stopping_) return;
  auto events = workshop_.tick();
  if (events.empty()) return;
  commit(events, [this, events](core::status s) {
    if (s) publish(events);
  });
}

// ---------------------------------------------------------------------------------------------
// Publishing what changed

v1::Assignment workshop_host::assignment_wire(const core::assignment& a) const {
  auto wire = to_wire(a);
  if (a.help_open) {
    const auto name = workshop_.people().shown_name(a.help_from);
    wire.set_help_from(name ? *name : a.help_from);
  }
  return wire;
}

v1::BroadcastMessage workshop_host::broadcast_now() const {
  v1::BroadcastMessage b;
  if (const auto& sent = workshop_.current_broadcast()) {
    b.set_text(sent->text());
    b.set_sent_ms(sent->at_ms());
  }
  return b;
}

void workshop_host::publish(const core::event_list& events) {
  if (events.empty() || stopping_) return;
  using K = v1::WorkshopEvent::KindCase;
  // A new message, or the end of one (its round ended, the next began, feedback opened): every
  // page shows what the workshop shows now; an empty text takes the banner down. Only these
  // kinds start or end one, so joins and presence changes skip the check.
  if (has_kind(events, K::kBroadcastSent) || has_kind(events, K::kRoundLaunched) || has_kind(events, K::kRoundEnded) ||
      has_kind(events, K::kLifecycle)) {
    if (auto now = broadcast_now(); now.sent_ms() != broadcast_shown_ms_) {
      broadcast_shown_ms_ = now.sent_ms();
      v1::ServerMessage m;
      *m.mutable_broadcast() = std::move(now);
      send_to_all(std::move(m), true, true);
    }
  }
  if (has_kind(events, K::kJoined) || has_kind(events, K::kPresence) || has_kind(events, K::kLifecycle)) send_roster();
  if (has_kind(events, K::kRoundLaunched) || has_kind(events, K::kGroupsChanged) || has_kind(events, K::kRoundEnded) ||
      has_kind(events, K::kRoomStatus))
    send_group_statuses();
  refresh_assignments();
  if (has_kind(events, K::kRoundLaunched) || has_kind(events, K::kClock) || has_kind(events, K::kRoundEnded)) {
    send_phase();
    schedule_phase_timer();
  }
  if (has_kind(events, K::kLifecycle)) {
    v1::ServerMessage stage;
    for (const auto& e : events)
      if (e.has_lifecycle()) *stage.mutable_lifecycle() = e.lifecycle();
    send_to_all(std::move(stage), true, true);
    send_feedback_states();
    if (workshop_.lifecycle() == v1::LIFECYCLE_CLOSED) {
      v1::ServerMessage bye;
      bye.set_server_ms(time_.now());
      bye.mutable_goodbye()->set_reason("The workshop has closed. Thank you for taking part.");
      auto frame = std::make_shared<const std::string>(bye.SerializeAsString());
      for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->second.as == role::participant) {
          if (auto p = it->second.link.lock()) p->close_after(frame);
          it = connections_.erase(it);
        } else {
          ++it;
        }
      }
      connection_of_.clear();
    }
  }
  // The submitter hears of their own submission with the Ack. Facilitators hear only of a
  // release, with the count and tallies together: a submission alone changes nothing they see.
  if (has_kind(events, K::kFeedbackReleased)) schedule_tallies();
  if (has_kind(events, K::kLifecycle) && workshop_.lifecycle() == v1::LIFECYCLE_CLOSED) send_tallies();
}

void workshop_host::refresh_assignments() {
  for (const auto& [pid, peer_id] : connection_of_) {
    const auto a = workshop_.assignment_of(pid);
    v1::Assignment wire = a ? assignment_wire(*a) : v1::Assignment{};
    auto bytes = wire.SerializeAsString();
    auto& last = last_assignment_[pid];
    if (bytes == last) continue;
    last = std::move(bytes);
    v1::ServerMessage m;
    *m.mutable_assignment() = std::move(wire);
    send(peer_id, std::move(m));
  }
}

void workshop_host::send_roster() {
  v1::ServerMessage m;
  *m.mutable_roster() = roster_of(workshop_);
  // Unchanged (a presence change while presence is not shown): not even the message's arrival may
  // say that something happened.
  auto bytes = m.roster().SerializeAsString();
  if (bytes == last_roster_) return;
  last_roster_ = std::move(bytes);
  send_to_all(std::move(m), false, true);
}

void workshop_host::send_group_statuses() {
  v1::ServerMessage m;
  *m.mutable_group_statuses() = group_statuses();
  send_to_all(std::move(m), false, true);
}

void workshop_host::send_phase() {
  v1::ServerMessage m;
  *m.mutable_phase() = phase_of(workshop_);
  send_to_all(std::move(m), true, true);
}

void workshop_host::send_feedback_states() {
  for (const auto& [pid, peer_id] : connection_of_) {
    v1::ServerMessage m;
    *m.mutable_feedback() = feedback_state_for(pid);
    send(peer_id, std::move(m));
  }
  v1::ServerMessage m;
  *m.mutable_feedback() = feedback_state_for({});
  send_to_all(std::move(m), false, true);
}

void workshop_host::schedule_phase_timer() {
  phase_timer_.cancel();
  const auto view = workshop_.phase();
  if (!view || view->finished || view->paused || !workshop_.round_running()) return;
  const auto wait = std::max<core::millis>(view->deadline - time_.now(), 0) + 5;
  phase_timer_.expires_after(std::chrono::milliseconds(wait));
  phase_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopping_) return;
    // A phase boundary changes no stored state; it is queued so that it is seen in order.
    self->enqueue([self] {
      self->send_phase();
      self->refresh_assignments();
      self->schedule_phase_timer();
    });
  });
}

void workshop_host::schedule_tallies() {
  if (tallies_pending_) return;
  tallies_pending_ = true;
  tally_timer_.expires_after(tally_interval);
  tally_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopping_) {
      self->tallies_pending_ = false;
      return;
    }
    // Queued like any request, so the tallies read only state whose events are committed.
    self->enqueue([self] {
      self->tallies_pending_ = false;
      self->send_tallies();
    });
  });
}

void workshop_host::send_tallies() {
  v1::ServerMessage count;
  *count.mutable_feedback() = feedback_state_for({});
  send_to_all(std::move(count), false, true);
  v1::ServerMessage m;
  *m.mutable_tallies() = workshop_.tallies();
  send_to_all(std::move(m), false, true);
}

// ---------------------------------------------------------------------------------------------
// Snapshots

v1::FeedbackState workshop_host::feedback_state_for(const std::string& participant_id) const {
  v1::FeedbackState f;
  f.set_open(workshop_.lifecycle() == v1::LIFECYCLE_FEEDBACK);
  if (f.open()) *f.mutable_questionnaire() = workshop_.plan().questionnaire();
  f.set_anonymity_threshold(core::anonymity_threshold(workshop_.plan()));
  if (participant_id.empty()) {
    f.set_responses(static_cast<std::uint32_t>(workshop_.responses_shown()));
    f.set_release_note(workshop_.release_note());
  } else {
    f.set_submitted(workshop_.feedback().has_submitted(participant_id));
  }
  return f;
}

v1::GroupStatuses workshop_host::group_statuses() const {
  v1::GroupStatuses out;
  out.set_round(workshop_.round_number());
  out.set_exercise_id(workshop_.round_exercise_id());
  if (const auto* ex = core::find_exercise(workshop_.plan(), out.exercise_id()))
    for (const auto& g : workshop_.groups()) *out.add_round_groups() = core::to_proto(g, *ex);
  const auto& statuses = workshop_.room_statuses();
  for (const auto& g : workshop_.groups()) {
    auto* s = out.add_groups();
    s->set_room(g.room);
    const auto it = statuses.find(g.room);
    if (it == statuses.end()) continue;
    s->set_done(it->second.done);
    s->set_needs_help(it->second.help_open);
    if (!it->second.help_open) continue;
    s->set_help_note(it->second.help_note);
    const auto name = workshop_.people().shown_name(it->second.help_from);
    s->set_help_from(name ? *name : it->second.help_from);
  }
  return out;
}

v1::ParticipantSnapshot workshop_host::participant_snapshot(const std::string& pid) const {
  v1::ParticipantSnapshot s;
  s.set_participant_id(pid);
  if (const auto* p = workshop_.people().find(pid)) {
    s.set_shown_name(p->shown_name);
    s.set_away(p->presence == v1::PRESENCE_AWAY);
  }
  const auto& plan = workshop_.plan();
  s.set_workshop_title(plan.title());
  s.set_presenter(plan.presenter());
  s.set_time_zone(plan.time_zone());
  for (const auto& b : plan.agenda()) *s.add_agenda() = b;
  s.set_lifecycle(workshop_.lifecycle());
  if (auto a = workshop_.assignment_of(pid)) *s.mutable_assignment() = assignment_wire(*a);
  if (workshop_.round_number() > 0) *s.mutable_phase() = phase_of(workshop_);
  *s.mutable_last_broadcast() = broadcast_now();
  *s.mutable_feedback() = feedback_state_for(pid);
  return s;
}

v1::FacilitatorSnapshot workshop_host::facilitator_snapshot() const {
  v1::FacilitatorSnapshot s;
  s.set_code(code_);
  s.set_join_url(links_.join_url(code_));
  s.set_join_url_local_only(links_.local_only);
  *s.mutable_plan() = workshop_.plan();
  s.set_lifecycle(workshop_.lifecycle());
  *s.mutable_roster() = roster_of(workshop_);
  s.set_round(workshop_.round_number());
  if (workshop_.round_number() > 0) *s.mutable_phase() = phase_of(workshop_);
  *s.mutable_group_statuses() = group_statuses();
  // The round's groups, as the statuses carry them for every later change.
  s.set_exercise_id(s.group_statuses().exercise_id());
  *s.mutable_groups() = s.group_statuses().round_groups();
  *s.mutable_tallies() = workshop_.tallies();
  *s.mutable_feedback() = feedback_state_for({});
  *s.mutable_last_broadcast() = broadcast_now();
  return s;
}

// ---------------------------------------------------------------------------------------------
// Sending

void workshop_host::send(std::uint64_t peer_id, v1::ServerMessage message) {
  auto it = connections_.find(peer_id);
  if (it == connections_.end()) return;
  auto link = it->second.link.lock();
  if (!link) return;
  message.set_server_ms(time_.now());
  link->deliver(std::make_shared<const std::string>(message.SerializeAsString()));
}

void workshop_host::reply_error(std::uint64_t peer_id, std::uint64_t rid, const core::error& e) {
  reply_error(peer_id, rid, to_error_code(e.code), e.message);
}

void workshop_host::reply_error(std::uint64_t peer_id, std::uint64_t rid, v1::ErrorCode code, std::string text) {
  metrics_.errors_total.fetch_add(1, std::memory_order_relaxed);
  // Only the code: the core's sentence can quote what a participant answered (an option, the
  // question left out), and a log line must never put a response next to a connection.
  spdlog::info("workshop {}: connection {} request {} refused: {}", code_, peer_id, rid, v1::ErrorCode_Name(code));
  send(peer_id, error_message(rid, code, std::move(text)));
}

void workshop_host::reply_ack(std::uint64_t peer_id, std::uint64_t rid) {
  v1::ServerMessage m;
  m.set_request_id(rid);
  m.mutable_ack();
  send(peer_id, std::move(m));
}

void workshop_host::send_to_all(v1::ServerMessage message, bool participants, bool facilitators) {
  message.set_server_ms(time_.now());
  auto frame = std::make_shared<const std::string>(message.SerializeAsString());
  for (const auto& [id, c] : connections_) {
    const bool wanted = (c.as == role::participant && participants) || (c.as == role::facilitator && facilitators);
    if (!wanted) continue;
    // A participant's older connection, superseded by a resume, hears nothing more.
    if (c.as == role::participant) {
      auto cur = connection_of_.find(c.participant_id);
      if (cur == connection_of_.end() || cur->second != id) continue;
    }
    if (auto p = c.link.lock()) p->deliver(frame);
  }
}

}  // namespace dyad::net
