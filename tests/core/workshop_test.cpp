#include "core/workshop.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "feedback_fixtures.hpp"

namespace dyad::core {
namespace {

namespace v1 = dyad::v1;
using namespace dyad::core::test;

constexpr const char* plan_text = R"pb(
  title: "Practice day"
  series: "practice-day"
  grace_period_seconds: 60
  exercises {
    id: "listening"
    title: "Listening for the rupture"
    group_size: GROUP_SIZE_PAIRS
    roles { id: "therapist" name: "Therapist" kind: ROLE_KIND_THERAPIST instructions: "Notice the shift." }
    roles { id: "client" name: "Client" kind: ROLE_KIND_CLIENT instructions: "Play the client's lines." }
    roles { id: "observer" name: "Observer" kind: ROLE_KIND_OBSERVER instructions: "Watch." checklist: "Marker named?" }
    excerpt_id: "first-session"
    phases { name: "Practice" minutes: 10 role_notes { role: "therapist" text: "Slow down." } }
    phases { name: "Swap" minutes: 10 swap_roles: true }
    phases { name: "Debrief" minutes: 5 }
  }
  exercises {
    id: "watching"
    title: "Watching a repair"
    group_size: GROUP_SIZE_TRIADS
    roles { id: "t" name: "Therapist" kind: ROLE_KIND_THERAPIST instructions: "Repair." }
    roles { id: "c" name: "Client" kind: ROLE_KIND_CLIENT instructions: "Withdraw." }
    roles { id: "o" name: "Observer" kind: ROLE_KIND_OBSERVER instructions: "Note." checklist: "Tone" }
    phases { name: "Practice" minutes: 15 }
  }
  transcripts {
    id: "session"
    turns { speaker: "Therapist" paragraphs: "You went quiet just then." }
    turns { speaker: "Client" paragraphs: "It doesn't matter." }
    turns { speaker: "Therapist" paragraphs: "It seems to matter." }
    excerpts { id: "first-session" title: "Going quiet" first_turn: 1 last_turn: 2 }
  }
)pb";

constexpr millis minute = 60'000;

// The plan above, asking at the end of the day the end-of-day form's overall rating and one
// free-text question.
v1::Plan test_plan() {
  auto plan = parse<v1::Plan>(plan_text);
  *plan.mutable_questionnaire() = with_questions(end_of_day(), {"overall", "useful"});
  return plan;
}

v1::FeedbackResponse rating(const std::string& option) {
  return response_of({choice("overall", option)});
}

class WorkshopTest : public ::testing::Test {
protected:
  WorkshopTest() {
    auto created = workshop::create(clock_, test_plan(), "CALM-42", 7, 99);
    EXPECT_TRUE(created.ok());
    w_.emplace(std::move(created->first));
    keep(created->second);
  }

  void keep(const event_list& events) { log_.insert(log_.end(), events.begin(), events.end()); }

  std::string join(const std::string& name) {
    auto j = w_->join(name, "");
    EXPECT_TRUE(j.ok()) << j.err().message;
    keep(j->events);
    return j->participant_id;
  }

  // A participant's feedback under a fresh key, as the host draws them.
  result<workshop::submitted> submit(const std::string& participant, const std::string& submission,
                                     const v1::FeedbackResponse& response) {
    return w_->submit_feedback(participant, submission, response, ++last_key_);
  }

  void expect_no_one_alone() {
    std::set<std::string> placed;
    for (const auto& g : w_->groups()) {
      EXPECT_GE(g.members.size(), 2U) << g.room << " has someone alone";
      for (const auto& m : g.members) EXPECT_TRUE(placed.insert(m.participant).second) << m.participant;
    }
    for (const auto& id : w_->people().present_ids()) EXPECT_TRUE(placed.contains(id)) << id << " has no group";
  }

  manual_clock clock_;
  std::optional<workshop> w_;
  event_list log_;
  std::uint64_t last_key_ = 500;
};

TEST_F(WorkshopTest, LaunchGivesEveryoneTheirRoomPartnerRoleAndExcerpt) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee", "Eli", "Fay"}) join(name);
  EXPECT_EQ(w_->lifecycle(), v1::LIFECYCLE_LOBBY);
  auto launched = w_->launch_round("listening");
  ASSERT_TRUE(launched.ok()) << launched.err().message;
  keep(*launched);
  EXPECT_EQ(w_->lifecycle(), v1::LIFECYCLE_ROUNDS);
  std::set<std::string> roles;
  for (const auto& p : w_->people().participants()) {
    const auto a = w_->assignment_of(p.id);
    ASSERT_TRUE(a.has_value()) << p.id;
    EXPECT_EQ(a->partner_names.size(), 1U);
    EXPECT_EQ(a->room.rfind("Room ", 0), 0U) << a->room;
    EXPECT_EQ(a->excerpt_turns.size(), 2U);
    EXPECT_EQ(a->excerpt_turns[0].paragraphs(0), "You went quiet just then.");
    EXPECT_EQ(a->phase.phase_name, "Practice");
    EXPECT_EQ(a->phase.deadline, clock_.now() + 10 * minute);
    roles.insert(a->role_id);
    if (a->role_id == "therapist") {
      EXPECT_EQ(a->phase_notes, std::vector<std::string>{"Slow down."});
    }
  }
  EXPECT_EQ(roles, (std::set<std::string>{"therapist", "client"}));
}

TEST_F(WorkshopTest, SwapPhaseSwapsTherapistAndClient) {
  for (const auto* name : {"Ann", "Ben"}) join(name);
  keep(*w_->launch_round("listening"));
  const auto before = w_->assignment_of("p1")->role_id;
  clock_.advance(10 * minute);
  const auto after = w_->assignment_of("p1");
  EXPECT_EQ(after->phase.phase_name, "Swap");
  EXPECT_NE(after->role_id, before) << "roles swap when the swap phase begins";
  EXPECT_EQ(after->instructions, after->role_id == "therapist" ? "Notice the shift." : "Play the client's lines.");
  clock_.advance(10 * minute);
  EXPECT_EQ(w_->assignment_of("p1")->phase.phase_name, "Debrief");
  EXPECT_EQ(w_->assignment_of("p1")->role_id, after->role_id) << "swapped roles hold until another swap";
}

TEST_F(WorkshopTest, EndingTheRoundSendsEveryoneBackToTheMainRoom) {
  for (const auto* name : {"Ann", "Ben"}) join(name);
  keep(*w_->launch_round("listening"));
  clock_.advance(60 * minute);
  ASSERT_TRUE(w_->assignment_of("p1").has_value()) << "after the last phase the pair may still be debriefing";
  EXPECT_TRUE(w_->assignment_of("p1")->phase.finished);
  keep(*w_->end_round());
  EXPECT_FALSE(w_->assignment_of("p1").has_value()) << "an ended round still hands out a room";
  EXPECT_FALSE(w_->assignment_of("p2").has_value());
  EXPECT_EQ(w_->groups().size(), 1U) << "the facilitator still sees the last round's groups";
  EXPECT_EQ(w_->round_exercise_id(), "listening");
}

TEST_F(WorkshopTest, OddCountMakesATriadWithAnObserverChecklist) {
  for (const auto* name : {"Ann", "Ben", "Cas"}) join(name);
  keep(*w_->launch_round("listening"));
  std::size_t observers = 0;
  for (const auto& p : w_->people().participants()) {
    const auto a = w_->assignment_of(p.id);
    EXPECT_EQ(a->partner_names.size(), 2U);
    if (a->role_id == "observer") {
      ++observers;
      EXPECT_EQ(a->checklist, std::vector<std::string>{"Marker named?"});
    }
  }
  EXPECT_EQ(observers, 1U);
}

TEST_F(WorkshopTest, LateJoinerIsSlottedIntoTheRunningRound) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee"}) join(name);
  keep(*w_->launch_round("listening"));
  const auto late = join("Eve");
  const auto a = w_->assignment_of(late);
  ASSERT_TRUE(a.has_value()) << "a late joiner gets a group at once";
  EXPECT_EQ(a->role_id, "observer");
  EXPECT_TRUE(w_->people().find(late)->joined_late);
  expect_no_one_alone();
}

TEST_F(WorkshopTest, PartnerOfADropOutIsRegroupedAfterTheGracePeriod) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee", "Eli", "Fay"}) join(name);
  keep(*w_->launch_round("listening"));
  const auto& g = w_->groups().front();
  const std::string gone = g.members[0].participant;
  const std::string partner = g.members[1].participant;
  keep(*w_->set_presence(gone, v1::PRESENCE_DISCONNECTED));
  clock_.advance(59'000);
  EXPECT_TRUE(w_->tick().empty()) << "within the grace period the place is kept";
  EXPECT_EQ(w_->assignment_of(partner)->partner_names.size(), 1U);
  clock_.advance(1'000);
  const auto changed = w_->tick();
  ASSERT_EQ(changed.size(), 1U);
  keep(changed);
  EXPECT_FALSE(w_->assignment_of(gone).has_value());
  EXPECT_EQ(w_->assignment_of(partner)->partner_names.size(), 2U) << "the partner joins another group";
  expect_no_one_alone();
  // Coming back, the drop-out is slotted in again.
  keep(*w_->set_presence(gone, v1::PRESENCE_PRESENT));
  EXPECT_TRUE(w_->assignment_of(gone).has_value());
  expect_no_one_alone();
}

TEST_F(WorkshopTest, ManyDroppingTogetherAreOneEventAndComingBackRegroupsOnce) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee", "Eli", "Fay", "Gus", "Hal"}) join(name);
  keep(*w_->launch_round("listening"));
  const std::vector<std::string> dropped{"p1", "p3", "p5", "p9-unknown", "p3"};
  auto gone = w_->set_presence_of(dropped, v1::PRESENCE_DISCONNECTED);
  ASSERT_TRUE(gone.ok()) << gone.err().message;
  ASSERT_EQ(gone->size(), 1U) << "one event for all of them, and no regroup within the grace period";
  const auto& change = gone->front().presence();
  EXPECT_EQ(std::vector<std::string>(change.participant_ids().begin(), change.participant_ids().end()),
            (std::vector<std::string>{"p1", "p3", "p5"}))
      << "unknown ids and repeats are left out";
  keep(*gone);
  EXPECT_EQ(w_->people().count(v1::PRESENCE_DISCONNECTED), 3U);
  EXPECT_TRUE(w_->set_presence_of(dropped, v1::PRESENCE_DISCONNECTED)->empty()) << "nothing changes twice";

  clock_.advance(60'000);
  keep(w_->tick());
  expect_no_one_alone();
  auto back = w_->set_presence_of(std::vector<std::string>{"p1", "p3", "p5"}, v1::PRESENCE_PRESENT);
  ASSERT_TRUE(back.ok()) << back.err().message;
  ASSERT_EQ(back->size(), 2U) << "one presence event and one regroup for all three";
  EXPECT_TRUE(back->back().has_groups_changed());
  keep(*back);
  for (const auto* id : {"p1", "p3", "p5"}) EXPECT_TRUE(w_->assignment_of(id).has_value()) << id;
  expect_no_one_alone();

  auto rebuilt = workshop::replay(clock_, log_, 99);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.err().message;
  EXPECT_EQ(rebuilt->people().participants(), w_->people().participants());
  EXPECT_EQ(rebuilt->groups(), w_->groups());
}

TEST_F(WorkshopTest, ABatchNamingSomeoneUnknownChangesNoOneOnReplay) {
  join("Ann");
  join("Ben");
  v1::WorkshopEvent bad;
  bad.mutable_presence()->set_presence(v1::PRESENCE_DISCONNECTED);
  bad.mutable_presence()->add_participant_ids("p1");
  bad.mutable_presence()->add_participant_ids("p7");
  EXPECT_FALSE(w_->apply(bad).ok());
  EXPECT_EQ(w_->people().count(v1::PRESENCE_PRESENT), 2U) << "half an event applied";
}

TEST_F(WorkshopTest, MarkedAwayLeavesTheRoundAtOnce) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee"}) join(name);
  keep(*w_->launch_round("listening"));
  keep(*w_->set_presence("p1", v1::PRESENCE_AWAY));
  EXPECT_FALSE(w_->assignment_of("p1").has_value());
  expect_no_one_alone();
  auto preview = w_->preview_round("listening");
  ASSERT_TRUE(preview.ok());
  for (const auto& grp : preview->groups)
    for (const auto& m : grp.members) EXPECT_NE(m.participant, "p1") << "someone away is not paired";
}

TEST_F(WorkshopTest, ClockCommandsReachTheAssignmentAndRefusalsChangeNothing) {
  for (const auto* name : {"Ann", "Ben"}) join(name);
  keep(*w_->launch_round("listening"));
  const millis start = clock_.now();
  keep(*w_->extend_phase(2 * minute));
  EXPECT_EQ(w_->phase()->deadline, start + 12 * minute);
  clock_.advance(minute);
  keep(*w_->pause_phase());
  const auto paused = w_->phase();
  auto again = w_->pause_phase();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.err().code, errc::wrong_state);
  clock_.advance(30 * minute);
  EXPECT_EQ(w_->phase()->remaining_ms, 11 * minute) << "paused time stands still";
  EXPECT_EQ(w_->phase()->paused, paused->paused);
  keep(*w_->resume_phase());
  EXPECT_EQ(w_->phase()->deadline, clock_.now() + 11 * minute);
  keep(*w_->next_phase());
  EXPECT_EQ(w_->phase()->phase_name, "Swap");
  auto early = w_->launch_round("watching");
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.err().message.find("still running"), std::string::npos) << early.err().message;
  keep(*w_->end_round());
  EXPECT_FALSE(w_->round_running());
  ASSERT_TRUE(w_->launch_round("watching").ok());
}

TEST_F(WorkshopTest, AdjustedGroupsMustPlaceEveryonePresentOnce) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee", "Eli"}) join(name);
  auto preview = w_->preview_round("listening");
  ASSERT_TRUE(preview.ok());
  auto groups = preview->groups;
  // The facilitator swaps two people between rooms.
  std::swap(groups[0].members[1].participant, groups[1].members[1].participant);
  auto triad = std::find_if(groups.begin(), groups.end(), [](const pairing_group& g) { return g.members.size() == 3; });
  ASSERT_NE(triad, groups.end());
  auto missing = groups;
  missing[static_cast<std::size_t>(triad - groups.begin())].members.pop_back();
  auto refused = w_->launch_round("listening", missing);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.err().message.find("in no group"), std::string::npos) << refused.err().message;
  auto alone = groups;
  alone[0].members.resize(1);
  auto lonely = w_->launch_round("listening", alone);
  ASSERT_FALSE(lonely.ok());
  EXPECT_NE(lonely.err().message.find("alone"), std::string::npos) << lonely.err().message;
  auto two_therapists = groups;
  two_therapists[0].members[1].role = role_kind::therapist;
  auto unworkable = w_->launch_round("listening", two_therapists);
  ASSERT_FALSE(unworkable.ok());
  EXPECT_NE(unworkable.err().message.find("exactly one therapist"), std::string::npos) << unworkable.err().message;
  auto same_room = groups;
  same_room[1].room = same_room[0].room;
  ASSERT_FALSE(w_->launch_round("listening", same_room).ok());
  EXPECT_EQ(w_->round_number(), 0U) << "a refused launch changes nothing";
  auto launched = w_->launch_round("listening", groups);
  ASSERT_TRUE(launched.ok()) << launched.err().message;
  EXPECT_EQ(w_->groups(), groups);
}

TEST_F(WorkshopTest, FeedbackOpensAfterRoundsCountsOnceAndHidesBelowK) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee"}) join(name);
  auto early = submit("p1", "s1", rating("good"));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.err().code, errc::wrong_state);
  keep(*w_->launch_round("listening"));
  ASSERT_FALSE(w_->open_feedback().ok()) << "not while a round runs";
  keep(*w_->end_round());
  keep(*w_->open_feedback());
  auto first = submit("p1", "s1", rating("excellent"));
  ASSERT_TRUE(first.ok());
  keep(first->events);
  auto retry = submit("p1", "s1", rating("excellent"));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->outcome, submit_outcome::duplicate);
  EXPECT_TRUE(retry->events.empty());
  auto second = submit("p1", "s2", rating("good"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.err().code, errc::already_submitted);
  EXPECT_EQ(w_->responses_received(), 1U);
  keep(submit("p2", "x", rating("excellent"))->events);
  keep(submit("p3", "y", rating("good"))->events);
  EXPECT_TRUE(w_->tallies().hidden()) << "three responses, all held back until 2k = 6 are in or the workshop closes";
  EXPECT_EQ(w_->responses_shown(), 0U);
  EXPECT_NE(w_->tallies().hidden_reason().find("batches of at least 3"), std::string::npos)
      << w_->tallies().hidden_reason();
  EXPECT_EQ(w_->statistics("2026-11-21").tallies().responses(), 0U) << "the statistics follow the same batches";
  keep(*w_->close());
  EXPECT_EQ(w_->responses_shown(), 3U) << "closing shows every response";
  const auto t = w_->tallies();
  ASSERT_FALSE(t.hidden());
  EXPECT_EQ(t.questions(0).options(0).count(), 2U);
  EXPECT_EQ(t.questions(0).options(1).count(), 1U);
  const auto stats = w_->statistics("2026-11-21");
  EXPECT_EQ(stats.workshop_code(), "CALM-42");
  EXPECT_EQ(stats.participants(), 4U);
  EXPECT_EQ(stats.summary(), "Of the three participants: 2 rated the workshop as excellent, 1 as good.");
  EXPECT_EQ(w_->lifecycle(), v1::LIFECYCLE_CLOSED);
  EXPECT_FALSE(w_->join("Late", "").ok());
  auto late_retry = submit("p2", "x", rating("excellent"));
  ASSERT_TRUE(late_retry.ok()) << "a retry after closing is still acknowledged: " << late_retry.err().message;
  EXPECT_EQ(late_retry->outcome, submit_outcome::duplicate);
  auto late_new = submit("p4", "z", rating("good"));
  ASSERT_FALSE(late_new.ok());
  EXPECT_EQ(late_new.err().code, errc::wrong_state);
  EXPECT_EQ(w_->responses_received(), 3U);
}

TEST_F(WorkshopTest, ReplayOfTheLogRebuildsTheSameWorkshop) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee", "Eli"}) join(name);
  keep(*w_->launch_round("listening"));
  clock_.advance(3 * minute);
  keep(*w_->extend_phase(minute));
  keep(*w_->set_presence("p2", v1::PRESENCE_DISCONNECTED));
  clock_.advance(2 * minute);
  keep(w_->tick());
  join("Gus");
  keep(*w_->pause_phase());
  clock_.advance(minute);

  auto rebuilt = workshop::replay(clock_, log_, 99);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.err().message;
  EXPECT_EQ(rebuilt->groups(), w_->groups());
  EXPECT_EQ(rebuilt->phase(), w_->phase());
  EXPECT_EQ(rebuilt->people().participants(), w_->people().participants());
  for (const auto& p : w_->people().participants()) {
    const auto a = w_->assignment_of(p.id);
    const auto b = rebuilt->assignment_of(p.id);
    ASSERT_EQ(a.has_value(), b.has_value()) << p.id;
    if (a) {
      EXPECT_EQ(a->room, b->room);
      EXPECT_EQ(a->role_id, b->role_id);
      EXPECT_EQ(a->partner_names, b->partner_names);
    }
  }
  // And the next round pairs the same way, since the history was rebuilt too.
  keep(*w_->end_round());
  ASSERT_TRUE(rebuilt->end_round().ok());
  EXPECT_EQ(rebuilt->preview_round("listening")->groups, w_->preview_round("listening")->groups);
}

TEST_F(WorkshopTest, ReplayFromTheStoredSplitFormRestoresFeedbackWithoutLinkingIt) {
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee", "Eli", "Fay", "Gus"}) join(name);
  keep(*w_->open_feedback());
  const char* options[] = {"excellent", "good", "excellent", "good", "good", "excellent", "good"};
  for (int i = 0; i < 7; ++i) keep(submit("p" + std::to_string(i + 1), "s" + std::to_string(i), rating(options[i]))->events);
  ASSERT_EQ(w_->responses_shown(), 3U) << "released at 6 held back: all but the newest 3";
  // What the store gives back: ordinary events, then who submitted, then what, unlinked.
  event_list stored, responses;
  for (const auto& e : log_) {
    if (!e.has_feedback_submitted()) {
      stored.push_back(e);
      continue;
    }
    v1::WorkshopEvent who, what;
    who.mutable_feedback_submitted()->set_participant_id(e.feedback_submitted().participant_id());
    who.mutable_feedback_submitted()->set_submission_id(e.feedback_submitted().submission_id());
    *what.mutable_feedback_submitted()->mutable_response() = e.feedback_submitted().response();
    what.mutable_feedback_submitted()->set_response_key(e.feedback_submitted().response_key());
    stored.push_back(who);
    responses.push_back(what);
  }
  stored.insert(stored.end(), responses.begin(), responses.end());
  auto rebuilt = workshop::replay(clock_, stored, 5);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.err().message;
  EXPECT_EQ(rebuilt->responses_received(), 7U);
  EXPECT_EQ(rebuilt->responses_shown(), 3U) << "a restart shows no more and no fewer than before it";
  EXPECT_EQ(rebuilt->tallies().SerializeAsString(), w_->tallies().SerializeAsString());
  auto retry = rebuilt->submit_feedback("p2", "s1", rating("good"), 9);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->outcome, submit_outcome::duplicate) << "a retry after a restart still counts once";
  EXPECT_FALSE(rebuilt->submit_feedback("p3", "other", rating("good"), 10).ok());
  EXPECT_EQ(rebuilt->responses_received(), 7U);
  // After the restart the next batch comes when it would have: the held-back four and two more.
  ASSERT_TRUE(rebuilt->join("Hal", "").ok());
  ASSERT_TRUE(rebuilt->join("Ida", "").ok());
  ASSERT_TRUE(rebuilt->submit_feedback("p8", "s8", rating("good"), 11).ok());
  EXPECT_EQ(rebuilt->responses_shown(), 3U);
  ASSERT_TRUE(rebuilt->submit_feedback("p9", "s9", rating("good"), 12).ok());
  EXPECT_EQ(rebuilt->responses_shown(), 6U);
  ASSERT_TRUE(rebuilt->close().ok());
  EXPECT_EQ(rebuilt->responses_shown(), 9U);
}

TEST_F(WorkshopTest, FiguresChangeOnlyByBatchesOfAtLeastK) {
  // Whatever the count, every figure anyone can see (tallies and statistics) differs from every
  // other by no response or by k or more, so no one's answers can be read from a difference.
  const auto visible = [](const workshop& w) -> std::size_t {
    const auto t = w.tallies();
    return t.hidden() ? 0 : t.responses();
  };
  for (int people = 1; people <= 16; ++people) {
    SCOPED_TRACE(std::to_string(people) + " people");
    auto created = workshop::create(clock_, test_plan(), "CALM-" + std::to_string(people), 7, 99);
    ASSERT_TRUE(created.ok());
    workshop w = std::move(created->first);
    const std::size_t k = 3;
    for (int i = 0; i < people; ++i) ASSERT_TRUE(w.join("Person " + std::to_string(i), "").ok());
    ASSERT_TRUE(w.open_feedback().ok());
    std::vector<std::size_t> seen{visible(w)};
    for (int i = 0; i < people; ++i) {
      auto sent = w.submit_feedback("p" + std::to_string(i + 1), "s", rating(i % 2 ? "good" : "excellent"),
                                    1000U + static_cast<std::uint64_t>(i));
      ASSERT_TRUE(sent.ok()) << sent.err().message;
      const bool released = std::any_of(sent->events.begin(), sent->events.end(),
                                        [](const v1::WorkshopEvent& e) { return e.has_feedback_released(); });
      EXPECT_EQ(released, seen.back() != visible(w)) << "a change without its FeedbackReleased event";
      const auto stats = w.statistics("2026-11-30").tallies();
      EXPECT_EQ(stats.hidden() ? 0 : stats.responses(), visible(w)) << "the statistics follow the same batches";
      EXPECT_EQ(w.responses_shown(), visible(w));
      seen.push_back(visible(w));
    }
    ASSERT_TRUE(w.close().ok());
    seen.push_back(visible(w));
    EXPECT_EQ(seen.back(), people >= 3 ? static_cast<std::size_t>(people) : 0U)
        << "closing shows every response (or none, below k)";
    for (const auto a : seen)
      for (const auto b : seen)
        EXPECT_TRUE(a == b || (a > b ? a - b : b - a) >= k) << "figures of " << a << " and " << b << " responses";
  }
}

TEST_F(WorkshopTest, ResumeTokensAndTheFacilitatorHashSurviveReplay) {
  auto j = w_->join("Ann", "", "hash-of-ann");
  ASSERT_TRUE(j.ok());
  keep(j->events);
  EXPECT_EQ(w_->participant_by_resume_hash("hash-of-ann"), std::optional<std::string>("p1"));
  EXPECT_FALSE(w_->participant_by_resume_hash("unknown").has_value());
  EXPECT_FALSE(w_->join("Ben", "", "hash-of-ann").ok()) << "a resume token is one person's";
  auto rebuilt = workshop::replay(clock_, log_, 99);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->participant_by_resume_hash("hash-of-ann"), std::optional<std::string>("p1"));

  manual_clock clock;
  auto created = workshop::create(clock, test_plan(), "X", 1, 2, "facilitator-hash");
  ASSERT_TRUE(created.ok());
  auto again = workshop::replay(clock, created->second, 3);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->facilitator_token_sha256(), "facilitator-hash");
}

TEST(Workshop, ReplayRefusesALogThatDoesNotStartWithCreation) {
  manual_clock clock;
  v1::WorkshopEvent joined;
  joined.mutable_joined()->set_participant_id("p1");
  std::vector<v1::WorkshopEvent> log{joined};
  auto w = workshop::replay(clock, log, 1);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.err().message.find("must start"), std::string::npos) << w.err().message;
}

}  // namespace
}  // namespace dyad::core

namespace dyad::core {
namespace {

TEST_F(WorkshopTest, AReplacedFacilitatorTokenHoldsFromItsEventOnAndAfterReplay) {
  const std::string first(32, 'a');
  const std::string second(32, 'b');
  auto created = workshop::create(clock_, test_plan(), "LINK-42", 7, 99, first);
  ASSERT_TRUE(created.ok());
  auto& w = created->first;
  event_list log = created->second;
  EXPECT_EQ(w.facilitator_token_sha256(), first);

  clock_.advance(5 * minute);
  auto replaced = w.replace_facilitator_token(second);
  ASSERT_TRUE(replaced.ok()) << replaced.err().message;
  ASSERT_EQ(replaced->size(), 1U);
  EXPECT_EQ(replaced->front().facilitator_token_replaced().at_ms(), clock_.now());
  EXPECT_EQ(w.facilitator_token_sha256(), second);
  log.insert(log.end(), replaced->begin(), replaced->end());

  auto rebuilt = workshop::replay(clock_, log, 1);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.err().message;
  EXPECT_EQ(rebuilt->facilitator_token_sha256(), second) << "a replay gave the old link back";

  // Closed workshops keep their report, so a new link is allowed after the day too.
  ASSERT_TRUE(w.open_feedback().ok());
  ASSERT_TRUE(w.close().ok());
  EXPECT_TRUE(w.replace_facilitator_token(first).ok());

  auto bad = w.replace_facilitator_token("short");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(w.facilitator_token_sha256(), first) << "a refused replacement changed the token";
}

}  // namespace
}  // namespace dyad::core

namespace dyad::core {
namespace {

TEST_F(WorkshopTest, ABroadcastLastsUntilItsRoundEndsOrANewerOneAndSurvivesAReplay) {
  for (const char* name : {"Ana", "Ben", "Cleo", "Dev"}) join(name);
  auto first = w_->broadcast("Welcome: rooms open in a minute.");
  ASSERT_TRUE(first.ok()) << first.err().message;
  keep(*first);
  ASSERT_TRUE(w_->current_broadcast());
  // Sent between rounds, it lasts until the next round starts.
  auto launched = w_->launch_round("listening");
  ASSERT_TRUE(launched.ok()) << launched.err().message;
  keep(*launched);
  EXPECT_FALSE(w_->current_broadcast()) << "a message from before the round showed through it";

  clock_.advance(minute);
  auto during = w_->broadcast("Two minutes left.");
  ASSERT_TRUE(during.ok());
  keep(*during);
  clock_.advance(minute);
  auto newer = w_->broadcast("Swap roles now.");
  ASSERT_TRUE(newer.ok());
  keep(*newer);
  ASSERT_TRUE(w_->current_broadcast());
  EXPECT_EQ(w_->current_broadcast()->text(), "Swap roles now.") << "the newer message replaces the older";

  auto rebuilt = workshop::replay(clock_, log_, 1);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.err().message;
  ASSERT_TRUE(rebuilt->current_broadcast()) << "a restart lost the message showing";
  EXPECT_EQ(rebuilt->current_broadcast()->text(), "Swap roles now.");
  EXPECT_EQ(rebuilt->current_broadcast()->at_ms(), clock_.now());

  auto ended = w_->end_round();
  ASSERT_TRUE(ended.ok());
  keep(*ended);
  EXPECT_FALSE(w_->current_broadcast()) << "round 1's message outlived its round";
  EXPECT_FALSE(workshop::replay(clock_, log_, 1)->current_broadcast());

  EXPECT_FALSE(w_->broadcast("").ok());
  EXPECT_FALSE(w_->broadcast(std::string(workshop::max_broadcast_chars + 1, 'x')).ok());
  ASSERT_TRUE(w_->broadcast("Feedback next.").ok());
  ASSERT_TRUE(w_->open_feedback().ok());
  EXPECT_FALSE(w_->current_broadcast()) << "a message stayed over the feedback form";
  ASSERT_TRUE(w_->close().ok());
  EXPECT_FALSE(w_->broadcast("Anyone there?").ok()) << "a closed workshop took a message";
}

}  // namespace
}  // namespace dyad::core

namespace dyad::core {
namespace {

TEST_F(WorkshopTest, HelpRequestsAreAskedHandledWithdrawnAndEndWithTheirRound) {
  const auto ana = join("Ana");
  join("Ben");
  join("Cleo");
  join("Dev");
  keep(*w_->launch_round("listening"));
  const auto room = w_->assignment_of(ana)->room;
  EXPECT_FALSE(w_->ask_for_help(ana, 7, "").ok()) << "a press meant for another round changed this one";

  auto asked = w_->ask_for_help(ana, 1, "Our client froze.");
  ASSERT_TRUE(asked.ok()) << asked.err().message;
  keep(*asked);
  ASSERT_TRUE(w_->room_statuses().at(room).help_open);
  EXPECT_EQ(w_->room_statuses().at(room).help_note, "Our client froze.");
  EXPECT_TRUE(w_->assignment_of(ana)->help_open);
  EXPECT_EQ(w_->assignment_of(ana)->help_from, ana);

  // The facilitator sees to it; a second "handled" stores nothing.
  auto handled = w_->help_handled(room, 1);
  ASSERT_TRUE(handled.ok()) << handled.err().message;
  keep(*handled);
  EXPECT_FALSE(w_->room_statuses().at(room).help_open);
  EXPECT_TRUE(w_->assignment_of(ana)->help_handled) << "the room is not told the facilitator saw to it";
  EXPECT_TRUE(w_->help_handled(room, 1)->empty());
  EXPECT_FALSE(w_->help_handled("Room 99", 1).ok());

  // Asked again, then "never mind" from the room.
  keep(*w_->ask_for_help(ana, 0, ""));
  keep(*w_->withdraw_help(ana, 0));
  EXPECT_FALSE(w_->room_statuses().at(room).help_open);
  EXPECT_FALSE(w_->assignment_of(ana)->help_handled);
  EXPECT_TRUE(w_->withdraw_help(ana, 0)->empty());

  // Time runs out: the room can still ask, and say it is done, which ends its request.
  clock_.advance(60 * minute);
  EXPECT_FALSE(w_->round_running());
  keep(*w_->ask_for_help(ana, 1, "One more question."));
  keep(*w_->mark_done(ana, 1));
  EXPECT_TRUE(w_->room_statuses().at(room).done);
  EXPECT_FALSE(w_->room_statuses().at(room).help_open);
  EXPECT_TRUE(w_->mark_done(ana, 1)->empty()) << "done twice stored twice";
  keep(*w_->ask_for_help(ana, 1, "Still here."));

  // All of it is in the log: a restart shows the same.
  auto rebuilt = workshop::replay(clock_, log_, 1);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.err().message;
  EXPECT_TRUE(rebuilt->room_statuses().at(room).done);
  EXPECT_TRUE(rebuilt->room_statuses().at(room).help_open);
  EXPECT_EQ(rebuilt->room_statuses().at(room).help_note, "Still here.");

  // Ended by the facilitator: nothing more to ask in it, and the next round starts afresh.
  keep(*w_->end_round());
  EXPECT_FALSE(w_->ask_for_help(ana, 1, "").ok());
  keep(*w_->launch_round("listening"));
  EXPECT_TRUE(w_->room_statuses().empty());
}

}  // namespace
}  // namespace dyad::core

namespace dyad::core {
namespace {

TEST(WorkshopPhases, ARoomWithNoObserverIsToldWhatToDoInTheObserversPhase) {
  auto plan = test_plan();
  for (auto& ex : *plan.mutable_exercises()) {
    if (ex.id() != "watching") continue;
    auto* phase = ex.add_phases();
    phase->set_name("Observer's feedback");
    phase->set_minutes(5);
    auto* note = phase->add_role_notes();
    note->set_role("o");
    note->set_text("Two things that helped.");
  }
  manual_clock clock;
  auto created = workshop::create(clock, plan, "OBSV-42", 7, 99);
  ASSERT_TRUE(created.ok()) << created.err().message;
  auto& w = created->first;
  std::vector<std::string> ids;
  for (const char* name : {"Ana", "Ben", "Cleo", "Dev", "Eve"}) ids.push_back(w.join(name, "")->participant_id);
  ASSERT_TRUE(w.launch_round("watching").ok());
  clock.advance(15 * minute + 1);  // into the observer's phase
  int told = 0, observers = 0;
  for (const auto& id : ids) {
    const auto a = w.assignment_of(id);
    ASSERT_TRUE(a);
    const bool in_triad = a->partner_names.size() == 2;
    const bool note = std::any_of(a->phase_notes.begin(), a->phase_notes.end(),
                                  [](const std::string& n) { return n.starts_with("There is no observer in your room"); });
    if (a->role_name == "Observer") ++observers;
    EXPECT_EQ(note, !in_triad) << id << " in " << a->room;
    told += note ? 1 : 0;
  }
  EXPECT_EQ(observers, 1);
  EXPECT_EQ(told, 2) << "the pair of a five-person triad exercise is told what to do";
}

// ---------------------------------------------------------------------------------------------
// Erasing personal data after the day

class WorkshopErasure : public WorkshopTest {
protected:
  // A whole day: people with e-mails (two of them with the same name), two rounds with a late
  // joiner and someone leaving, a help request with a note naming someone, a broadcast naming
  // someone, feedback with comments, closed.
  void run_the_day() {
    char token = 'a';
    for (const auto& [name, email] : people_) {
      auto j = w_->join(name, email, std::string(32, token++));
      ASSERT_TRUE(j.ok()) << j.err().message;
      keep(j->events);
    }
    keep(*w_->launch_round("listening"));
    clock_.advance(2 * minute);
    auto help = w_->ask_for_help("p1", 0, "Ben Ortiz cannot hear me");
    ASSERT_TRUE(help.ok()) << help.err().message;
    keep(*help);
    keep(*w_->broadcast("Zebedee Quartermaine, please come back to Room 1."));
    auto late = w_->join("Søren Ærø", "soren@example.dk");
    ASSERT_TRUE(late.ok()) << late.err().message;
    keep(late->events);
    keep(*w_->set_presence("p2", v1::PRESENCE_LEFT));
    keep(*w_->end_round());
    keep(*w_->launch_round("watching"));
    clock_.advance(15 * minute);
    keep(*w_->end_round());
    keep(*w_->open_feedback());
    const char* options[] = {"excellent", "good", "excellent", "fair", "good"};
    for (int i = 0; i < 5; ++i) {
      const auto id = "p" + std::to_string(i + 1);
      if (id == "p2") continue;
      auto sent = submit(id, "s" + id, response_of({choice("overall", options[i]), text("useful", "the repair")}));
      ASSERT_TRUE(sent.ok()) << sent.err().message;
      keep(sent->events);
    }
    keep(*w_->close());
  }

  workshop replayed(const event_list& events) {
    auto w = workshop::replay(clock_, events, 99);
    EXPECT_TRUE(w.ok()) << w.err().message;
    return std::move(*w);
  }

  const std::vector<std::pair<std::string, std::string>> people_ = {
      {"Zebedee Quartermaine", "zq@example.org"},
      {"Ben Ortiz", "ben@example.org"},
      {"Ann", ""},
      {"ann", "ann.two@example.org"},
      {"Cas", "cas@example.org"},
  };
};

TEST_F(WorkshopErasure, NamesBecomeParticipantNInJoinOrderAndEmailsGo) {
  run_the_day();
  auto erased = erase_personal_data(log_, 1'800'000'000'000);
  ASSERT_TRUE(erased.ok()) << erased.err().message;
  ASSERT_EQ(erased->size(), log_.size() + 1);
  ASSERT_TRUE(erased->back().has_personal_data_erased());
  EXPECT_EQ(erased->back().personal_data_erased().at_ms(), 1'800'000'000'000);

  const auto after = replayed(*erased);
  ASSERT_EQ(after.people().size(), 6U);
  for (std::size_t i = 0; i < after.people().size(); ++i) {
    const auto& p = after.people().participants()[i];
    EXPECT_EQ(p.id, "p" + std::to_string(i + 1));
    EXPECT_EQ(p.display_name, "Participant " + std::to_string(i + 1));
    EXPECT_EQ(p.shown_name, p.display_name);
    EXPECT_EQ(p.email, "");
  }
  EXPECT_EQ(after.personal_data_erased_ms(), 1'800'000'000'000);
  EXPECT_FALSE(replayed(log_).personal_data_erased_ms());
  EXPECT_EQ(replayed(log_).participant_by_resume_hash(std::string(32, 'a')), "p1");
  EXPECT_FALSE(after.participant_by_resume_hash(std::string(32, 'a'))) << "a resume token still opens a named seat";

  // Nothing of a name or an address is left in any event, in any case.
  std::vector<std::string> personal = {"Zebedee", "zebedee", "ZEBEDEE", "Quartermaine", "Ortiz", "Søren", "Ærø",
                                       "example.org", "example.dk", "zq@", "ann.two"};
  for (std::size_t i = 0; i < erased->size(); ++i) {
    const auto bytes = (*erased)[i].SerializeAsString();
    const auto words = (*erased)[i].ShortDebugString();
    for (const auto& word : personal) {
      EXPECT_EQ(bytes.find(word), std::string::npos) << "event " << i + 1 << " still holds " << word << ": " << words;
    }
    // "Ann" can be part of nothing else here; look for it as a name field.
    if ((*erased)[i].has_joined()) {
      EXPECT_NE((*erased)[i].joined().display_name(), "Ann");
    }
  }
  // Everything that is not a name, an address, a note or a message is kept byte for byte.
  for (std::size_t i = 0; i < log_.size(); ++i) {
    const auto& e = log_[i];
    if (e.has_joined() || (e.has_room_status() && !e.room_status().note().empty()) || e.has_broadcast_sent()) continue;
    EXPECT_EQ((*erased)[i].SerializeAsString(), e.SerializeAsString()) << "event " << i + 1 << " changed: "
                                                                       << e.ShortDebugString();
  }
}

TEST_F(WorkshopErasure, TheFiguresGroupsAndRoundsStayTheSame) {
  run_the_day();
  auto erased = erase_personal_data(log_, 1'800'000'000'000);
  ASSERT_TRUE(erased.ok()) << erased.err().message;
  const auto before = replayed(log_);
  const auto after = replayed(*erased);
  EXPECT_EQ(after.statistics("2026-11-21").SerializeAsString(), before.statistics("2026-11-21").SerializeAsString());
  EXPECT_EQ(after.tallies().SerializeAsString(), before.tallies().SerializeAsString());
  EXPECT_EQ(after.as_series_run("2026-11-21").info.participants, before.as_series_run("2026-11-21").info.participants);
  EXPECT_EQ(after.statistics("2026-11-21").participants(), 6U);
  EXPECT_EQ(after.responses_shown(), 4U);
  EXPECT_EQ(after.round_number(), 2U);
  EXPECT_EQ(after.round_exercise_id(), "watching");
  EXPECT_EQ(after.groups(), before.groups());
  EXPECT_EQ(after.lifecycle(), v1::LIFECYCLE_CLOSED);
  for (const auto& p : before.people().participants()) {
    const auto* q = after.people().find(p.id);
    ASSERT_NE(q, nullptr) << p.id;
    EXPECT_EQ(q->presence, p.presence) << p.id;
    EXPECT_EQ(q->joined_late, p.joined_late) << p.id;
    EXPECT_TRUE(after.feedback().has_submitted(p.id) == before.feedback().has_submitted(p.id)) << p.id;
    for (const auto& o : before.people().participants())
      EXPECT_EQ(after.history().times_met(p.id, o.id), before.history().times_met(p.id, o.id)) << p.id << o.id;
  }
  EXPECT_EQ(after.preview_round("listening")->groups, before.preview_round("listening")->groups)
      << "the next round would pair alike, so the pairing history is the same";
}

TEST_F(WorkshopErasure, TheLiveWorkshopDropsTheNamesWhenTheEventApplies) {
  run_the_day();
  auto erased = erase_personal_data(log_, 1'800'000'000'000);
  ASSERT_TRUE(erased.ok()) << erased.err().message;
  ASSERT_TRUE(w_->apply(erased->back()).ok());
  for (std::size_t i = 0; i < w_->people().size(); ++i) {
    EXPECT_EQ(w_->people().participants()[i].shown_name, "Participant " + std::to_string(i + 1));
    EXPECT_EQ(w_->people().participants()[i].email, "");
  }
  EXPECT_EQ(w_->people().participants(), replayed(*erased).people().participants())
      << "the workshop held since the day and the one rebuilt from the erased log agree";
}

TEST_F(WorkshopErasure, ErasingTwiceChangesNothing) {
  run_the_day();
  auto once = erase_personal_data(log_, 1'800'000'000'000);
  ASSERT_TRUE(once.ok()) << once.err().message;
  auto twice = erase_personal_data(*once, 1'900'000'000'000);
  ASSERT_TRUE(twice.ok()) << twice.err().message;
  ASSERT_EQ(twice->size(), once->size()) << "no second PersonalDataErased";
  for (std::size_t i = 0; i < once->size(); ++i)
    EXPECT_EQ((*twice)[i].SerializeAsString(), (*once)[i].SerializeAsString()) << "event " << i + 1;
  EXPECT_EQ(replayed(*twice).personal_data_erased_ms(), 1'800'000'000'000);
}

TEST_F(WorkshopErasure, AnOpenWorkshopIsRefused) {
  auto at = [&](const char* when) {
    auto refused = erase_personal_data(log_, 1'800'000'000'000);
    ASSERT_FALSE(refused.ok()) << when << ": erased an open workshop";
    EXPECT_EQ(refused.err().code, errc::wrong_state) << when;
    EXPECT_NE(refused.err().message.find("close the workshop first"), std::string::npos) << refused.err().message;
  };
  at("in the lobby");
  for (const auto& [name, email] : people_) keep(w_->join(name, email)->events);
  at("with people in the lobby");
  keep(*w_->launch_round("listening"));
  at("during a round");
  keep(*w_->end_round());
  keep(*w_->open_feedback());
  at("with feedback open");
  v1::WorkshopEvent mark;
  mark.mutable_personal_data_erased()->set_at_ms(1'800'000'000'000);
  auto applied = w_->apply(mark);
  EXPECT_FALSE(applied.ok()) << "the live workshop took an erasure while open";
  EXPECT_EQ(w_->people().participants()[0].display_name, "Zebedee Quartermaine") << "a refused erasure changed the roster";
  auto none = erase_personal_data(event_list{}, 1);
  EXPECT_FALSE(none.ok());
}

}  // namespace
}  // namespace dyad::core
