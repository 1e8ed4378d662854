#include "net/request_router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "net/audience.hpp"
#include "net/metrics.hpp"
#include "net/secrets.hpp"
#include "net/wire_mapping.hpp"
#include "net/workshop_actor.hpp"
#include "net/workshop_views.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;

namespace {

/// A resume token a client chose: long enough to be unguessable if it is random, and plain.
bool acceptable_client_token(const std::string& token) {
  if (token.size() < 22 || token.size() > 128) return false;
  return std::all_of(token.begin(), token.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
  });
}

/// The requests only a participant may make; everything else past the greeting is the facilitator's.
bool participants_request(v1::ClientMessage::KindCase kind) {
  using K = v1::ClientMessage::KindCase;
  switch (kind) {
    case K::kDone:
    case K::kHelp:
    case K::kWithdrawHelp:
    case K::kSubmitFeedback:
    case K::kSetAway:
    case K::kLeave: return true;
    default: return false;
  }
}

/// The exercise a preview or launch names, and the facilitator's groups for it in the core's form.
struct round_request {
  const v1::Exercise* exercise;
  std::vector<core::pairing_group> groups;
};

core::result<round_request> read_round_request(const core::workshop& w, const std::string& exercise_id,
                                               const google::protobuf::RepeatedPtrField<v1::Group>& groups) {
  const auto exercise = w.exercise_named(exercise_id);
  if (!exercise) return exercise.err();
  auto converted = core::from_proto(groups, **exercise);
  if (!converted) return converted.err();
  return round_request{*exercise, std::move(*converted)};
}

}  // namespace

request_router::request_router(workshop_actor& actor, audience& people, metrics& counters, const public_links& links,
                               publisher publish, scheduler later)
    : actor_(actor),
      audience_(people),
      metrics_(counters),
      links_(links),
      publish_(std::move(publish)),
      later_(std::move(later)) {}

// ---------------------------------------------------------------------------------------------
// Who may do what

void request_router::on_request(std::uint64_t peer_id, const v1::ClientMessage& m) {
  if (actor_.stopping()) return;
  const auto* c = audience_.find(peer_id);
  if (c == nullptr) return;  // closed meanwhile
  const auto as = c->as;
  const auto rid = m.request_id();
  using K = v1::ClientMessage::KindCase;
  switch (m.kind_case()) {
    case K::kJoin:
      if (as != connection_role::anonymous)
        return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "This connection has already joined; reload the page to join afresh.");
      return greet_join(peer_id, rid, m.join());
    case K::kResume:
      if (as != connection_role::anonymous)
        return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "This connection has already joined; reload the page to resume.");
      return greet_resume(peer_id, rid, m.resume());
    case K::kAttach:
      if (as != connection_role::anonymous)
        return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "This connection is already attached; reload the page to attach afresh.");
      return greet_attach(peer_id, rid, m.attach());
    default: break;
  }
  if (as == connection_role::anonymous)
    return reply_error(peer_id, rid, v1::ERROR_CODE_UNAUTHORIZED,
                       "Join, resume or attach as the facilitator first; this connection is not yet part of the workshop.");
  if (m.kind_case() == K::kPing) {
    v1::ServerMessage pong;
    pong.set_request_id(rid);
    pong.mutable_pong()->set_client_ms(m.ping().client_ms());
    return audience_.send(peer_id, std::move(pong));
  }
  if (participants_request(m.kind_case())) {
    if (as != connection_role::participant)
      return reply_error(peer_id, rid, v1::ERROR_CODE_FORBIDDEN, "Only participants can do this; the facilitator's dashboard cannot.");
    return participant_request(peer_id, c->participant_id, rid, m);
  }
  if (as != connection_role::facilitator)
    return reply_error(peer_id, rid, v1::ERROR_CODE_FORBIDDEN,
                       "Only the facilitator can do this; ask your facilitator if something should change.");
  return facilitator_request(peer_id, rid, m);
}

void request_router::refuse_busy(std::uint64_t peer_id, std::uint64_t request_id) {
  reply_error(peer_id, request_id, v1::ERROR_CODE_UNAVAILABLE, "The workshop is busy; retry in a moment.");
}

// ---------------------------------------------------------------------------------------------
// Greetings

void request_router::greet_join(std::uint64_t peer_id, std::uint64_t rid, const v1::Join& join) {
  auto& w = actor_.workshop();
  std::string token = join.resume_token();
  if (token.empty()) {
    token = random_hex(16);
  } else if (!acceptable_client_token(token)) {
    return reply_error(peer_id, rid, v1::ERROR_CODE_INVALID_ARGUMENT,
                       "The resume token must be 22 to 128 letters, digits, '-' or '_'; leave it empty and the server chooses one.");
  } else if (w.participant_by_resume_hash(sha256(token))) {
    // The same Join again, its first answer lost in a drop: the person is already here.
    v1::Resume resume;
    resume.set_resume_token(token);
    return greet_resume(peer_id, rid, resume);
  }
  auto joined = w.join(join.display_name(), join.email(), sha256(token));
  if (!joined) return reply_error(peer_id, rid, joined.err());
  auto pid = joined->participant_id;
  auto events = std::move(joined->events);
  actor_.commit(events, [this, peer_id, rid, pid, token, events](core::status s) {
    if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                               "The server could not save your join; nothing was changed. Try again in a moment.");
    spdlog::info("workshop {}: {} joined", actor_.workshop().code(), pid);
    welcome_participant(peer_id, rid, pid, token);
    publish_(events);
  });
}

void request_router::greet_resume(std::uint64_t peer_id, std::uint64_t rid, const v1::Resume& resume) {
  auto& w = actor_.workshop();
  auto pid = w.participant_by_resume_hash(sha256(resume.resume_token()));
  if (!pid) return reply_error(peer_id, rid, v1::ERROR_CODE_NOT_FOUND,
                               "This resume token is not known in this workshop; join again with your name.");
  const auto* p = w.people().find(*pid);
  if (p != nullptr && p->presence == v1::PRESENCE_LEFT)
    return reply_error(peer_id, rid, v1::ERROR_CODE_WRONG_STATE, "You left this workshop; join again with your name to come back.");
  // Someone away stays away when their page reconnects; anyone else is present again, stored
  // together with the others coming back at the same time.
  resume_started(*pid);
  if (p != nullptr && p->presence != v1::PRESENCE_AWAY && p->presence != v1::PRESENCE_PRESENT) {
    back_.push_back({peer_id, rid, *pid, resume.resume_token()});
    if (!std::exchange(back_queued_, true)) later_([this] { store_back(); });
    return;
  }
  actor_.commit({}, [this, peer_id, rid, pid = *pid, token = resume.resume_token()](core::status s) {
    resume_answered(pid);
    if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                               "The server could not save your return; try again in a moment.");
    audience_.close_other_connection(pid, peer_id, "You opened this workshop in another window; this one is closed.");
    welcome_participant(peer_id, rid, pid, token);
  });
}

void request_router::store_back() {
  back_queued_ = false;
  if (actor_.stopping()) return;
  auto waiting = std::move(back_);
  back_.clear();
  std::vector<std::string> ids;
  ids.reserve(waiting.size());
  for (const auto& r : waiting) ids.push_back(r.participant_id);
  auto changed = actor_.workshop().set_presence_of(ids, v1::PRESENCE_PRESENT);
  if (!changed) {
    for (const auto& r : waiting) {
      resume_answered(r.participant_id);
      reply_error(r.peer_id, r.rid, changed.err());
    }
    return;
  }
  auto events = std::move(*changed);
  actor_.commit(events, [this, waiting = std::move(waiting), events](core::status s) {
    for (const auto& r : waiting) {
      resume_answered(r.participant_id);
      if (!s) {
        reply_error(r.peer_id, r.rid, v1::ERROR_CODE_UNAVAILABLE, "The server could not save your return; try again in a moment.");
        continue;
      }
      audience_.close_other_connection(r.participant_id, r.peer_id,
                                       "You opened this workshop in another window; this one is closed.");
      welcome_participant(r.peer_id, r.rid, r.participant_id, r.token);
    }
    if (s) publish_(events);
  });
}

void request_router::welcome_participant(std::uint64_t peer_id, std::uint64_t rid, const std::string& participant_id,
                                         const std::string& token) {
  // It closed while the change was stored: the participant is here no more.
  if (!audience_.bind_participant(peer_id, participant_id)) return note_gone(participant_id);
  v1::ServerMessage answer;
  answer.set_request_id(rid);
  *answer.mutable_participant_snapshot() = participant_snapshot(actor_.workshop(), participant_id);
  answer.mutable_participant_snapshot()->set_resume_token(token);
  audience_.assignment_shown(participant_id, answer.participant_snapshot().assignment());
  audience_.send(peer_id, std::move(answer));
}

void request_router::greet_attach(std::uint64_t peer_id, std::uint64_t rid, const v1::AttachFacilitator& attach) {
  const auto& w = actor_.workshop();
  const auto& expected = w.facilitator_token_sha256();
  const auto* c = audience_.find(peer_id);
  const auto link = c != nullptr ? c->link.lock() : nullptr;
  const bool by_session = attach.facilitator_token().empty() && link && link->signed_in_facilitator();
  if (!by_session && (expected.empty() || !constant_time_equal(sha256(attach.facilitator_token()), expected))) {
    spdlog::warn("workshop {}: facilitator attach refused (wrong token)", w.code());
    return reply_error(peer_id, rid, v1::ERROR_CODE_UNAUTHORIZED,
                       attach.facilitator_token().empty()
                           ? "Sign in as this run's facilitator (or someone given access to it), or open the facilitator link you were given."
                           : "That facilitator token is not right for this workshop; open the facilitator link you were given.");
  }
  // Shown once what was asked before is stored, like every answer.
  actor_.commit({}, [this, peer_id, rid](core::status s) {
    if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE, "The server could not attach you just now; try again in a moment.");
    if (audience_.find(peer_id) == nullptr) return;
    audience_.bind_facilitator(peer_id);
    v1::ServerMessage answer;
    answer.set_request_id(rid);
    *answer.mutable_facilitator_snapshot() = facilitator_snapshot(actor_.workshop(), links_);
    audience_.send(peer_id, std::move(answer));
  });
}

// ---------------------------------------------------------------------------------------------
// Participants' requests

void request_router::participant_request(std::uint64_t peer_id, const std::string& participant_id, std::uint64_t rid,
                                         const v1::ClientMessage& m) {
  auto& w = actor_.workshop();
  const auto pid = participant_id;
  using K = v1::ClientMessage::KindCase;
  switch (m.kind_case()) {
    // Still possible once the last phase has run out (that is when a pair is done), until the
    // facilitator ends the round; one pressed in a round that has ended changes nothing.
    case K::kDone: return commit_and_ack(peer_id, rid, w.mark_done(pid, m.done().round()));
    case K::kHelp: return commit_and_ack(peer_id, rid, w.ask_for_help(pid, m.help().round(), m.help().note()));
    case K::kWithdrawHelp: return commit_and_ack(peer_id, rid, w.withdraw_help(pid, m.withdraw_help().round()));
    case K::kSubmitFeedback: {
      // A key from the system's random source: it names the response and says nothing else.
      const std::uint64_t key = (random_u64() >> 1) | 1;
      auto r = w.submit_feedback(pid, m.submit_feedback().submission_id(), m.submit_feedback().response(), key);
      if (!r) return reply_error(peer_id, rid, r.err());
      if (r->events.empty()) {
        // A retry: acknowledged once the first send is stored, which may be in the commit under way.
        return actor_.commit({}, [this, peer_id, rid](core::status s) {
          if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                                     "Your feedback could not be saved just now and was not counted; please send it again.");
          reply_ack(peer_id, rid);
        });
      }
      auto events = std::move(r->events);
      actor_.commit(events, [this, peer_id, rid, events](core::status s) {
        if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                                   "Your feedback could not be saved just now and was not counted; please send it again.");
        metrics_.feedback_submissions_total.fetch_add(1, std::memory_order_relaxed);
        // The Ack is all the page needs to say thank you; its snapshot on a resume says so too.
        reply_ack(peer_id, rid);
        publish_(events);
      });
      return;
    }
    case K::kSetAway:
      return commit_and_ack(peer_id, rid, w.set_presence(pid, m.set_away().away() ? v1::PRESENCE_AWAY : v1::PRESENCE_PRESENT));
    case K::kLeave:
      return commit_and_ack(peer_id, rid, w.set_presence(pid, v1::PRESENCE_LEFT),
                            [this, pid] { audience_.forget_participant(pid); });
    default: return;
  }
}

// ---------------------------------------------------------------------------------------------
// The facilitator's requests

void request_router::facilitator_request(std::uint64_t peer_id, std::uint64_t rid, const v1::ClientMessage& m) {
  auto& w = actor_.workshop();
  using K = v1::ClientMessage::KindCase;
  switch (m.kind_case()) {
    case K::kPreviewRound: return preview_round(peer_id, rid, m.preview_round());
    case K::kLaunchRound: return launch_round(peer_id, rid, m.launch_round());
    case K::kControlClock: {
      const auto& cc = m.control_clock();
      switch (cc.action()) {
        case v1::CLOCK_ACTION_EXTEND: return commit_and_ack(peer_id, rid, w.extend_phase(cc.by_ms()));
        case v1::CLOCK_ACTION_PAUSE: return commit_and_ack(peer_id, rid, w.pause_phase());
        case v1::CLOCK_ACTION_RESUME: return commit_and_ack(peer_id, rid, w.resume_phase());
        case v1::CLOCK_ACTION_NEXT_PHASE: return commit_and_ack(peer_id, rid, w.next_phase());
        default:
          return reply_error(peer_id, rid, v1::ERROR_CODE_INVALID_ARGUMENT,
                             "Say what to do with the clock: extend, pause, resume or next phase.");
      }
    }
    case K::kEndRound: return commit_and_ack(peer_id, rid, w.end_round());
    case K::kHelpHandled:
      return commit_and_ack(peer_id, rid, w.help_handled(m.help_handled().room(), m.help_handled().round()));
    case K::kBroadcast: return commit_and_ack(peer_id, rid, w.broadcast(m.broadcast().text()));
    case K::kMarkAway:
      return commit_and_ack(peer_id, rid,
                            w.set_presence(m.mark_away().participant_id(),
                                           m.mark_away().away() ? v1::PRESENCE_AWAY : v1::PRESENCE_PRESENT));
    case K::kOpenFeedback: return commit_and_ack(peer_id, rid, w.open_feedback());
    case K::kCloseWorkshop:
      return commit_and_ack(peer_id, rid, w.close(), [this] {
        spdlog::info("workshop {}: closed", actor_.workshop().code());
        metrics_.workshops_open.fetch_sub(1, std::memory_order_relaxed);
      });
    default:
      return reply_error(peer_id, rid, v1::ERROR_CODE_UNKNOWN_MESSAGE, "This server does not know that request; update the page.");
  }
}

void request_router::preview_round(std::uint64_t peer_id, std::uint64_t rid, const v1::PreviewRound& preview) {
  const auto& w = actor_.workshop();
  auto request = read_round_request(w, preview.exercise_id(), preview.locked_groups());
  if (!request) return reply_error(peer_id, rid, request.err());
  auto groups = w.preview_round(request->exercise->id(), request->groups);
  if (!groups) return reply_error(peer_id, rid, groups.err());
  v1::ServerMessage answer;
  answer.set_request_id(rid);
  *answer.mutable_round_preview() = round_preview(*request->exercise, *groups);
  audience_.send(peer_id, std::move(answer));
}

void request_router::launch_round(std::uint64_t peer_id, std::uint64_t rid, const v1::LaunchRound& launch) {
  auto& w = actor_.workshop();
  auto request = read_round_request(w, launch.exercise_id(), launch.groups());
  if (!request) return reply_error(peer_id, rid, request.err());
  commit_and_ack(peer_id, rid, w.launch_round(request->exercise->id(), std::move(request->groups)), [this] {
    metrics_.rounds_launched_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("workshop {}: round {} launched", actor_.workshop().code(), actor_.workshop().round_number());
  });
}

// ---------------------------------------------------------------------------------------------
// Connections gone, and the admin's new link

void request_router::on_detach(std::uint64_t peer_id) {
  if (actor_.stopping()) return;
  if (const auto pid = audience_.remove(peer_id)) note_gone(*pid);
}

void request_router::resume_answered(const std::string& participant_id) {
  const auto it = resuming_.find(participant_id);
  if (it != resuming_.end() && --it->second == 0) resuming_.erase(it);
}

void request_router::note_gone(const std::string& participant_id) {
  gone_.insert(participant_id);
  if (!std::exchange(gone_queued_, true)) later_([this] { store_gone(); });
}

void request_router::store_gone() {
  gone_queued_ = false;
  if (actor_.stopping()) return;
  auto& w = actor_.workshop();
  std::vector<std::string> ids;
  for (const auto& pid : gone_) {
    if (audience_.connected(pid) || resuming_.contains(pid)) continue;  // back, or coming back, on another connection
    const auto* p = w.people().find(pid);
    if (p != nullptr && p->presence == v1::PRESENCE_PRESENT) ids.push_back(pid);  // away or left stays so
  }
  gone_.clear();
  auto changed = w.set_presence_of(ids, v1::PRESENCE_DISCONNECTED);
  if (!changed || changed->empty()) return;
  auto events = std::move(*changed);
  actor_.commit(events, [this, events](core::status s) {
    if (s) publish_(events);
  });
}

void request_router::replace_facilitator_token(std::function<void(core::result<std::string>)> done) {
  if (actor_.stopping())
    return done(core::result<std::string>(
        core::make_error(core::errc::unavailable, "The server is stopping; try again once it is back.")));
  auto token = random_hex(16);
  auto outcome = actor_.workshop().replace_facilitator_token(sha256(token));
  if (!outcome) return done(core::result<std::string>(outcome.err()));
  auto events = std::move(*outcome);
  actor_.commit(events, [this, token, done](core::status s) {
    if (!s) return done(core::result<std::string>(s.err()));
    spdlog::info("workshop {}: a new facilitator link was issued; the old one no longer works", actor_.workshop().code());
    audience_.close_all(connection_role::facilitator,
                        "A new facilitator link was issued for this workshop, so this one no longer works. Open the new link.");
    done(core::result<std::string>(token));
  });
}

// ---------------------------------------------------------------------------------------------
// Answers

void request_router::commit_and_ack(std::uint64_t peer_id, std::uint64_t rid, core::result<core::event_list> outcome,
                                    std::function<void()> after) {
  if (!outcome) return reply_error(peer_id, rid, outcome.err());
  auto events = std::move(*outcome);
  actor_.commit(events, [this, peer_id, rid, events, after = std::move(after)](core::status s) {
    if (!s) return reply_error(peer_id, rid, v1::ERROR_CODE_UNAVAILABLE,
                               "The server could not save that change, so nothing changed; try again in a moment.");
    reply_ack(peer_id, rid);
    if (after) after();
    publish_(events);
  });
}

void request_router::reply_ack(std::uint64_t peer_id, std::uint64_t rid) {
  v1::ServerMessage m;
  m.set_request_id(rid);
  m.mutable_ack();
  audience_.send(peer_id, std::move(m));
}

void request_router::reply_error(std::uint64_t peer_id, std::uint64_t rid, const core::error& e) {
  reply_error(peer_id, rid, to_error_code(e.code), e.message);
}

void request_router::reply_error(std::uint64_t peer_id, std::uint64_t rid, v1::ErrorCode code, std::string text) {
  metrics_.errors_total.fetch_add(1, std::memory_order_relaxed);
  // Only the code: the core's sentence can quote what a participant answered (an option, the
  // question left out), and a log line must never put a response next to a connection.
  spdlog::info("workshop {}: connection {} request {} refused: {}", actor_.workshop().code(), peer_id, rid,
               v1::ErrorCode_Name(code));
  audience_.send(peer_id, error_message(rid, code, std::move(text)));
}

}  // namespace dyad::net
