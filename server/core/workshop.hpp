#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/feedback_box.hpp"
#include "core/pairing.hpp"
#include "core/result.hpp"
#include "core/roster.hpp"
#include "core/round_clock.hpp"
#include "core/statistics.hpp"
#include "dyad/v1/events.pb.h"
#include "dyad/v1/feedback.pb.h"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// The events a command produced, already applied, in the order to store them.
using event_list = std::vector<dyad::v1::WorkshopEvent>;

/// What one participant sees of the running round at an instant.
struct assignment {
  std::uint32_t round = 0;
  std::string exercise_id;
  std::string exercise_title;
  std::string brief;
  std::string room;
  /// The others in the group, by shown name; empty when practising with the facilitator.
  std::vector<std::string> partner_names;
  bool with_facilitator = false;
  /// The role at this instant: therapist and client swap in a swap-roles phase.
  std::string role_id;
  std::string role_name;
  std::string instructions;
  std::vector<std::string> checklist;
  /// Words for this role in the current phase.
  std::vector<std::string> phase_notes;
  std::string excerpt_id;
  std::string excerpt_title;
  std::vector<dyad::v1::Turn> excerpt_turns;
  round_clock::view phase;
  /// The room's own state, which partners see too.
  bool room_done = false;
  bool help_open = false;
  /// Who asked for the open help request (participant id).
  std::string help_from;
  /// The last request was closed by the facilitator.
  bool help_handled = false;
};

/// What a room of the current round has said: done, or asking for help.
struct room_status {
  bool done = false;
  bool help_open = false;
  std::string help_note;
  /// Participant id of who asked.
  std::string help_from;
  /// The last request was closed by the facilitator, not withdrawn by the room.
  bool help_handled = false;
};

/// One live workshop: roster, lifecycle (lobby → rounds → feedback → closed), rounds with their
/// groups and clocks, and the anonymous feedback.
///
/// Event-sourced: every command checks its input, turns it into events, applies them, and returns
/// them for the store; `replay` rebuilds an identical workshop from those events. A refused
/// command returns an error a person can act on and changes nothing. Time comes from the
/// injected clock. Not thread-safe: one owner (the workshop's strand) calls it.
class workshop {
public:
  /// A new workshop in the lobby. The plan must have passed validation. `seed` fixes pairing
  /// and is stored, so a replay pairs alike. `private_seed` orders the anonymous responses and
  /// comments and is never stored: whoever reads the log must not be able to recompute arrival
  /// order from it. Give it a fresh random number in the server; tests give a fixed one.
  static result<std::pair<workshop, event_list>> create(const clock& time, dyad::v1::Plan plan,
                                                         std::string code, std::uint64_t seed,
                                                         std::uint64_t private_seed,
                                                         std::string facilitator_token_sha256 = {});

  /// Rebuilds a workshop from its stored events; the first must be `created`.
  static result<workshop> replay(const clock& time, std::span<const dyad::v1::WorkshopEvent> events,
                                 std::uint64_t private_seed);

  /// A new participant. Late joiners are slotted into the running round.
  struct joined {
    std::string participant_id;
    event_list events;
  };
  /// `resume_token_sha256` is kept so that the participant can resume after a drop or a restart
  /// (the server hashes the token it hands out; the core never sees the token).
  result<joined> join(std::string display_name, std::string email, std::string resume_token_sha256 = {});

  /// The participant whose resume token has this SHA-256, if any.
  std::optional<std::string> participant_by_resume_hash(const std::string& sha256) const;
  /// SHA-256 of the facilitator's token now: as given at creation, or as last replaced.
  const std::string& facilitator_token_sha256() const noexcept { return facilitator_token_sha256_; }

  /// A new facilitator link for a lost or leaked one: from the event on, only the token whose
  /// SHA-256 is `token_sha256` opens the dashboard and the exports. Allowed in every state, a
  /// closed workshop included (its report stays reachable). Refused when the hash is not 32 bytes.
  result<event_list> replace_facilitator_token(std::string token_sha256);

  /// Present, away (facilitator or self; not paired), disconnected, or left. Someone away or
  /// gone is taken out of the running round at once and their partner regrouped; someone
  /// disconnected keeps their place for the plan's grace period (see `tick`); someone back
  /// without a group is slotted in.
  result<event_list> set_presence(const std::string& participant_id, dyad::v1::Presence presence);

  /// Several participants' presence at once, stored as one event: the connections a venue's
  /// network dropped together, or those that came back together. Unknown ids, and those who have
  /// this presence already, are left out; when no one is left, nothing is stored. The running
  /// round is regrouped once for all of them, as `set_presence` does for one.
  result<event_list> set_presence_of(std::span<const std::string> participant_ids, dyad::v1::Presence presence);

  /// Regroups partners of people disconnected longer than the grace period. Call it now and then
  /// (the server: every few seconds); returns no events when nothing changed.
  event_list tick();

  /// The plan's exercise of this id, or not_found saying to choose one of the plan's exercises.
  result<const dyad::v1::Exercise*> exercise_named(const std::string& exercise_id) const;

  /// The groups a round of this exercise would have now, for the facilitator to adjust.
  result<pairing_result> preview_round(const std::string& exercise_id,
                                       const std::vector<pairing_group>& locked = {}) const;

  /// Starts a round of the exercise with the given groups (from a preview, adjusted), or with
  /// freshly made ones when `groups` is empty. Every person present must be in exactly one group.
  result<event_list> launch_round(const std::string& exercise_id, std::vector<pairing_group> groups = {});

  result<event_list> extend_phase(millis by_ms);
  result<event_list> pause_phase();
  result<event_list> resume_phase();
  result<event_list> next_phase();
  result<event_list> end_round();

  /// "We're done" from a participant's room in the round they saw (`round` 0: the current one):
  /// still possible once the last phase has run out, until the facilitator ends the round. An
  /// open help request of the room ends with it. Pressed twice, nothing new is stored.
  result<event_list> mark_done(const std::string& participant_id, std::uint32_t round);
  /// "Ask for help", with an optional note (cut to `max_help_note_chars`); again with a new note
  /// while open. Refused, like "done", for someone not in a group of that round.
  result<event_list> ask_for_help(const std::string& participant_id, std::uint32_t round, std::string note);
  /// "Never mind" from the room; nothing stored when no help is open.
  result<event_list> withdraw_help(const std::string& participant_id, std::uint32_t round);
  /// The facilitator has seen to the room's help request; nothing stored when none is open.
  result<event_list> help_handled(const std::string& room, std::uint32_t round);
  static constexpr std::size_t max_help_note_chars = 500;
  /// The current round's rooms that have said something, by room; empty before the first round.
  const std::map<std::string, room_status>& room_statuses() const;

  /// A message to everyone, shown until the round it was sent in ends (sent between rounds: until
  /// the next round starts or feedback opens) or a newer one replaces it. 1 to `max_broadcast_chars`
  /// characters; refused once the workshop has closed.
  result<event_list> broadcast(std::string text);
  static constexpr std::size_t max_broadcast_chars = 2000;
  /// The message showing now, if any.
  const std::optional<dyad::v1::BroadcastSent>& current_broadcast() const noexcept { return broadcast_; }

  /// Opens the feedback form (no round may be running) and then closes the workshop.
  result<event_list> open_feedback();
  result<event_list> close();

  struct submitted {
    submit_outcome outcome;
    /// Empty for a retried submission, which was stored the first time.
    event_list events;
  };
  /// One participant's anonymous feedback, once, idempotent by the client-chosen id, filed under
  /// `response_key` (1 to 2^63 - 1, from the system's random source, so that nothing stored ties
  /// the response to when it came).
  ///
  /// The response is held back from every figure (tallies, statistics, series statistics) until
  /// it is released, so that no two figures anyone can see differ by one person's answers. With
  /// k the plan's anonymity threshold: once 2k responses are held back, all but the newest k are
  /// released together (a FeedbackReleased event in the same commit); closing the workshop
  /// releases the rest. Every release while feedback is open is therefore at least k responses,
  /// and so is the last (k to 2k - 1 held back), unless fewer than k responded at all, when the
  /// figures stay hidden. See release_note().
  result<submitted> submit_feedback(const std::string& participant_id, const std::string& submission_id,
                                    const dyad::v1::FeedbackResponse& response, std::uint64_t response_key);
  /// In words for the facilitator, how the figures follow the responses.
  std::string release_note() const;

  // Views.
  const dyad::v1::Plan& plan() const noexcept { return plan_; }
  const std::string& code() const noexcept { return code_; }
  std::uint64_t seed() const noexcept { return seed_; }
  dyad::v1::Lifecycle lifecycle() const noexcept { return lifecycle_; }
  const roster& people() const noexcept { return roster_; }
  const pairing_history& history() const noexcept { return history_; }
  /// 0 before the first round.
  std::uint32_t round_number() const noexcept { return static_cast<std::uint32_t>(rounds_.size()); }
  /// The current (or last) round's exercise; empty before the first round.
  std::string round_exercise_id() const { return rounds_.empty() ? std::string{} : rounds_.back().exercise_id; }
  /// The current (or last) round's groups; empty before the first round.
  const std::vector<pairing_group>& groups() const;
  /// Whether a round is running now (launched, not ended, phases not all passed).
  bool round_running() const;
  /// Whether the facilitator has ended the current (last) round; false before the first.
  bool round_ended() const noexcept { return !rounds_.empty() && rounds_.back().ended; }
  /// The current round's clock as seen now, if there has been a round.
  std::optional<round_clock::view> phase() const;
  /// What this participant sees now, if they are in a group of the current round; nothing once
  /// the facilitator has ended the round (a round whose phases have all passed still shows, so
  /// a pair can finish its debrief).
  std::optional<assignment> assignment_of(const std::string& participant_id) const;
  /// Live tallies of the released responses, hidden below the plan's anonymity threshold.
  dyad::v1::Tallies tallies() const;
  /// The organiser's statistics of this run's released responses, dated `date` ("YYYY-MM-DD"):
  /// tallies under the plan's threshold and the plain-words summary.
  dyad::v1::RunStatistics statistics(const std::string& date) const;
  /// This run, as far as it is released, as one run of its series (see series_statistics).
  series_run as_series_run(const std::string& date) const;
  /// Whether the facilitator sees who is connected: not once feedback has opened, since a page
  /// closed right after sending would say who just sent theirs. Then nothing of the day needs it.
  bool presence_shown() const noexcept { return lifecycle_ != dyad::v1::LIFECYCLE_FEEDBACK && lifecycle_ != dyad::v1::LIFECYCLE_CLOSED; }
  /// When the participants' names and e-mails were erased (see `erase_personal_data`), if they were.
  std::optional<millis> personal_data_erased_ms() const noexcept { return personal_data_erased_ms_; }
  /// How many responses the figures count (released).
  std::size_t responses_shown() const noexcept { return feedback_.released().size(); }
  /// How many have submitted feedback, released or not (for the server's operator).
  std::size_t responses_received() const noexcept { return feedback_.count(); }
  const feedback_box& feedback() const noexcept { return feedback_; }

  /// Applies one stored event. Used by `replay`; commands apply their own events.
  status apply(const dyad::v1::WorkshopEvent& event);

private:
  struct round_state {
    std::uint32_t number = 0;
    std::string exercise_id;
    std::vector<pairing_group> groups;
    round_clock clock;
    bool ended = false;
    std::map<std::string, room_status> statuses;
    /// Each member's place in `groups`, so finding someone's group costs the same at any size.
    std::unordered_map<std::string, std::size_t> group_index;
  };
  static void index_groups(round_state& r);
  /// The current round's group of this participant, or nullptr.
  const pairing_group* group_of(const std::string& participant_id) const;
  /// The current round's group of a participant, after the checks every room request shares.
  result<const pairing_group*> room_of(const std::string& participant_id, std::uint32_t round) const;
  result<event_list> room_event(std::uint32_t round, const std::string& room, dyad::v1::RoomStatusChange change,
                                const std::string& participant_id, std::string note);

  workshop(const clock& time, dyad::v1::Plan plan, std::string code, std::uint64_t seed,
           std::uint64_t private_seed, millis created_at);

  result<event_list> clock_command(dyad::v1::ClockAction action, millis by_ms);
  run_info run_info_on(const std::string& date) const;
  result<event_list> commit(event_list events);
  status check_open(const char* doing) const;
  std::optional<dyad::v1::WorkshopEvent> regroup_event(const std::vector<std::string>& gone,
                                                      const std::vector<std::string>& newcomers);
  const dyad::v1::Exercise* exercise_of(const round_state& r) const;

  const clock* time_;
  dyad::v1::Plan plan_;
  std::string code_;
  std::uint64_t seed_;
  std::uint64_t private_seed_;
  millis created_at_;
  std::string facilitator_token_sha256_;
  std::unordered_map<std::string, std::string> participant_by_resume_hash_;
  dyad::v1::Lifecycle lifecycle_ = dyad::v1::LIFECYCLE_LOBBY;
  roster roster_;
  pairing_history history_;
  std::vector<round_state> rounds_;
  feedback_box feedback_;
  std::optional<dyad::v1::BroadcastSent> broadcast_;
  std::optional<millis> personal_data_erased_ms_;
};

/// A closed workshop's stored events with its participants' personal data taken out, for the
/// store to write back in place of the old ones (see `store::event_log::erase_personal_data`).
///
/// `events` are the workshop's events as stored, in order, starting with its creation. Comes back
/// one for one, in the same order, then a `PersonalDataErased` at `at_ms` unless the log already
/// holds one (erasing twice changes nothing). What is rewritten:
/// - `ParticipantJoined`: the name becomes "Participant N", N counting the joins in log order
///   (the ids' order, "p1", "p2", …); the e-mail and the resume token's hash are emptied;
/// - `RoomStatusChanged`: the help request's note, typed by a participant, is emptied;
/// - `BroadcastSent`: the facilitator's message, which may name people, is emptied.
/// Every other field and event is kept as it was, ids included, so a replay of the result gives
/// the same roster size, presences, groups, rounds, clocks, feedback, tallies and statistics;
/// only the names read differently. Feedback responses are anonymous and stay as they are.
///
/// Refused, with nothing to rewrite: errc::invalid_argument when the events do not start with a
/// creation; errc::wrong_state while the workshop is not closed (its people may still need their
/// names on the day).
result<event_list> erase_personal_data(std::span<const dyad::v1::WorkshopEvent> events, millis at_ms);

/// Converts between the core's groups and their stored form, naming roles by the exercise's ids.
/// The wire carries groups in the same form (a preview, a launch, the round's groups).
dyad::v1::Group to_proto(const pairing_group& group, const dyad::v1::Exercise& exercise);
result<pairing_group> from_proto(const dyad::v1::Group& group, const dyad::v1::Exercise& exercise);
/// The same for a whole list, in order; the first group that does not convert is the error.
google::protobuf::RepeatedPtrField<dyad::v1::Group> to_proto(const std::vector<pairing_group>& groups,
                                                             const dyad::v1::Exercise& exercise);
result<std::vector<pairing_group>> from_proto(const google::protobuf::RepeatedPtrField<dyad::v1::Group>& groups,
                                              const dyad::v1::Exercise& exercise);

}  // namespace dyad::core
