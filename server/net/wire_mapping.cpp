#include "net/wire_mapping.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;

v1::ErrorCode to_error_code(core::errc code) {
  switch (code) {
    case core::errc::invalid_argument: return v1::ERROR_CODE_INVALID_ARGUMENT;
    case core::errc::not_found: return v1::ERROR_CODE_NOT_FOUND;
    case core::errc::wrong_state: return v1::ERROR_CODE_WRONG_STATE;
    case core::errc::already_submitted: return v1::ERROR_CODE_ALREADY_SUBMITTED;
    case core::errc::forbidden: return v1::ERROR_CODE_FORBIDDEN;
    case core::errc::unavailable: return v1::ERROR_CODE_UNAVAILABLE;
  }
  return v1::ERROR_CODE_UNSPECIFIED;
}

v1::Assignment to_wire(const core::assignment& a) {
  v1::Assignment out;
  out.set_round(a.round);
  out.set_exercise_id(a.exercise_id);
  out.set_exercise_title(a.exercise_title);
  out.set_brief(a.brief);
  out.set_room(a.room);
  for (const auto& n : a.partner_names) out.add_partner_names(n);
  out.set_with_facilitator(a.with_facilitator);
  out.set_role_id(a.role_id);
  out.set_role_name(a.role_name);
  out.set_instructions(a.instructions);
  for (const auto& c : a.checklist) out.add_checklist(c);
  for (const auto& n : a.phase_notes) out.add_phase_notes(n);
  out.set_excerpt_title(a.excerpt_title);
  for (const auto& t : a.excerpt_turns) *out.add_excerpt_turns() = t;
  out.set_room_done(a.room_done);
  out.set_help_open(a.help_open);
  out.set_help_handled(a.help_handled);
  return out;
}

v1::PhaseState to_wire(std::uint32_t round, const core::round_clock::view& v) {
  v1::PhaseState out;
  out.set_round(round);
  out.set_phase_index(static_cast<std::uint32_t>(v.phase_index));
  out.set_phase_count(static_cast<std::uint32_t>(v.phase_count));
  out.set_phase_name(v.phase_name);
  out.set_deadline_ms(v.deadline);
  out.set_paused(v.paused);
  out.set_remaining_ms(v.remaining_ms);
  out.set_finished(v.finished);
  out.set_round_ends_at_ms(v.round_ends_at);
  return out;
}

v1::RosterEntry roster_entry(const core::workshop& w, const core::roster::participant& p) {
  v1::RosterEntry e;
  e.set_participant_id(p.id);
  e.set_shown_name(p.shown_name);
  if (w.presence_shown()) {
    e.set_presence(p.presence);
    e.set_since_ms(p.since);
  }
  e.set_joined_late(p.joined_late);
  e.set_has_email(!p.email.empty());
  return e;
}

v1::Roster roster_of(const core::workshop& w) {
  v1::Roster out;
  out.mutable_entries()->Reserve(static_cast<int>(w.people().size()));
  for (const auto& p : w.people().participants()) *out.add_entries() = roster_entry(w, p);
  return out;
}

v1::PhaseState phase_of(const core::workshop& w) {
  const auto view = w.phase();
  if (!view) return {};
  auto out = to_wire(w.round_number(), *view);
  out.set_ended(w.round_ended());
  return out;
}

v1::ServerMessage error_message(std::uint64_t request_id, v1::ErrorCode code, std::string text) {
  v1::ServerMessage m;
  m.set_request_id(request_id);
  m.mutable_error()->set_code(code);
  m.mutable_error()->set_message(std::move(text));
  return m;
}

}  // namespace dyad::net
