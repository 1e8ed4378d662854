#include "net/audience.hpp"

#include <algorithm>

#include "net/wire_mapping.hpp"
#include "net/workshop_views.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;

namespace {

bool has_kind(const core::event_list& events, v1::WorkshopEvent::KindCase kind) {
  return std::any_of(events.begin(), events.end(), [&](const v1::WorkshopEvent& e) { return e.kind_case() == kind; });
}

}  // namespace

audience::audience(const core::clock& time, const core::workshop& w)
    : time_(time), broadcast_shown_(broadcast_now(w).SerializeAsString()) {
  remember_rooms(w);
}

void audience::remember_rooms(const core::workshop& w) {
  rooms_.clear();
  const auto exercise = w.exercise_named(w.round_exercise_id());
  if (!exercise) return;
  for (const auto& g : w.groups()) rooms_[g.room] = core::to_proto(g, **exercise).SerializeAsString();
}

// ---------------------------------------------------------------------------------------------
// Connections coming and going

void audience::add(std::shared_ptr<peer> link) {
  const auto id = link->id();
  connections_[id] = connection{std::move(link), connection_role::anonymous, {}};
}

const connection* audience::find(std::uint64_t peer_id) const {
  const auto it = connections_.find(peer_id);
  return it == connections_.end() ? nullptr : &it->second;
}

std::optional<std::string> audience::remove(std::uint64_t peer_id) {
  const auto it = connections_.find(peer_id);
  if (it == connections_.end()) return std::nullopt;
  const auto c = std::move(it->second);
  connections_.erase(it);
  if (c.as == connection_role::facilitator) --facilitators_;
  if (c.as != connection_role::participant) return std::nullopt;
  const auto current = connection_of_.find(c.participant_id);
  if (current == connection_of_.end() || current->second != peer_id) return std::nullopt;  // resumed elsewhere
  connection_of_.erase(current);
  return c.participant_id;
}

bool audience::bind_participant(std::uint64_t peer_id, const std::string& participant_id) {
  const auto it = connections_.find(peer_id);
  if (it == connections_.end()) return false;
  it->second.as = connection_role::participant;
  it->second.participant_id = participant_id;
  connection_of_[participant_id] = peer_id;
  return true;
}

void audience::bind_facilitator(std::uint64_t peer_id) {
  const auto it = connections_.find(peer_id);
  if (it == connections_.end() || it->second.as == connection_role::facilitator) return;
  it->second.as = connection_role::facilitator;
  ++facilitators_;
}

void audience::close_other_connection(const std::string& participant_id, std::uint64_t keep, const std::string& reason) {
  if (!connections_.contains(keep)) return;
  const auto old = connection_of_.find(participant_id);
  if (old == connection_of_.end() || old->second == keep) return;
  const auto o = connections_.find(old->second);
  if (o == connections_.end()) return;
  if (auto link = o->second.link.lock()) link->close_after(goodbye(reason));
  connections_.erase(o);
}

void audience::forget_participant(const std::string& participant_id) {
  connection_of_.erase(participant_id);
  last_assignment_.erase(participant_id);
}

void audience::close_all(connection_role as, const std::string& reason) {
  const auto frame = goodbye(reason);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->second.as == as) {
      if (auto p = it->second.link.lock()) p->close_after(frame);
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
  if (as == connection_role::participant) connection_of_.clear();
  if (as == connection_role::facilitator) facilitators_ = 0;
}

void audience::close_everyone(const std::string& reason) {
  const auto frame = goodbye(reason);
  for (auto& [id, c] : connections_)
    if (auto p = c.link.lock()) p->close_after(frame);
  connections_.clear();
  connection_of_.clear();
  facilitators_ = 0;
}

std::shared_ptr<const std::string> audience::goodbye(const std::string& reason) const {
  v1::ServerMessage bye;
  bye.set_server_ms(time_.now());
  bye.mutable_goodbye()->set_reason(reason);
  return std::make_shared<const std::string>(bye.SerializeAsString());
}

// ---------------------------------------------------------------------------------------------
// Delivery

void audience::send(std::uint64_t peer_id, v1::ServerMessage message) {
  const auto it = connections_.find(peer_id);
  if (it == connections_.end()) return;
  auto link = it->second.link.lock();
  if (!link) return;
  message.set_server_ms(time_.now());
  link->deliver(std::make_shared<const std::string>(message.SerializeAsString()));
}

void audience::send_to_all(v1::ServerMessage message, bool participants, bool facilitators) {
  message.set_server_ms(time_.now());
  auto frame = std::make_shared<const std::string>(message.SerializeAsString());
  for (const auto& [id, c] : connections_) {
    const bool wanted = (c.as == connection_role::participant && participants) ||
                        (c.as == connection_role::facilitator && facilitators);
    if (!wanted) continue;
    // A participant's older connection, superseded by a resume, hears nothing more.
    if (c.as == connection_role::participant) {
      auto cur = connection_of_.find(c.participant_id);
      if (cur == connection_of_.end() || cur->second != id) continue;
    }
    if (auto p = c.link.lock()) p->deliver(frame);
  }
}

// ---------------------------------------------------------------------------------------------
// Publishing what changed

audience::follow_up audience::publish(const core::workshop& w, const core::event_list& events) {
  follow_up next;
  if (events.empty()) return next;
  using K = v1::WorkshopEvent::KindCase;
  // A new message, or the end of one (its round ended, the next began, feedback opened): every
  // page shows what the workshop shows now; an empty text takes the banner down. Only these
  // kinds start or end one, so joins and presence changes skip the check.
  if (has_kind(events, K::kBroadcastSent) || has_kind(events, K::kRoundLaunched) || has_kind(events, K::kRoundEnded) ||
      has_kind(events, K::kLifecycle)) {
    // The whole message, not its time: two sent in the same millisecond are two messages.
    if (auto now = broadcast_now(w); now.SerializeAsString() != broadcast_shown_) {
      broadcast_shown_ = now.SerializeAsString();
      v1::ServerMessage m;
      *m.mutable_broadcast() = std::move(now);
      send_to_all(std::move(m), true, true);
    }
  }

  // The roster: who changed, gathered until the host flushes. Presence counts only while the
  // dashboard shows it, so that a page closing after feedback opened changes nothing it sees.
  // Without a dashboard attached nothing is gathered: attaching brings the whole roster.
  if (facilitators_ > 0) {
    for (const auto& e : events) {
      if (e.has_joined()) roster_changed_.insert(e.joined().participant_id());
      if (e.has_presence() && w.presence_shown()) {
        if (!e.presence().participant_id().empty()) roster_changed_.insert(e.presence().participant_id());
        roster_changed_.insert(e.presence().participant_ids().begin(), e.presence().participant_ids().end());
      }
      if (e.has_lifecycle() || e.has_personal_data_erased()) roster_all_changed_ = true;
    }
    if (has_kind(events, K::kRoundLaunched) || has_kind(events, K::kGroupsChanged) ||
        has_kind(events, K::kRoundEnded) || has_kind(events, K::kRoomStatus)) {
      // The groups may name someone who has just joined: the dashboard hears of them first.
      flush_roster(w);
      send_group_statuses(w);
    }
    next.roster = roster_all_changed_ || !roster_changed_.empty();
  }

  // Assignments: rebuilt for those a change touches. A launch, a clock change (phase, roles and
  // deadline), a round's end or a new stage touch everyone in the round; a regroup, the rooms it
  // changed; a room's status, that room. Joins and presence changes touch no one's assignment but
  // through the regroup that comes with them.
  if (has_kind(events, K::kRoundLaunched) || has_kind(events, K::kClock) || has_kind(events, K::kRoundEnded) ||
      has_kind(events, K::kLifecycle) || has_kind(events, K::kPersonalDataErased)) {
    remember_rooms(w);
    refresh_assignments(w);
  } else {
    std::set<std::string> touched;
    for (const auto& e : events) {
      if (e.has_groups_changed()) touched.merge(regrouped(e.groups_changed().groups()));
      if (e.has_room_status())
        for (const auto& g : w.groups())
          if (g.room == e.room_status().room())
            for (const auto& m : g.members) touched.insert(m.participant);
    }
    if (!touched.empty()) refresh_assignments(w, touched);
  }

  if (has_kind(events, K::kRoundLaunched) || has_kind(events, K::kClock) || has_kind(events, K::kRoundEnded)) {
    send_phase(w);
    next.phase = true;
  }
  if (has_kind(events, K::kLifecycle)) {
    v1::ServerMessage stage;
    for (const auto& e : events)
      if (e.has_lifecycle()) *stage.mutable_lifecycle() = e.lifecycle();
    send_to_all(std::move(stage), true, true);
    send_feedback_states(w);
    if (w.lifecycle() == v1::LIFECYCLE_CLOSED)
      close_all(connection_role::participant, "The workshop has closed. Thank you for taking part.");
  }
  // The submitter hears of their own submission with the Ack. Facilitators hear only of a
  // release, with the count and tallies together: a submission alone changes nothing they see.
  next.tallies = facilitators_ > 0 && has_kind(events, K::kFeedbackReleased);
  if (has_kind(events, K::kLifecycle) && w.lifecycle() == v1::LIFECYCLE_CLOSED) send_tallies(w);
  return next;
}

std::set<std::string> audience::regrouped(const google::protobuf::RepeatedPtrField<v1::Group>& groups) {
  std::set<std::string> touched;
  std::unordered_map<std::string, std::string> after;
  after.reserve(static_cast<std::size_t>(groups.size()));
  for (const auto& g : groups) {
    auto bytes = g.SerializeAsString();
    const auto before = rooms_.find(g.room());
    if (before == rooms_.end() || before->second != bytes) {
      for (const auto& m : g.members()) touched.insert(m.participant_id());
      if (before != rooms_.end()) {
        v1::Group old;
        if (old.ParseFromString(before->second))
          for (const auto& m : old.members()) touched.insert(m.participant_id());
      }
    }
    after.emplace(g.room(), std::move(bytes));
  }
  for (const auto& [room, bytes] : rooms_) {
    if (after.contains(room)) continue;
    v1::Group old;  // a room that is gone: its people are elsewhere now, or nowhere
    if (old.ParseFromString(bytes))
      for (const auto& m : old.members()) touched.insert(m.participant_id());
  }
  rooms_ = std::move(after);
  return touched;
}

void audience::show_as_stored(const core::workshop& w) {
  remember_rooms(w);
  refresh_assignments(w);
  send_phase(w);
  last_roster_.clear();
  send_roster(w);
}

void audience::refresh_assignment(const core::workshop& w, const std::string& participant_id, std::uint64_t peer_id) {
  v1::Assignment wire = assignment_for(w, participant_id).value_or(v1::Assignment{});
  auto bytes = wire.SerializeAsString();
  auto& last = last_assignment_[participant_id];
  if (bytes == last) return;
  last = std::move(bytes);
  v1::ServerMessage m;
  *m.mutable_assignment() = std::move(wire);
  send(peer_id, std::move(m));
}

void audience::refresh_assignments(const core::workshop& w) {
  for (const auto& [pid, peer_id] : connection_of_) refresh_assignment(w, pid, peer_id);
}

void audience::refresh_assignments(const core::workshop& w, const std::set<std::string>& participant_ids) {
  for (const auto& pid : participant_ids)
    if (const auto it = connection_of_.find(pid); it != connection_of_.end()) refresh_assignment(w, pid, it->second);
}

void audience::assignment_shown(const std::string& participant_id, const v1::Assignment& shown) {
  last_assignment_[participant_id] = shown.SerializeAsString();
}

void audience::send_roster(const core::workshop& w) {
  roster_changed_.clear();
  roster_all_changed_ = false;
  if (facilitators_ == 0) return;
  v1::ServerMessage m;
  *m.mutable_roster() = roster_of(w);
  // Unchanged (a presence change while presence is not shown): not even the message's arrival may
  // say that something happened.
  auto bytes = m.roster().SerializeAsString();
  if (bytes == last_roster_) return;
  last_roster_ = std::move(bytes);
  send_to_all(std::move(m), false, true);
}

void audience::flush_roster(const core::workshop& w) {
  if (roster_all_changed_) return send_roster(w);
  if (roster_changed_.empty() || facilitators_ == 0) {
    roster_changed_.clear();
    return;
  }
  const auto& people = w.people();
  std::vector<const core::roster::participant*> changed;
  changed.reserve(roster_changed_.size());
  for (const auto& id : roster_changed_)
    if (const auto* p = people.find(id)) changed.push_back(p);
  roster_changed_.clear();
  // Join order: the roster's own order, in which the dashboard lists them.
  std::sort(changed.begin(), changed.end());
  v1::ServerMessage m;
  auto* changes = m.mutable_roster_changes();
  for (const auto* p : changed) *changes->add_entries() = roster_entry(w, *p);
  changes->set_total(static_cast<std::uint32_t>(people.size()));
  last_roster_.clear();  // the whole roster, once asked for again, is news
  send_to_all(std::move(m), false, true);
}

void audience::send_group_statuses(const core::workshop& w) {
  if (facilitators_ == 0) return;
  v1::ServerMessage m;
  *m.mutable_group_statuses() = group_statuses(w);
  send_to_all(std::move(m), false, true);
}

void audience::send_phase(const core::workshop& w) {
  v1::ServerMessage m;
  *m.mutable_phase() = phase_of(w);
  send_to_all(std::move(m), true, true);
}

void audience::send_feedback_states(const core::workshop& w) {
  // Two forms only, each serialised once: sent, or not yet.
  std::shared_ptr<const std::string> frames[2];
  for (const bool submitted : {false, true}) {
    v1::ServerMessage m;
    m.set_server_ms(time_.now());
    *m.mutable_feedback() = feedback_state_for(w, {});
    m.mutable_feedback()->set_submitted(submitted);
    frames[submitted ? 1 : 0] = std::make_shared<const std::string>(m.SerializeAsString());
  }
  for (const auto& [pid, peer_id] : connection_of_) {
    const auto c = connections_.find(peer_id);
    if (c == connections_.end()) continue;
    if (auto link = c->second.link.lock()) link->deliver(frames[w.feedback().has_submitted(pid) ? 1 : 0]);
  }
  v1::ServerMessage m;
  *m.mutable_feedback() = feedback_state_for_facilitator(w);
  send_to_all(std::move(m), false, true);
}

void audience::send_tallies(const core::workshop& w) {
  if (facilitators_ == 0) return;
  v1::ServerMessage count;
  *count.mutable_feedback() = feedback_state_for_facilitator(w);
  send_to_all(std::move(count), false, true);
  v1::ServerMessage m;
  *m.mutable_tallies() = w.tallies();
  send_to_all(std::move(m), false, true);
}

}  // namespace dyad::net
