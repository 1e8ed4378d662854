#include "core/workshop.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "core/exercise_roles.hpp"
#include "core/plan_validator.hpp"
#include "core/statistics.hpp"
#include "core/tally.hpp"
#include "core/transcript_import.hpp"

namespace dyad::core {

namespace v1 = dyad::v1;

namespace {

role_kind kind_of(v1::RoleKind kind) {
  switch (kind) {
    case v1::ROLE_KIND_CLIENT: return role_kind::client;
    case v1::ROLE_KIND_OBSERVER: return role_kind::observer;
    default: return role_kind::therapist;
  }
}


/// How many swap-roles phases have begun by this one: an odd count swaps therapist and client.
bool roles_swapped(const round_clock& clock, std::size_t phase_index) {
  std::size_t swaps = 0;
  for (std::size_t i = 0; i <= phase_index && i < clock.phases().size(); ++i) swaps += clock.phases()[i].swap_roles;
  return swaps % 2 == 1;
}

}  // namespace

v1::Group to_proto(const pairing_group& group, const v1::Exercise& exercise) {
  v1::Group out;
  out.set_room(group.room);
  out.set_with_facilitator(group.with_facilitator);
  for (const auto& m : group.members) {
    auto* member = out.add_members();
    member->set_participant_id(m.participant);
    member->set_role(role_id(exercise, m.role));
  }
  return out;
}

result<pairing_group> from_proto(const v1::Group& group, const v1::Exercise& exercise) {
  pairing_group out;
  out.room = group.room();
  out.with_facilitator = group.with_facilitator();
  for (const auto& m : group.members()) {
    const auto it = std::find_if(exercise.roles().begin(), exercise.roles().end(),
                                 [&](const v1::Role& r) { return r.id() == m.role(); });
    role_kind kind;
    if (it != exercise.roles().end()) {
      kind = kind_of(it->kind());
    } else if (m.role() == "therapist" || m.role() == "client" || m.role() == "observer") {
      kind = m.role() == "therapist" ? role_kind::therapist
             : m.role() == "client"  ? role_kind::client
                                     : role_kind::observer;
    } else {
      return make_error(errc::invalid_argument, "Exercise '" + exercise.id() + "' has no role '" + m.role() +
                                                    "'; give each member one of the exercise's roles.");
    }
    out.members.push_back({m.participant_id(), kind});
  }
  return out;
}

google::protobuf::RepeatedPtrField<v1::Group> to_proto(const std::vector<pairing_group>& groups,
                                                       const v1::Exercise& exercise) {
  google::protobuf::RepeatedPtrField<v1::Group> out;
  out.Reserve(static_cast<int>(groups.size()));
  for (const auto& g : groups) *out.Add() = to_proto(g, exercise);
  return out;
}

result<std::vector<pairing_group>> from_proto(const google::protobuf::RepeatedPtrField<v1::Group>& groups,
                                              const v1::Exercise& exercise) {
  std::vector<pairing_group> out;
  out.reserve(static_cast<std::size_t>(groups.size()));
  for (const auto& g : groups) {
    auto converted = from_proto(g, exercise);
    if (!converted) return converted.err();
    out.push_back(std::move(*converted));
  }
  return out;
}

workshop::workshop(const clock& time, v1::Plan plan, std::string code, std::uint64_t seed,
                   std::uint64_t private_seed, millis created_at)
    : time_(&time),
      plan_(std::move(plan)),
      code_(std::move(code)),
      seed_(seed),
      private_seed_(private_seed),
      created_at_(created_at),
      feedback_(plan_.questionnaire(), private_seed) {}

result<std::pair<workshop, event_list>> workshop::create(const clock& time, v1::Plan plan, std::string code,
                                                         std::uint64_t seed, std::uint64_t private_seed,
                                                         std::string facilitator_token_sha256) {
  if (code.empty()) return make_error(errc::invalid_argument, "A workshop needs a join code.");
  if (plan.exercises_size() == 0)
    return make_error(errc::invalid_argument, "The plan has no exercises; add at least one (see `dyad plan check`).");
  v1::WorkshopEvent event;
  auto* created = event.mutable_created();
  created->set_code(code);
  *created->mutable_plan() = plan;
  created->set_seed(seed);
  created->set_at_ms(time.now());
  created->set_facilitator_token_sha256(facilitator_token_sha256);
  workshop w(time, std::move(plan), std::move(code), seed, private_seed, time.now());
  w.facilitator_token_sha256_ = std::move(facilitator_token_sha256);
  return std::pair<workshop, event_list>{std::move(w), event_list{std::move(event)}};
}

result<workshop> workshop::replay(const clock& time, std::span<const v1::WorkshopEvent> events,
                                  std::uint64_t private_seed) {
  if (events.empty() || !events.front().has_created())
    return make_error(errc::invalid_argument, "A workshop's event log must start with its creation; this one does not.");
  const auto& c = events.front().created();
  workshop w(time, c.plan(), c.code(), c.seed(), private_seed, c.at_ms());
  w.facilitator_token_sha256_ = c.facilitator_token_sha256();
  for (std::size_t i = 1; i < events.size(); ++i) {
    auto applied = w.apply(events[i]);
    if (!applied)
      return make_error(applied.err().code,
                        "Event " + std::to_string(i + 1) + " of workshop " + c.code() + " cannot be applied: " +
                            applied.err().message);
  }
  return w;
}

status workshop::check_open(const char* doing) const {
  if (lifecycle_ == v1::LIFECYCLE_CLOSED)
    return make_error(errc::wrong_state, std::string("The workshop is closed, so you cannot ") + doing + ".");
  return ok();
}

result<event_list> workshop::commit(event_list events) {
  for (const auto& e : events) {
    auto applied = apply(e);
    // Commands check everything before making events, so a failure here is a bug; say so
    // rather than leave a half-applied command unnoticed.
    if (!applied) return applied.err();
  }
  return events;
}

const v1::Exercise* workshop::exercise_of(const round_state& r) const { return find_exercise(plan_, r.exercise_id); }

void workshop::index_groups(round_state& r) {
  r.group_index.clear();
  for (std::size_t i = 0; i < r.groups.size(); ++i)
    for (const auto& m : r.groups[i].members) r.group_index.emplace(m.participant, i);
}

const pairing_group* workshop::group_of(const std::string& participant_id) const {
  if (rounds_.empty()) return nullptr;
  const auto& r = rounds_.back();
  const auto it = r.group_index.find(participant_id);
  return it == r.group_index.end() ? nullptr : &r.groups[it->second];
}

const std::vector<pairing_group>& workshop::groups() const {
  static const std::vector<pairing_group> none;
  return rounds_.empty() ? none : rounds_.back().groups;
}

bool workshop::round_running() const {
  return !rounds_.empty() && !rounds_.back().ended && !rounds_.back().clock.at(time_->now()).finished;
}

std::optional<round_clock::view> workshop::phase() const {
  if (rounds_.empty()) return std::nullopt;
  return rounds_.back().clock.at(time_->now());
}

// ---------------------------------------------------------------------------------------------
// People

std::optional<std::string> workshop::participant_by_resume_hash(const std::string& sha256) const {
  if (sha256.empty()) return std::nullopt;
  const auto it = participant_by_resume_hash_.find(sha256);
  if (it == participant_by_resume_hash_.end()) return std::nullopt;
  return it->second;
}

result<workshop::joined> workshop::join(std::string display_name, std::string email,
                                        std::string resume_token_sha256) {
  if (!resume_token_sha256.empty() && participant_by_resume_hash_.contains(resume_token_sha256))
    return make_error(errc::invalid_argument, "That resume token is already in use; the page should make a new one.");
  if (auto open = check_open("join"); !open) return open.err();
  // Checked without adding, so that a refused join leaves the roster untouched; the event adds it.
  auto n = roster_.prepare_join(std::move(display_name), std::move(email));
  if (!n) return n.err();
  event_list events(1);
  auto* j = events[0].mutable_joined();
  j->set_participant_id(n->id);
  j->set_display_name(std::move(n->display_name));
  j->set_email(std::move(n->email));
  j->set_at_ms(time_->now());
  j->set_resume_token_sha256(std::move(resume_token_sha256));
  if (auto applied = apply(events[0]); !applied) return applied.err();
  // The join stands on its own; a regroup that could not apply (a bug) must not hide it.
  if (round_running())
    if (auto change = regroup_event({}, {n->id}); change && commit({*change})) events.push_back(std::move(*change));
  return joined{std::move(n->id), std::move(events)};
}

result<event_list> workshop::set_presence(const std::string& participant_id, v1::Presence presence) {
  const auto* p = roster_.find(participant_id);
  if (p == nullptr)
    return make_error(errc::not_found, "No participant '" + participant_id + "' in this workshop; check the id.");
  if (presence == v1::PRESENCE_UNSPECIFIED || !v1::Presence_IsValid(presence))
    return make_error(errc::invalid_argument, "Say whether the participant is present, away, disconnected or has left.");
  if (p->presence == presence) return event_list{};
  v1::WorkshopEvent event;
  auto* change = event.mutable_presence();
  change->set_participant_id(participant_id);
  change->set_presence(presence);
  change->set_at_ms(time_->now());
  event_list events{event};
  auto applied = commit(events);
  if (!applied) return applied.err();
  if (round_running()) {
    std::optional<v1::WorkshopEvent> regroup;
    const bool in_group = group_of(participant_id) != nullptr;
    if ((presence == v1::PRESENCE_AWAY || presence == v1::PRESENCE_LEFT) && in_group) {
      regroup = regroup_event({participant_id}, {});
    } else if (presence == v1::PRESENCE_PRESENT && !in_group) {
      regroup = regroup_event({}, {participant_id});
    }
    if (regroup && commit({*regroup})) events.push_back(*regroup);
  }
  return events;
}

result<event_list> workshop::set_presence_of(std::span<const std::string> participant_ids, v1::Presence presence) {
  if (presence == v1::PRESENCE_UNSPECIFIED || !v1::Presence_IsValid(presence))
    return make_error(errc::invalid_argument, "Say whether the participants are present, away, disconnected or have left.");
  std::vector<std::string> changing;
  std::unordered_set<std::string_view> seen;
  for (const auto& id : participant_ids) {
    const auto* p = roster_.find(id);
    if (p != nullptr && p->presence != presence && seen.insert(id).second) changing.push_back(id);
  }
  if (changing.empty()) return event_list{};
  if (changing.size() == 1) return set_presence(changing.front(), presence);
  event_list events(1);
  auto* change = events[0].mutable_presence();
  change->set_presence(presence);
  change->set_at_ms(time_->now());
  for (const auto& id : changing) change->add_participant_ids(id);
  if (auto applied = apply(events[0]); !applied) return applied.err();
  if (round_running()) {
    std::vector<std::string> gone, back;
    for (const auto& id : changing) {
      const bool in_group = group_of(id) != nullptr;
      if ((presence == v1::PRESENCE_AWAY || presence == v1::PRESENCE_LEFT) && in_group) gone.push_back(id);
      else if (presence == v1::PRESENCE_PRESENT && !in_group) back.push_back(id);
    }
    if (!gone.empty() || !back.empty())
      if (auto regroup = regroup_event(gone, back); regroup && commit({*regroup})) events.push_back(std::move(*regroup));
  }
  return events;
}

event_list workshop::tick() {
  if (!round_running()) return {};
  std::vector<std::string> gone;
  for (const auto& id : roster_.disconnected_longer_than(grace_period_ms(plan_), time_->now()))
    if (group_of(id) != nullptr) gone.push_back(id);
  if (gone.empty()) return {};
  auto change = regroup_event(gone, {});
  if (!change) return {};
  auto applied = commit({*change});
  if (!applied) return {};
  return {*change};
}

std::optional<v1::WorkshopEvent> workshop::regroup_event(const std::vector<std::string>& gone,
                                                        const std::vector<std::string>& newcomers) {
  const round_state& r = rounds_.back();
  const auto* exercise = exercise_of(r);
  if (exercise == nullptr) return std::nullopt;
  auto after = r.groups;
  if (!gone.empty()) remove_and_regroup(after, gone, history_, {});
  for (const auto& newcomer : newcomers) slot_in(after, newcomer, history_, {});
  if (after == r.groups) return std::nullopt;
  v1::WorkshopEvent event;
  auto* change = event.mutable_groups_changed();
  change->set_round(r.number);
  change->set_at_ms(time_->now());
  *change->mutable_groups() = to_proto(after, *exercise);
  return event;
}

// ---------------------------------------------------------------------------------------------
// Rounds

result<const v1::Exercise*> workshop::exercise_named(const std::string& exercise_id) const {
  const auto* exercise = find_exercise(plan_, exercise_id);
  if (exercise == nullptr)
    return make_error(errc::not_found, "The plan has no exercise '" + exercise_id + "'; choose one of the plan's exercises.");
  return exercise;
}

result<pairing_result> workshop::preview_round(const std::string& exercise_id,
                                               const std::vector<pairing_group>& locked) const {
  const auto exercise = exercise_named(exercise_id);
  if (!exercise) return exercise.err();
  pairing_request request;
  request.present = roster_.present_ids();
  request.shape = shape_of(**exercise);
  request.odd_with_facilitator = (*exercise)->odd_count() == v1::ODD_COUNT_FACILITATOR;
  request.locked = locked;
  request.seed = seed_;  // the same every round: the round-robin depends on it
  for (const auto& p : roster_.participants())
    if (p.presence != v1::PRESENCE_LEFT) request.everyone.push_back(p.id);
  return make_groups(request, history_);
}

result<event_list> workshop::launch_round(const std::string& exercise_id, std::vector<pairing_group> groups) {
  if (auto open = check_open("start a round"); !open) return open.err();
  if (lifecycle_ == v1::LIFECYCLE_FEEDBACK)
    return make_error(errc::wrong_state, "Feedback is open, so no more rounds can start.");
  if (round_running())
    return make_error(errc::wrong_state, "Round " + std::to_string(rounds_.size()) +
                                             " is still running; end it before starting the next.");
  const auto named = exercise_named(exercise_id);
  if (!named) return named.err();
  const auto* exercise = *named;
  if (groups.empty()) {
    auto preview = preview_round(exercise_id);
    if (!preview) return preview.err();
    groups = std::move(preview->groups);
  } else {
    // The facilitator's adjusted groups: everyone present exactly once, no one else, each group
    // a workable practice.
    const auto present = roster_.present_ids();
    const std::unordered_set<std::string> here(present.begin(), present.end());
    std::unordered_set<std::string> placed, rooms;
    for (std::size_t i = 0; i < groups.size(); ++i) {
      auto& g = groups[i];
      if (g.room.empty()) g.room = "Room " + std::to_string(i + 1);
      if (!rooms.insert(g.room).second)
        return make_error(errc::invalid_argument, "Two groups are both called '" + g.room + "'; give each room its own name.");
      const bool solo_ok = g.with_facilitator && g.members.size() == 1;
      if (g.members.size() < 2 && !solo_ok)
        return make_error(errc::invalid_argument, g.room + " has fewer than two people; no one should sit alone in a room.");
      if (g.members.size() > 4)
        return make_error(errc::invalid_argument, g.room + " has " + std::to_string(g.members.size()) +
                                                      " people; a practice group has two to four.");
      std::size_t therapists = 0, clients = 0;
      for (const auto& m : g.members) {
        therapists += m.role == role_kind::therapist;
        clients += m.role == role_kind::client;
      }
      if (!solo_ok && (therapists != 1 || clients != 1))
        return make_error(errc::invalid_argument, g.room + " needs exactly one " + role_id(*exercise, role_kind::therapist) +
                                                      " and one " + role_id(*exercise, role_kind::client) +
                                                      "; everyone else observes.");
      for (const auto& m : g.members) {
        if (!here.contains(m.participant))
          return make_error(errc::invalid_argument, "'" + m.participant + "' in " + g.room +
                                                        " is not present; take them out or mark them present.");
        if (!placed.insert(m.participant).second)
          return make_error(errc::invalid_argument, "'" + m.participant + "' is in two groups; keep each person in one.");
      }
    }
    for (const auto& id : present)
      if (!placed.contains(id)) {
        const auto name = roster_.shown_name(id);
        return make_error(errc::invalid_argument, (name ? *name : id) + " (" + id +
                                                      ") is present but in no group; add them to a group or mark them away.");
      }
  }
  v1::WorkshopEvent event;
  auto* launched = event.mutable_round_launched();
  launched->set_round(static_cast<std::uint32_t>(rounds_.size() + 1));
  launched->set_exercise_id(exercise_id);
  launched->set_at_ms(time_->now());
  *launched->mutable_groups() = to_proto(groups, *exercise);
  return commit({event});
}

result<event_list> workshop::clock_command(v1::ClockAction action, millis by_ms) {
  if (rounds_.empty() || rounds_.back().ended)
    return make_error(errc::wrong_state, "No round is running; start one first.");
  // Try the command on a copy: the clock's own checks decide, and a refusal changes nothing.
  round_clock trial = rounds_.back().clock;
  // A wall clock stepped back (NTP) must not make the facilitator's command look out of order.
  const millis now = std::max(time_->now(), trial.last_command_at());
  status checked = ok();
  switch (action) {
    case v1::CLOCK_ACTION_EXTEND: checked = trial.extend(now, by_ms); break;
    case v1::CLOCK_ACTION_PAUSE: checked = trial.pause(now); break;
    case v1::CLOCK_ACTION_RESUME: checked = trial.resume(now); break;
    case v1::CLOCK_ACTION_NEXT_PHASE: checked = trial.next_phase(now); break;
    default: return make_error(errc::invalid_argument, "Unknown clock action.");
  }
  if (!checked) return checked.err();
  v1::WorkshopEvent event;
  auto* c = event.mutable_clock();
  c->set_round(rounds_.back().number);
  c->set_action(action);
  c->set_by_ms(by_ms);
  c->set_at_ms(now);
  return commit({event});
}

result<event_list> workshop::extend_phase(millis by_ms) { return clock_command(v1::CLOCK_ACTION_EXTEND, by_ms); }
result<event_list> workshop::pause_phase() { return clock_command(v1::CLOCK_ACTION_PAUSE, 0); }
result<event_list> workshop::resume_phase() { return clock_command(v1::CLOCK_ACTION_RESUME, 0); }
result<event_list> workshop::next_phase() { return clock_command(v1::CLOCK_ACTION_NEXT_PHASE, 0); }

result<event_list> workshop::end_round() {
  if (rounds_.empty() || rounds_.back().ended)
    return make_error(errc::wrong_state, "No round is running; there is nothing to end.");
  v1::WorkshopEvent event;
  event.mutable_round_ended()->set_round(rounds_.back().number);
  event.mutable_round_ended()->set_at_ms(std::max(time_->now(), rounds_.back().clock.last_command_at()));
  return commit({event});
}

// ---------------------------------------------------------------------------------------------
// Feedback and lifecycle

result<event_list> workshop::open_feedback() {
  if (auto open = check_open("open feedback"); !open) return open.err();
  if (lifecycle_ == v1::LIFECYCLE_FEEDBACK) return make_error(errc::wrong_state, "Feedback is already open.");
  if (round_running()) return make_error(errc::wrong_state, "A round is still running; end it before opening feedback.");
  v1::WorkshopEvent event;
  event.mutable_lifecycle()->set_lifecycle(v1::LIFECYCLE_FEEDBACK);
  event.mutable_lifecycle()->set_at_ms(time_->now());
  return commit({event});
}

result<event_list> workshop::close() {
  if (lifecycle_ == v1::LIFECYCLE_CLOSED) return make_error(errc::wrong_state, "The workshop is already closed.");
  event_list events;
  if (!rounds_.empty() && !rounds_.back().ended) {
    v1::WorkshopEvent ended;
    ended.mutable_round_ended()->set_round(rounds_.back().number);
    ended.mutable_round_ended()->set_at_ms(time_->now());
    events.push_back(ended);
  }
  v1::WorkshopEvent event;
  event.mutable_lifecycle()->set_lifecycle(v1::LIFECYCLE_CLOSED);
  event.mutable_lifecycle()->set_at_ms(time_->now());
  events.push_back(event);
  return commit(std::move(events));
}

result<workshop::submitted> workshop::submit_feedback(const std::string& participant_id,
                                                      const std::string& submission_id,
                                                      const v1::FeedbackResponse& response,
                                                      std::uint64_t response_key) {
  if (roster_.find(participant_id) == nullptr)
    return make_error(errc::not_found, "No participant '" + participant_id + "' in this workshop; join first.");
  // Someone who has submitted gets the same answer whenever they retry, even after feedback
  // closed: their first send was stored, and the retry must not look like a failure.
  if (feedback_.has_submitted(participant_id)) {
    auto outcome = feedback_.check(participant_id, submission_id, response);
    if (!outcome) return outcome.err();
    return submitted{*outcome, {}};
  }
  if (lifecycle_ != v1::LIFECYCLE_FEEDBACK)
    return make_error(errc::wrong_state, lifecycle_ == v1::LIFECYCLE_CLOSED
                                             ? "Feedback has closed; thank you all the same."
                                             : "Feedback is not open yet; the facilitator opens it at the end of the day.");
  // Check first so a refusal leaves nothing behind, then apply through the events.
  auto outcome = feedback_.check(participant_id, submission_id, response);
  if (!outcome) return outcome.err();
  if (response_key == 0 || response_key >= (std::uint64_t{1} << 63))
    return make_error(errc::invalid_argument, "A response key runs from 1 to 2^63 - 1; draw another.");
  event_list events(1);
  auto* s = events[0].mutable_feedback_submitted();
  s->set_participant_id(participant_id);
  s->set_submission_id(submission_id);
  s->set_response_key(response_key);
  *s->mutable_response() = response;
  const std::size_t k = std::max(1U, anonymity_threshold(plan_));
  if (const auto held = feedback_.held_back() + 1; held >= 2 * k) {
    // The newest k stay back (this one among them), so the release at closing is k or more too.
    v1::WorkshopEvent release;
    auto* r = release.mutable_feedback_released();
    for (const auto key : feedback_.oldest_held(held - k)) r->add_response_keys(key);
    r->set_at_ms(time_->now());
    events.push_back(std::move(release));
  }
  auto applied = commit(std::move(events));
  if (!applied) return applied.err();
  return submitted{*outcome, std::move(*applied)};
}

std::string workshop::release_note() const {
  const unsigned k = std::max(1U, anonymity_threshold(plan_));
  const auto n = std::to_string(k);
  if (lifecycle_ == v1::LIFECYCLE_CLOSED) return "Every response is shown now that the workshop has closed.";
  return "Responses are shown in batches of at least " + n + ", the first once " + std::to_string(2 * k) +
         " are in, so that no one's answers can be read from a change in the figures. Those still held back are "
         "shown when you close the workshop.";
}

v1::Tallies workshop::tallies() const {
  auto t = tally(plan_.questionnaire(), feedback_.released(), anonymity_threshold(plan_), private_seed_);
  // Hidden because nothing is released yet, while more may be in: say so rather than "too few".
  if (t.hidden() && lifecycle_ != v1::LIFECYCLE_CLOSED && feedback_.released().empty())
    t.set_hidden_reason("No results yet. " + release_note());
  return t;
}

run_info workshop::run_info_on(const std::string& date) const {
  return run_info{code_, date, static_cast<std::uint32_t>(roster_.size())};
}

v1::RunStatistics workshop::statistics(const std::string& date) const {
  return run_statistics(plan_, run_info_on(date), feedback_.released(), private_seed_);
}

series_run workshop::as_series_run(const std::string& date) const {
  const auto responses = feedback_.released();
  return series_run{plan_, run_info_on(date), {responses.begin(), responses.end()}, private_seed_};
}

// ---------------------------------------------------------------------------------------------
// What a participant sees

std::optional<assignment> workshop::assignment_of(const std::string& participant_id) const {
  if (rounds_.empty() || rounds_.back().ended) return std::nullopt;
  const round_state& r = rounds_.back();
  const auto* g = group_of(participant_id);
  const auto* exercise = exercise_of(r);
  if (g == nullptr || exercise == nullptr) return std::nullopt;
  assignment a;
  a.round = r.number;
  if (auto it = r.statuses.find(g->room); it != r.statuses.end()) {
    a.room_done = it->second.done;
    a.help_open = it->second.help_open;
    a.help_handled = it->second.help_handled;
    if (a.help_open) a.help_from = it->second.help_from;
  }
  a.exercise_id = exercise->id();
  a.exercise_title = exercise->title();
  a.brief = exercise->brief();
  a.room = g->room;
  a.with_facilitator = g->with_facilitator;
  a.phase = r.clock.at(time_->now());
  role_kind kind = role_kind::observer;
  for (const auto& m : g->members) {
    if (m.participant == participant_id) {
      kind = m.role;
    } else {
      const auto name = roster_.shown_name(m.participant);
      a.partner_names.push_back(name ? *name : m.participant);
    }
  }
  if (kind != role_kind::observer && roles_swapped(r.clock, a.phase.phase_index))
    kind = kind == role_kind::therapist ? role_kind::client : role_kind::therapist;
  if (const auto* role = find_role(*exercise, kind)) {
    a.role_id = role->id();
    a.role_name = role->name();
    a.instructions = role->instructions();
    a.checklist.assign(role->checklist().begin(), role->checklist().end());
    if (a.phase.phase_index < static_cast<std::size_t>(exercise->phases_size())) {
      const auto& phase = exercise->phases(static_cast<int>(a.phase.phase_index));
      for (const auto& note : phase.role_notes())
        if (note.role() == role->id()) a.phase_notes.push_back(note.text());
      // A phase that only the observer leads ("Observer's feedback"), in a room with no
      // observer: say what the two of them do with it instead of leaving them waiting.
      const auto* observer = find_role(*exercise, role_kind::observer);
      const bool room_has_observer = std::any_of(g->members.begin(), g->members.end(),
                                                 [](const group_member& m) { return m.role == role_kind::observer; });
      const bool observers_phase =
          observer != nullptr && phase.role_notes_size() > 0 &&
          std::all_of(phase.role_notes().begin(), phase.role_notes().end(),
                      [&](const v1::RoleNote& n) { return n.role() == observer->id(); });
      if (observers_phase && !room_has_observer && !g->with_facilitator)
        a.phase_notes.push_back("There is no observer in your room: use these minutes to tell each other one thing that "
                                "helped and one thing to try differently, with the words you heard.");
    }
  } else {
    a.role_id = role_id(*exercise, kind);
    a.role_name = a.role_id;
  }
  if (!exercise->excerpt_id().empty()) {
    const v1::Transcript* transcript = nullptr;
    if (const auto* excerpt = find_excerpt(plan_, exercise->excerpt_id(), &transcript); excerpt && transcript) {
      a.excerpt_id = excerpt->id();
      a.excerpt_title = excerpt->title();
      if (auto turns = excerpt_turns(*transcript, *excerpt)) a.excerpt_turns = std::move(*turns);
    }
  }
  return a;
}

result<const pairing_group*> workshop::room_of(const std::string& participant_id, std::uint32_t round) const {
  if (rounds_.empty() || rounds_.back().ended)
    return make_error(errc::wrong_state, "You are not in a group right now; wait for the next round.");
  const auto& r = rounds_.back();
  if (round != 0 && round != r.number)
    return make_error(errc::wrong_state, "That was meant for round " + std::to_string(round) +
                                             ", which has ended; nothing was changed.");
  const auto* g = group_of(participant_id);
  if (g == nullptr) return make_error(errc::wrong_state, "You are not in a group right now; wait for the next round.");
  return g;
}

result<event_list> workshop::room_event(std::uint32_t round, const std::string& room, v1::RoomStatusChange change,
                                        const std::string& participant_id, std::string note) {
  v1::WorkshopEvent e;
  auto* c = e.mutable_room_status();
  c->set_round(round);
  c->set_room(room);
  c->set_change(change);
  c->set_participant_id(participant_id);
  c->set_note(std::move(note));
  c->set_at_ms(time_->now());
  return commit({std::move(e)});
}

const std::map<std::string, room_status>& workshop::room_statuses() const {
  static const std::map<std::string, room_status> none;
  return rounds_.empty() ? none : rounds_.back().statuses;
}

result<event_list> workshop::mark_done(const std::string& participant_id, std::uint32_t round) {
  auto g = room_of(participant_id, round);
  if (!g) return g.err();
  const auto& statuses = rounds_.back().statuses;
  if (auto it = statuses.find((*g)->room); it != statuses.end() && it->second.done) return event_list{};
  return room_event(rounds_.back().number, (*g)->room, v1::ROOM_STATUS_CHANGE_DONE, participant_id, {});
}

result<event_list> workshop::ask_for_help(const std::string& participant_id, std::uint32_t round, std::string note) {
  auto g = room_of(participant_id, round);
  if (!g) return g.err();
  if (note.size() > max_help_note_chars) {
    note.resize(max_help_note_chars);
    while (!note.empty() && (static_cast<unsigned char>(note.back()) & 0xC0) == 0x80) note.pop_back();  // whole characters
    if (!note.empty() && (static_cast<unsigned char>(note.back()) & 0x80) != 0) note.pop_back();
  }
  return room_event(rounds_.back().number, (*g)->room, v1::ROOM_STATUS_CHANGE_HELP_REQUESTED, participant_id,
                    std::move(note));
}

result<event_list> workshop::withdraw_help(const std::string& participant_id, std::uint32_t round) {
  auto g = room_of(participant_id, round);
  if (!g) return g.err();
  const auto& statuses = rounds_.back().statuses;
  if (auto it = statuses.find((*g)->room); it == statuses.end() || !it->second.help_open) return event_list{};
  return room_event(rounds_.back().number, (*g)->room, v1::ROOM_STATUS_CHANGE_HELP_WITHDRAWN, participant_id, {});
}

result<event_list> workshop::help_handled(const std::string& room, std::uint32_t round) {
  if (rounds_.empty() || rounds_.back().ended || (round != 0 && round != rounds_.back().number))
    return make_error(errc::wrong_state, "That round has ended; its help requests ended with it.");
  const auto& r = rounds_.back();
  if (std::none_of(r.groups.begin(), r.groups.end(), [&](const pairing_group& g) { return g.room == room; }))
    return make_error(errc::not_found, "There is no " + room + " in this round.");
  if (auto it = r.statuses.find(room); it == r.statuses.end() || !it->second.help_open) return event_list{};
  return room_event(r.number, room, v1::ROOM_STATUS_CHANGE_HELP_HANDLED, {}, {});
}

result<event_list> workshop::broadcast(std::string text) {
  if (auto open = check_open("send a message"); !open) return open.err();
  if (text.empty() || text.size() > max_broadcast_chars)
    return make_error(errc::invalid_argument,
                      "A broadcast needs some text, at most " + std::to_string(max_broadcast_chars) + " characters.");
  v1::WorkshopEvent e;
  auto* b = e.mutable_broadcast_sent();
  b->set_text(std::move(text));
  b->set_at_ms(time_->now());
  return commit({std::move(e)});
}

result<event_list> workshop::replace_facilitator_token(std::string token_sha256) {
  if (token_sha256.size() != 32)
    return make_error(errc::invalid_argument, "A facilitator token's SHA-256 has 32 bytes; this one has " +
                                                  std::to_string(token_sha256.size()) + ".");
  v1::WorkshopEvent e;
  auto* r = e.mutable_facilitator_token_replaced();
  r->set_facilitator_token_sha256(std::move(token_sha256));
  r->set_at_ms(time_->now());
  return commit({std::move(e)});
}

// ---------------------------------------------------------------------------------------------
// Applying events

status workshop::apply(const v1::WorkshopEvent& event) {
  switch (event.kind_case()) {
    case v1::WorkshopEvent::kCreated:
      return make_error(errc::wrong_state, "The workshop already exists; a second creation cannot apply.");
    case v1::WorkshopEvent::kJoined: {
      const auto& j = event.joined();
      auto added = roster_.add(j.participant_id(), j.display_name(), j.email(), j.at_ms());
      if (added && !j.resume_token_sha256().empty())
        participant_by_resume_hash_[j.resume_token_sha256()] = j.participant_id();
      return added;
    }
    case v1::WorkshopEvent::kPresence: {
      const auto& p = event.presence();
      if (p.participant_ids_size() == 0) return roster_.set_presence(p.participant_id(), p.presence(), p.at_ms());
      // Checked first, so that an event that cannot apply changes no one.
      for (const auto& id : p.participant_ids())
        if (roster_.find(id) == nullptr) return make_error(errc::not_found, "No participant '" + id + "' in this workshop.");
      for (const auto& id : p.participant_ids())
        if (auto changed = roster_.set_presence(id, p.presence(), p.at_ms()); !changed) return changed;
      return ok();
    }
    case v1::WorkshopEvent::kRoundLaunched: {
      const auto& l = event.round_launched();
      const auto* exercise = find_exercise(plan_, l.exercise_id());
      if (exercise == nullptr) return make_error(errc::not_found, "Unknown exercise '" + l.exercise_id() + "'.");
      auto groups = from_proto(l.groups(), *exercise);
      if (!groups) return groups.err();
      roster_.mark_rounds_started(l.at_ms());
      lifecycle_ = v1::LIFECYCLE_ROUNDS;
      broadcast_.reset();  // a message for the time before this round
      history_.record(*groups);
      rounds_.push_back(round_state{l.round(), l.exercise_id(), std::move(*groups),
                                    round_clock(phases_of(*exercise), l.at_ms()), false, {}, {}});
      index_groups(rounds_.back());
      return ok();
    }
    case v1::WorkshopEvent::kGroupsChanged: {
      if (rounds_.empty()) return make_error(errc::wrong_state, "Groups changed before any round.");
      auto& r = rounds_.back();
      const auto* exercise = exercise_of(r);
      if (exercise == nullptr) return make_error(errc::not_found, "Unknown exercise '" + r.exercise_id + "'.");
      auto after = from_proto(event.groups_changed().groups(), *exercise);
      if (!after) return after.err();
      history_.record_change(r.groups, *after);
      r.groups = std::move(*after);
      index_groups(r);
      return ok();
    }
    case v1::WorkshopEvent::kClock: {
      if (rounds_.empty()) return make_error(errc::wrong_state, "A clock change before any round.");
      const auto& c = event.clock();
      auto& clock = rounds_.back().clock;
      switch (c.action()) {
        case v1::CLOCK_ACTION_EXTEND: return clock.extend(c.at_ms(), c.by_ms());
        case v1::CLOCK_ACTION_PAUSE: return clock.pause(c.at_ms());
        case v1::CLOCK_ACTION_RESUME: return clock.resume(c.at_ms());
        case v1::CLOCK_ACTION_NEXT_PHASE: return clock.next_phase(c.at_ms());
        default: return make_error(errc::invalid_argument, "Unknown clock action in the log.");
      }
    }
    case v1::WorkshopEvent::kRoundEnded: {
      if (rounds_.empty()) return make_error(errc::wrong_state, "A round ended before any began.");
      auto& r = rounds_.back();
      r.ended = true;
      broadcast_.reset();  // a message for the round that has ended
      if (!r.clock.at(event.round_ended().at_ms()).finished) (void)r.clock.end(event.round_ended().at_ms());
      return ok();
    }
    case v1::WorkshopEvent::kLifecycle:
      lifecycle_ = event.lifecycle().lifecycle();
      if (lifecycle_ == v1::LIFECYCLE_CLOSED) feedback_.release_all();  // in full once feedback is over
      broadcast_.reset();  // feedback open, or closed: the day's messages are over
      return ok();
    case v1::WorkshopEvent::kBroadcastSent:
      broadcast_ = event.broadcast_sent();
      return ok();
    case v1::WorkshopEvent::kRoomStatus: {
      const auto& c = event.room_status();
      if (rounds_.empty() || rounds_.back().number != c.round())
        return make_error(errc::wrong_state, "A room's status for round " + std::to_string(c.round()) + ", which is not the current one.");
      auto& st = rounds_.back().statuses[c.room()];
      switch (c.change()) {
        case v1::ROOM_STATUS_CHANGE_DONE:
          st.done = true;
          st.help_open = false;
          return ok();
        case v1::ROOM_STATUS_CHANGE_HELP_REQUESTED:
          st.help_open = true;
          st.help_handled = false;
          st.help_note = c.note();
          st.help_from = c.participant_id();
          return ok();
        case v1::ROOM_STATUS_CHANGE_HELP_HANDLED:
        case v1::ROOM_STATUS_CHANGE_HELP_WITHDRAWN:
          st.help_handled = c.change() == v1::ROOM_STATUS_CHANGE_HELP_HANDLED;
          st.help_open = false;
          return ok();
        default: return make_error(errc::invalid_argument, "Unknown room status change in the log.");
      }
    }
    case v1::WorkshopEvent::kFeedbackSubmitted: {
      // A live submission carries both who and what. The store never keeps them together: it
      // gives them back as two kinds of restore event, one with only who (and the submission id,
      // so a retry is still recognised), one with only what.
      const auto& s = event.feedback_submitted();
      const bool who = !s.participant_id().empty();
      if (who && s.has_response()) {
        auto outcome = feedback_.submit(s.participant_id(), s.submission_id(), s.response(), s.response_key());
        if (!outcome) return outcome.err();
        return ok();
      }
      if (who) return feedback_.restore_submitted(s.participant_id(), s.submission_id());
      if (s.has_response()) {
        feedback_.restore_response(s.response(), s.response_key());
        return ok();
      }
      return make_error(errc::invalid_argument, "A stored feedback event holds neither a submitter nor a response.");
    }
    case v1::WorkshopEvent::kFeedbackReleased: {
      const auto& keys = event.feedback_released().response_keys();
      feedback_.release(std::span<const std::uint64_t>(keys.data(), static_cast<std::size_t>(keys.size())));
      return ok();
    }
    case v1::WorkshopEvent::kFacilitatorTokenReplaced: {
      const auto& r = event.facilitator_token_replaced();
      if (r.facilitator_token_sha256().size() != 32)
        return make_error(errc::invalid_argument, "A stored facilitator token replacement holds no valid hash.");
      facilitator_token_sha256_ = r.facilitator_token_sha256();
      return ok();
    }
    case v1::WorkshopEvent::kPersonalDataErased:
      if (lifecycle_ != v1::LIFECYCLE_CLOSED)
        return make_error(errc::wrong_state, "Personal data can be erased only once the workshop has closed; the log "
                                             "erases it earlier.");
      // The log before this event was rewritten already; a workshop held live since the day has
      // the names in memory, and drops them here too.
      roster_.erase_personal_data();
      participant_by_resume_hash_.clear();
      if (!personal_data_erased_ms_) personal_data_erased_ms_ = event.personal_data_erased().at_ms();
      return ok();
    case v1::WorkshopEvent::KIND_NOT_SET: break;
  }
  return make_error(errc::invalid_argument, "An empty or unknown event; this server may be older than the log.");
}

// ---------------------------------------------------------------------------------------------
// Erasing personal data after the day

result<event_list> erase_personal_data(std::span<const v1::WorkshopEvent> events, millis at_ms) {
  if (events.empty() || !events.front().has_created())
    return make_error(errc::invalid_argument,
                      "A workshop's event log must start with its creation; this one does not, so nothing was erased.");
  const auto& code = events.front().created().code();
  v1::Lifecycle lifecycle = v1::LIFECYCLE_LOBBY;
  bool erased = false;
  for (const auto& e : events) {
    if (e.has_lifecycle()) lifecycle = e.lifecycle().lifecycle();
    erased = erased || e.has_personal_data_erased();
  }
  if (lifecycle != v1::LIFECYCLE_CLOSED)
    return make_error(errc::wrong_state, "Workshop " + code +
                                             " has not closed yet, so its participants' names and e-mails are kept; "
                                             "close the workshop first, then erase them.");
  event_list out(events.begin(), events.end());
  std::size_t joins = 0;
  for (auto& e : out) {
    switch (e.kind_case()) {
      case v1::WorkshopEvent::kJoined: {
        auto* j = e.mutable_joined();
        j->set_display_name(roster::erased_name(++joins));
        j->clear_email();
        j->clear_resume_token_sha256();
        break;
      }
      case v1::WorkshopEvent::kRoomStatus: e.mutable_room_status()->clear_note(); break;
      case v1::WorkshopEvent::kBroadcastSent: e.mutable_broadcast_sent()->clear_text(); break;
      default: break;
    }
  }
  if (!erased) out.emplace_back().mutable_personal_data_erased()->set_at_ms(at_ms);
  return out;
}

}  // namespace dyad::core
