#include "core/round_clock.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

// Lets GoogleTest print a view readably when two differ.
void PrintTo(const round_clock::view& v, std::ostream* os) {
  *os << "{phase " << v.phase_index << "/" << v.phase_count << " \"" << v.phase_name << "\""
      << (v.swap_roles ? " swap" : "") << ", deadline " << v.deadline
      << (v.paused ? ", paused" : "") << ", remaining " << v.remaining_ms
      << (v.finished ? ", finished" : "") << ", round ends " << v.round_ends_at << "}";
}

namespace {

constexpr millis second = 1'000;
constexpr millis minute = 60 * second;

// The reference exercise: practise, swap roles and practise again, then debrief.
std::vector<phase_spec> three_phases() {
  return {{"Practice", 10 * minute, false},
          {"Swap roles", 10 * minute, true},
          {"Debrief", 5 * minute, false}};
}

testing::AssertionResult succeeded(const status& s) {
  if (s.ok()) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "refused: " << s.err().message;
}

testing::AssertionResult refused(const status& s, errc code, std::string_view words) {
  if (s.ok()) return testing::AssertionFailure() << "accepted; expected a refusal";
  if (s.err().code != code) {
    return testing::AssertionFailure() << "refused with code " << static_cast<int>(s.err().code)
                                       << " instead of " << static_cast<int>(code) << ": "
                                       << s.err().message;
  }
  if (s.err().message.find(words) == std::string::npos) {
    return testing::AssertionFailure() << "message lacks \"" << words
                                       << "\": " << s.err().message;
  }
  return testing::AssertionSuccess();
}

// A refused command must leave the clock as it was, seen from any instant from `now` on.
void expect_same_views(const round_clock& before, const round_clock& after, millis now) {
  for (const millis offset : {millis{0}, 1 * second, 5 * minute, 10 * minute, 30 * minute,
                              2 * 60 * minute}) {
    EXPECT_EQ(before.at(now + offset), after.at(now + offset)) << "at now + " << offset << " ms";
  }
  EXPECT_EQ(before.last_command_at(), after.last_command_at());
}

class RoundClock : public testing::Test {
protected:
  manual_clock clock_;
  const millis start_ = clock_.now();
  round_clock round_{three_phases(), start_};
};

TEST_F(RoundClock, StartsInFirstPhaseWithFullLength) {
  const auto v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 0U);
  EXPECT_EQ(v.phase_count, 3U);
  EXPECT_EQ(v.phase_name, "Practice");
  EXPECT_FALSE(v.swap_roles);
  EXPECT_EQ(v.deadline, start_ + 10 * minute);
  EXPECT_EQ(v.remaining_ms, 10 * minute);
  EXPECT_FALSE(v.paused);
  EXPECT_FALSE(v.finished);
  EXPECT_EQ(v.round_ends_at, start_ + 25 * minute);
}

TEST(RoundClockPhases, BuiltFromExerciseInMilliseconds) {
  dyad::v1::Exercise exercise;
  auto* practice = exercise.add_phases();
  practice->set_name("Practice");
  practice->set_minutes(10);
  auto* swap = exercise.add_phases();
  swap->set_name("Swap roles");
  swap->set_minutes(7);
  swap->set_swap_roles(true);

  const std::vector<phase_spec> expected{{"Practice", 10 * minute, false},
                                         {"Swap roles", 7 * minute, true}};
  EXPECT_EQ(phases_of(exercise), expected);
}

TEST_F(RoundClock, RollsOverToNextPhaseExactlyAtDeadline) {
  clock_.set(start_ + 10 * minute - 1);
  auto v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 0U);
  EXPECT_EQ(v.remaining_ms, 1);

  clock_.set(start_ + 10 * minute);
  v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 1U);
  EXPECT_EQ(v.phase_name, "Swap roles");
  EXPECT_TRUE(v.swap_roles);
  EXPECT_EQ(v.deadline, start_ + 20 * minute);
  EXPECT_EQ(v.remaining_ms, 10 * minute);
}

TEST_F(RoundClock, NextPhaseStartsAtPreviousDeadlineNotWhenSomeoneLooks) {
  // Nobody looked for 13 minutes: phase 1 began at minute 10, so 7 minutes are left.
  clock_.set(start_ + 13 * minute);
  EXPECT_EQ(round_.at(clock_.now()).remaining_ms, 7 * minute);

  // A command arriving late sees the same schedule.
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  const auto v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 1U);
  EXPECT_EQ(v.remaining_ms, 7 * minute);
}

TEST_F(RoundClock, FinishesExactlyAtExpectedEnd) {
  clock_.set(start_ + 25 * minute - 1);
  auto v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 2U);
  EXPECT_FALSE(v.finished);
  EXPECT_EQ(v.remaining_ms, 1);

  clock_.set(start_ + 25 * minute);
  v = round_.at(clock_.now());
  EXPECT_TRUE(v.finished);
  EXPECT_EQ(v.phase_index, 2U);
  EXPECT_EQ(v.remaining_ms, 0);
  EXPECT_EQ(v.round_ends_at, start_ + 25 * minute);

  clock_.advance(60 * minute);
  EXPECT_EQ(round_.at(clock_.now()).remaining_ms, 0) << "remaining is clamped at zero";
}

TEST_F(RoundClock, ExtendMovesCurrentDeadlineAndRoundEnd) {
  clock_.advance(4 * minute);
  ASSERT_TRUE(succeeded(round_.extend(clock_.now(), 3 * minute)));
  auto v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 0U);
  EXPECT_EQ(v.deadline, start_ + 13 * minute);
  EXPECT_EQ(v.remaining_ms, 9 * minute);
  EXPECT_EQ(v.round_ends_at, start_ + 28 * minute);

  // The later phases keep their lengths and follow the new deadline.
  clock_.set(start_ + 13 * minute);
  v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 1U);
  EXPECT_EQ(v.deadline, start_ + 23 * minute);
}

TEST_F(RoundClock, ExtendAcceptsOneSecondToSixtyMinutes) {
  ASSERT_TRUE(succeeded(round_.extend(clock_.now(), 1 * second)));
  ASSERT_TRUE(succeeded(round_.extend(clock_.now(), 60 * minute)));
  EXPECT_EQ(round_.at(clock_.now()).deadline, start_ + 10 * minute + 1 * second + 60 * minute);
}

TEST_F(RoundClock, ExtendOutsideRangeIsRefusedAndChangesNothing) {
  clock_.advance(2 * minute);
  for (const millis by : {millis{-1000}, millis{0}, millis{999}, 60 * minute + 1}) {
    const round_clock before = round_;
    EXPECT_TRUE(refused(round_.extend(clock_.now(), by), errc::invalid_argument,
                        "between 1 second and 60 minutes"))
        << "by " << by << " ms";
    expect_same_views(before, round_, clock_.now());
  }
}

TEST_F(RoundClock, ExtendWhilePausedAddsToRemaining) {
  clock_.advance(6 * minute);
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  ASSERT_TRUE(succeeded(round_.extend(clock_.now(), 2 * minute)));
  clock_.advance(30 * minute);
  auto v = round_.at(clock_.now());
  EXPECT_TRUE(v.paused);
  EXPECT_EQ(v.remaining_ms, 6 * minute);

  ASSERT_TRUE(succeeded(round_.resume(clock_.now())));
  v = round_.at(clock_.now());
  EXPECT_EQ(v.deadline, clock_.now() + 6 * minute);
  EXPECT_EQ(v.round_ends_at, clock_.now() + 6 * minute + 15 * minute);
}

TEST_F(RoundClock, PauseFreezesRemainingAcrossAnySpan) {
  clock_.advance(3 * minute + 250);
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  const millis frozen = 7 * minute - 250;
  for (const millis span : {millis{0}, millis{1}, 10 * minute, 25 * minute, 3 * 24 * 60 * minute}) {
    const auto v = round_.at(clock_.now() + span);
    EXPECT_TRUE(v.paused) << "after " << span << " ms";
    EXPECT_EQ(v.phase_index, 0U) << "after " << span << " ms";
    EXPECT_EQ(v.remaining_ms, frozen) << "after " << span << " ms";
    EXPECT_FALSE(v.finished) << "after " << span << " ms";
    EXPECT_EQ(v.round_ends_at, clock_.now() + span + frozen + 15 * minute)
        << "the expected end moves while paused";
  }
}

TEST_F(RoundClock, ResumeRestoresRemainingExactly) {
  clock_.advance(3 * minute + 250);
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  clock_.advance(47 * minute + 13);
  ASSERT_TRUE(succeeded(round_.resume(clock_.now())));

  const millis resumed = clock_.now();
  auto v = round_.at(resumed);
  EXPECT_FALSE(v.paused);
  EXPECT_EQ(v.remaining_ms, 7 * minute - 250);
  EXPECT_EQ(v.deadline, resumed + 7 * minute - 250);
  EXPECT_EQ(v.round_ends_at, resumed + 7 * minute - 250 + 15 * minute);

  // Time runs again, and the following phase starts at the new deadline.
  v = round_.at(resumed + 7 * minute - 250);
  EXPECT_EQ(v.phase_index, 1U);
  EXPECT_EQ(v.remaining_ms, 10 * minute);
}

TEST_F(RoundClock, PauseWhenPausedIsRefusedAndChangesNothing) {
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  clock_.advance(1 * minute);
  const round_clock before = round_;
  EXPECT_TRUE(refused(round_.pause(clock_.now()), errc::wrong_state, "already paused"));
  expect_same_views(before, round_, clock_.now());
}

TEST_F(RoundClock, ResumeWhenRunningIsRefusedAndChangesNothing) {
  clock_.advance(1 * minute);
  const round_clock before = round_;
  EXPECT_TRUE(refused(round_.resume(clock_.now()), errc::wrong_state, "not paused"));
  expect_same_views(before, round_, clock_.now());
}

TEST_F(RoundClock, NextPhaseStartsNextPhaseNowWithFullLength) {
  clock_.advance(4 * minute);
  ASSERT_TRUE(succeeded(round_.next_phase(clock_.now())));
  const auto v = round_.at(clock_.now());
  EXPECT_EQ(v.phase_index, 1U);
  EXPECT_EQ(v.phase_name, "Swap roles");
  EXPECT_TRUE(v.swap_roles);
  EXPECT_EQ(v.remaining_ms, 10 * minute);
  EXPECT_EQ(v.deadline, clock_.now() + 10 * minute);
  EXPECT_EQ(v.round_ends_at, clock_.now() + 15 * minute);
}

TEST_F(RoundClock, NextPhaseWhilePausedStartsNextPhaseRunning) {
  clock_.advance(4 * minute);
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  clock_.advance(2 * minute);
  ASSERT_TRUE(succeeded(round_.next_phase(clock_.now())));
  const auto v = round_.at(clock_.now() + 1 * minute);
  EXPECT_EQ(v.phase_index, 1U);
  EXPECT_FALSE(v.paused);
  EXPECT_EQ(v.remaining_ms, 9 * minute);
}

TEST_F(RoundClock, NextPhaseOnLastPhaseFinishesRound) {
  ASSERT_TRUE(succeeded(round_.next_phase(clock_.now())));
  ASSERT_TRUE(succeeded(round_.next_phase(clock_.now())));
  clock_.advance(2 * minute);
  ASSERT_TRUE(succeeded(round_.next_phase(clock_.now())));
  const auto v = round_.at(clock_.now());
  EXPECT_TRUE(v.finished);
  EXPECT_EQ(v.phase_index, 2U);
  EXPECT_EQ(v.remaining_ms, 0);
  EXPECT_EQ(v.round_ends_at, clock_.now());
}

TEST_F(RoundClock, EndFinishesRoundNow) {
  clock_.advance(12 * minute);
  ASSERT_TRUE(succeeded(round_.end(clock_.now())));
  const millis ended = clock_.now();
  clock_.advance(30 * minute);
  const auto v = round_.at(clock_.now());
  EXPECT_TRUE(v.finished);
  EXPECT_FALSE(v.paused);
  EXPECT_EQ(v.phase_index, 1U) << "the phase it ended in";
  EXPECT_EQ(v.remaining_ms, 0);
  EXPECT_EQ(v.round_ends_at, ended);
}

TEST_F(RoundClock, EndWhilePausedFinishesRound) {
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  ASSERT_TRUE(succeeded(round_.end(clock_.now())));
  const auto v = round_.at(clock_.now());
  EXPECT_TRUE(v.finished);
  EXPECT_FALSE(v.paused);
}

TEST_F(RoundClock, EveryCommandAfterEndIsRefusedAndChangesNothing) {
  ASSERT_TRUE(succeeded(round_.end(clock_.now())));
  clock_.advance(1 * minute);
  const round_clock before = round_;
  const millis now = clock_.now();
  EXPECT_TRUE(refused(round_.extend(now, minute), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.pause(now), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.resume(now), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.next_phase(now), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.end(now), errc::wrong_state, "already finished"));
  expect_same_views(before, round_, now);
}

TEST_F(RoundClock, EveryCommandAfterLastDeadlineIsRefused) {
  clock_.set(start_ + 25 * minute);
  const round_clock before = round_;
  const millis now = clock_.now();
  EXPECT_TRUE(refused(round_.extend(now, minute), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.pause(now), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.resume(now), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.next_phase(now), errc::wrong_state, "already finished"));
  EXPECT_TRUE(refused(round_.end(now), errc::wrong_state, "already finished"));
  expect_same_views(before, round_, now);
}

TEST_F(RoundClock, CommandStampedBeforeLastCommandIsRefusedAndChangesNothing) {
  clock_.advance(5 * minute);
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  const round_clock before = round_;
  const millis earlier = clock_.now() - 1;
  EXPECT_TRUE(refused(round_.resume(earlier), errc::invalid_argument, "time cannot run backwards"));
  EXPECT_TRUE(refused(round_.extend(earlier, minute), errc::invalid_argument, "backwards"));
  EXPECT_TRUE(refused(round_.next_phase(earlier), errc::invalid_argument, "backwards"));
  EXPECT_TRUE(refused(round_.end(earlier), errc::invalid_argument, "backwards"));
  expect_same_views(before, round_, clock_.now());
}

TEST_F(RoundClock, CommandStampedBeforeStartIsRefused) {
  EXPECT_TRUE(refused(round_.pause(start_ - 1), errc::invalid_argument, "backwards"));
}

TEST_F(RoundClock, CommandsInSameMillisecondAreAccepted) {
  clock_.advance(5 * minute);
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  ASSERT_TRUE(succeeded(round_.resume(clock_.now())));
  EXPECT_EQ(round_.at(clock_.now()).remaining_ms, 5 * minute);
}

TEST_F(RoundClock, ViewBeforeLastCommandShowsStateAtThatCommand) {
  clock_.advance(5 * minute);
  ASSERT_TRUE(succeeded(round_.pause(clock_.now())));
  EXPECT_EQ(round_.at(start_), round_.at(clock_.now()));
}

TEST(RoundClockReplay, SameCommandsGiveIdenticalViews) {
  enum class kind { extend, pause, resume, next_phase, end };
  struct command {
    kind what;
    millis at;
    millis by_ms = 0;
  };
  const millis start = manual_clock{}.now();
  // A facilitator's afternoon: an extension, a pause across the old deadline, an extension
  // while paused, a refused second resume, moving on early, and ending during the debrief.
  const std::vector<command> log{
      {kind::extend, start + 2 * minute, 90 * second},
      {kind::pause, start + 9 * minute},
      {kind::extend, start + 10 * minute, 30 * second},
      {kind::resume, start + 14 * minute + 7},
      {kind::resume, start + 15 * minute},
      {kind::next_phase, start + 21 * minute},
      {kind::pause, start + 22 * minute},
      {kind::resume, start + 22 * minute},
      {kind::end, start + 24 * minute},
  };
  const auto apply = [](round_clock& round, const command& c) {
    switch (c.what) {
      case kind::extend: return round.extend(c.at, c.by_ms);
      case kind::pause: return round.pause(c.at);
      case kind::resume: return round.resume(c.at);
      case kind::next_phase: return round.next_phase(c.at);
      case kind::end: return round.end(c.at);
    }
    return status{make_error(errc::invalid_argument, "unknown command")};
  };

  // Live: views are taken between commands, as participants would poll.
  round_clock live(three_phases(), start);
  std::vector<bool> outcomes;
  for (const auto& c : log) {
    (void)live.at(c.at - 1);
    outcomes.push_back(apply(live, c).ok());
  }
  // Replayed in one go, as the server rebuilds from its event log.
  round_clock replayed(three_phases(), start);
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(apply(replayed, log[i]).ok(), outcomes[i]) << "command " << i;
  }
  EXPECT_FALSE(outcomes[4]) << "the second resume should have been refused";
  EXPECT_TRUE(outcomes.back()) << "the round should still be running when ended";

  for (millis t = start; t <= start + 45 * minute; t += 250) {
    ASSERT_EQ(live.at(t), replayed.at(t)) << "at start + " << (t - start) << " ms";
  }
}

TEST(RoundClockEdges, NoPhasesIsFinishedAtStart) {
  const millis start = manual_clock{}.now();
  const round_clock round({}, start);
  const auto v = round.at(start);
  EXPECT_TRUE(v.finished);
  EXPECT_EQ(v.phase_count, 0U);
  EXPECT_EQ(v.round_ends_at, start);
}

TEST(RoundClockEdges, ZeroLengthPhasePassesAtOnce) {
  const millis start = manual_clock{}.now();
  round_clock round({{"Settle", 0, false}, {"Practice", 5 * minute, false}}, start);
  auto v = round.at(start);
  EXPECT_EQ(v.phase_index, 1U);
  EXPECT_EQ(v.remaining_ms, 5 * minute);
}

}  // namespace
}  // namespace dyad::core
