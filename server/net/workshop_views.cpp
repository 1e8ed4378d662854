#include "net/workshop_views.hpp"

#include "core/plan_validator.hpp"
#include "core/workshop.hpp"
#include "net/public_url.hpp"
#include "net/wire_mapping.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;

namespace {

/// Who asked for help, as pages name them: the shown name, or the id of someone not on the roster.
std::string shown_name_or_id(const core::workshop& w, const std::string& participant_id) {
  const auto name = w.people().shown_name(participant_id);
  return name ? *name : participant_id;
}

/// What everyone is told of the feedback form: whether it is open, its questions, and k.
v1::FeedbackState feedback_form(const core::workshop& w) {
  v1::FeedbackState f;
  f.set_open(w.lifecycle() == v1::LIFECYCLE_FEEDBACK);
  if (f.open()) *f.mutable_questionnaire() = w.plan().questionnaire();
  f.set_anonymity_threshold(core::anonymity_threshold(w.plan()));
  return f;
}

}  // namespace

std::optional<v1::Assignment> assignment_for(const core::workshop& w, const std::string& participant_id) {
  const auto a = w.assignment_of(participant_id);
  if (!a) return std::nullopt;
  auto wire = to_wire(*a);
  if (a->help_open) wire.set_help_from(shown_name_or_id(w, a->help_from));
  return wire;
}

v1::BroadcastMessage broadcast_now(const core::workshop& w) {
  v1::BroadcastMessage b;
  if (const auto& sent = w.current_broadcast()) {
    b.set_text(sent->text());
    b.set_sent_ms(sent->at_ms());
  }
  return b;
}

v1::FeedbackState feedback_state_for(const core::workshop& w, const std::string& participant_id) {
  auto f = feedback_form(w);
  f.set_submitted(w.feedback().has_submitted(participant_id));
  return f;
}

v1::FeedbackState feedback_state_for_facilitator(const core::workshop& w) {
  auto f = feedback_form(w);
  f.set_responses(static_cast<std::uint32_t>(w.responses_shown()));
  f.set_release_note(w.release_note());
  return f;
}

v1::GroupStatuses group_statuses(const core::workshop& w) {
  v1::GroupStatuses out;
  out.set_round(w.round_number());
  out.set_exercise_id(w.round_exercise_id());
  if (const auto* ex = core::find_exercise(w.plan(), out.exercise_id()))
    *out.mutable_round_groups() = core::to_proto(w.groups(), *ex);
  const auto& statuses = w.room_statuses();
  for (const auto& g : w.groups()) {
    auto* s = out.add_groups();
    s->set_room(g.room);
    const auto it = statuses.find(g.room);
    if (it == statuses.end()) continue;
    s->set_done(it->second.done);
    s->set_needs_help(it->second.help_open);
    if (!it->second.help_open) continue;
    s->set_help_note(it->second.help_note);
    s->set_help_from(shown_name_or_id(w, it->second.help_from));
  }
  return out;
}

v1::ParticipantSnapshot participant_snapshot(const core::workshop& w, const std::string& participant_id) {
  v1::ParticipantSnapshot s;
  s.set_participant_id(participant_id);
  if (const auto* p = w.people().find(participant_id)) {
    s.set_shown_name(p->shown_name);
    s.set_away(p->presence == v1::PRESENCE_AWAY);
  }
  const auto& plan = w.plan();
  s.set_workshop_title(plan.title());
  s.set_presenter(plan.presenter());
  s.set_time_zone(plan.time_zone());
  for (const auto& b : plan.agenda()) *s.add_agenda() = b;
  s.set_lifecycle(w.lifecycle());
  if (auto a = assignment_for(w, participant_id)) *s.mutable_assignment() = std::move(*a);
  if (w.round_number() > 0) *s.mutable_phase() = phase_of(w);
  *s.mutable_last_broadcast() = broadcast_now(w);
  *s.mutable_feedback() = feedback_state_for(w, participant_id);
  return s;
}

v1::FacilitatorSnapshot facilitator_snapshot(const core::workshop& w, const public_links& links) {
  v1::FacilitatorSnapshot s;
  s.set_code(w.code());
  s.set_join_url(links.join_url(w.code()));
  s.set_join_url_local_only(links.local_only);
  *s.mutable_plan() = w.plan();
  s.set_lifecycle(w.lifecycle());
  *s.mutable_roster() = roster_of(w);
  s.set_round(w.round_number());
  if (w.round_number() > 0) *s.mutable_phase() = phase_of(w);
  *s.mutable_group_statuses() = group_statuses(w);
  // The round's groups, as the statuses carry them for every later change.
  s.set_exercise_id(s.group_statuses().exercise_id());
  *s.mutable_groups() = s.group_statuses().round_groups();
  *s.mutable_tallies() = w.tallies();
  *s.mutable_feedback() = feedback_state_for_facilitator(w);
  *s.mutable_last_broadcast() = broadcast_now(w);
  return s;
}

v1::RoundPreview round_preview(const v1::Exercise& exercise, const core::pairing_result& preview) {
  v1::RoundPreview out;
  out.set_exercise_id(exercise.id());
  *out.mutable_groups() = core::to_proto(preview.groups, exercise);
  out.set_repeated_pairs(preview.repeated_pairs);
  out.set_keep_apart_relaxed(preview.keep_apart_relaxed);
  return out;
}

}  // namespace dyad::net
