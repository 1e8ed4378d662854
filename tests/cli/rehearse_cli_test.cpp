#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cli/cli_runner.hpp"
#include "core/plan_loader.hpp"
#include "dyad/v1/rehearsal.pb.h"

namespace dyad::test {
namespace {

const std::string demo_plan = std::string(DYAD_SOURCE_DIR) + "/deploy/demo/ruptures-one-day.textproto";

dyad::v1::Plan load_demo() {
  auto loaded = core::load_plan_file(demo_plan);
  EXPECT_TRUE(loaded.plan.has_value()) << "the demo plan must load";
  return loaded.plan.value_or(dyad::v1::Plan{});
}

dyad::v1::Rehearsal rehearse(const std::vector<std::string>& args) {
  std::vector<std::string> all{"plan", "rehearse", demo_plan};
  all.insert(all.end(), args.begin(), args.end());
  all.push_back("--json");
  const auto r = run_dyad(all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  dyad::v1::Rehearsal out;
  const auto status = google::protobuf::util::JsonStringToMessage(r.out, &out);
  EXPECT_TRUE(status.ok()) << status.message() << "\n" << r.out;
  return out;
}

std::string pair_key(std::string a, std::string b) { return a < b ? a + "+" + b : b + "+" + a; }

/// Checks one round: everyone present in exactly one room, rooms named as Zoom names them, no
/// one alone, each group a therapist and a client (and an observer in a triad).
void expect_round_well_formed(const dyad::v1::RehearsalRound& round, const std::set<std::string>& present,
                              const std::string& therapist, const std::string& client,
                              const std::string& context) {
  std::set<std::string> seen;
  for (int g = 0; g < round.groups_size(); ++g) {
    const auto& group = round.groups(g);
    EXPECT_EQ(group.room(), "Room " + std::to_string(g + 1)) << context;
    ASSERT_GE(group.members_size(), 2) << "no one sits alone: " << context;
    ASSERT_LE(group.members_size(), 3) << context;
    EXPECT_EQ(group.members(0).role(), therapist) << context;
    EXPECT_EQ(group.members(1).role(), client) << context;
    for (const auto& m : group.members()) EXPECT_TRUE(seen.insert(m.participant()).second) << m.participant() << " twice: " << context;
  }
  EXPECT_EQ(seen, present) << context;
}

TEST(RehearseCli, PairExercisesRunAFullRoundRobinForTwoToFortyPeople) {
  const auto plan = load_demo();
  for (const auto& exercise : plan.exercises()) {
    if (exercise.group_size() != dyad::v1::GROUP_SIZE_PAIRS) continue;
    std::string therapist, client;
    for (const auto& role : exercise.roles()) {
      if (role.kind() == dyad::v1::ROLE_KIND_THERAPIST) therapist = role.id();
      if (role.kind() == dyad::v1::ROLE_KIND_CLIENT) client = role.id();
    }
    for (int n = 2; n <= 40; ++n) {
      const auto rehearsal = rehearse({"--participants", std::to_string(n), "--rounds", std::to_string(std::max(1, n - 1)),
                                       "--seed", "11", "--exercise", exercise.id()});
      ASSERT_EQ(rehearsal.rounds_size(), std::max(1, n - 1));
      std::set<std::string> everyone;
      for (int p = 1; p <= n; ++p) everyone.insert("p" + std::to_string(p));
      std::map<std::string, int> met, balance, observed;
      for (int r = 0; r < rehearsal.rounds_size(); ++r) {
        const auto& round = rehearsal.rounds(r);
        const std::string ctx = exercise.id() + " n=" + std::to_string(n) + " round " + std::to_string(r + 1);
        EXPECT_EQ(round.exercise(), exercise.id());
        expect_round_well_formed(round, everyone, therapist, client, ctx);
        for (const auto& g : round.groups()) {
          ++balance[g.members(0).participant()];
          --balance[g.members(1).participant()];
          if (g.members_size() == 3) ++observed[g.members(2).participant()];
          for (int i = 0; i < g.members_size(); ++i)
            for (int j = i + 1; j < g.members_size(); ++j) ++met[pair_key(g.members(i).participant(), g.members(j).participant())];
        }
        if (n % 2 == 0) {
          for (const auto& [pair, times] : met) ASSERT_EQ(times, 1) << pair << " met twice: " << ctx;
          for (const auto& [who, b] : balance) ASSERT_LE(std::abs(b), 1) << who << " roles unbalanced: " << ctx;
        } else {
          int lo = 1 << 20, hi = 0;
          for (const auto& p : everyone) {
            lo = std::min(lo, observed[p]);
            hi = std::max(hi, observed[p]);
          }
          // A repeat-free grouping comes before observer duty (9 people, round 5: only someone
          // who has observed once can observe without a repeat), so duty may lag by a round.
          ASSERT_LE(hi - lo, 2) << "observer duty spread: " << ctx;
        }
      }
      if (n % 2 == 0) {
        EXPECT_EQ(met.size(), static_cast<std::size_t>(n * (n - 1) / 2)) << "everyone met everyone, n=" << n;
      }
    }
  }
}

TEST(RehearseCli, CyclingThroughTheDemoDayKeepsEveryGroupWorkable) {
  const auto plan = load_demo();
  for (int n = 2; n <= 40; n += 3) {
    const auto rehearsal = rehearse({"--participants", std::to_string(n), "--rounds", std::to_string(std::max(1, n - 1)), "--seed", "5"});
    std::set<std::string> everyone;
    for (int p = 1; p <= n; ++p) everyone.insert("p" + std::to_string(p));
    for (int r = 0; r < rehearsal.rounds_size(); ++r) {
      const auto& exercise = plan.exercises(r % plan.exercises_size());
      EXPECT_EQ(rehearsal.rounds(r).exercise(), exercise.id()) << "rounds cycle through the plan's exercises";
      std::string therapist, client;
      for (const auto& role : exercise.roles()) {
        if (role.kind() == dyad::v1::ROLE_KIND_THERAPIST) therapist = role.id();
        if (role.kind() == dyad::v1::ROLE_KIND_CLIENT) client = role.id();
      }
      expect_round_well_formed(rehearsal.rounds(r), everyone, therapist, client, "n=" + std::to_string(n) + " round " + std::to_string(r + 1));
    }
  }
}

TEST(RehearseCli, SameSeedGivesTheSameRotation) {
  const auto a = rehearse({"--participants", "12", "--rounds", "4", "--seed", "3"});
  const auto b = rehearse({"--participants", "12", "--rounds", "4", "--seed", "3"});
  const auto c = rehearse({"--participants", "12", "--rounds", "4", "--seed", "4"});
  EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
  EXPECT_NE(a.SerializeAsString(), c.SerializeAsString());
}

TEST(RehearseCli, AttendanceFileDecidesWhoIsPresentEachRound) {
  const auto path = write_temp_file("attendance.json",
                                    R"([["p1","p2","p3","p4"],["p1","p2","p3","p4","p5","p6"],["p2","p3","p5","p6"]])");
  const auto rehearsal = rehearse({"--participants", "6", "--rounds", "3", "--seed", "2", "--exercise",
                                   load_demo().exercises(0).id(), "--attendance", path});
  ASSERT_EQ(rehearsal.rounds_size(), 3);
  const std::vector<std::set<std::string>> expected{{"p1", "p2", "p3", "p4"},
                                                    {"p1", "p2", "p3", "p4", "p5", "p6"},
                                                    {"p2", "p3", "p5", "p6"}};
  std::map<std::string, int> met;
  for (int r = 0; r < 3; ++r) {
    std::set<std::string> seen;
    for (const auto& g : rehearsal.rounds(r).groups()) {
      for (const auto& m : g.members()) seen.insert(m.participant());
      for (int i = 0; i < g.members_size(); ++i)
        for (int j = i + 1; j < g.members_size(); ++j) ++met[pair_key(g.members(i).participant(), g.members(j).participant())];
    }
    EXPECT_EQ(seen, expected[static_cast<std::size_t>(r)]) << "round " << r + 1;
  }
  for (const auto& [pair, times] : met) EXPECT_EQ(times, 1) << pair << ": a repeat-free grouping exists each round";
}

TEST(RehearseCli, BadInputGetsAClearErrorAndNoOutput) {
  const auto no_seed = run_dyad({"plan", "rehearse", demo_plan, "--participants", "4", "--rounds", "2", "--json"});
  EXPECT_EQ(no_seed.exit_code, 2);
  EXPECT_NE(no_seed.err.find("--seed"), std::string::npos) << no_seed.err;
  EXPECT_TRUE(no_seed.out.empty());

  const auto unknown = run_dyad({"plan", "rehearse", demo_plan, "--participants", "4", "--rounds", "2", "--seed", "1",
                                 "--exercise", "no-such-exercise", "--json"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no-such-exercise"), std::string::npos) << unknown.err;

  const auto stranger = write_temp_file("stranger.json", R"([["p1","p9"]])");
  const auto bad = run_dyad({"plan", "rehearse", demo_plan, "--participants", "4", "--rounds", "1", "--seed", "1",
                             "--attendance", stranger, "--json"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("p9"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty());

  const auto short_file = write_temp_file("short.json", R"([["p1","p2"]])");
  const auto too_few = run_dyad({"plan", "rehearse", demo_plan, "--participants", "4", "--rounds", "3", "--seed", "1",
                                 "--attendance", short_file, "--json"});
  EXPECT_EQ(too_few.exit_code, 1);
  EXPECT_NE(too_few.err.find("one array per round"), std::string::npos) << too_few.err;

  const auto not_json = write_temp_file("broken.json", "[[\"p1\",");
  const auto broken = run_dyad({"plan", "rehearse", demo_plan, "--participants", "4", "--rounds", "1", "--seed", "1",
                                "--attendance", not_json});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("JSON array"), std::string::npos) << broken.err;
}

TEST(RehearseCli, ReadableListWithoutJson) {
  const auto r = run_dyad({"plan", "rehearse", demo_plan, "--participants", "5", "--rounds", "1", "--seed", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Round 1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Room 1:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace dyad::test
