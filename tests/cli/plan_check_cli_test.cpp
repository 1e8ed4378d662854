#include "cli/cli_runner.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace {

using dyad::test::run_dyad;

std::string fixture(const std::string& name) { return std::string(DYAD_TEST_DATA_DIR) + "/plans/" + name; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string shown(const dyad::test::cli_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(PlanCheckCli, PrintsOneSummaryLineForAValidPlan) {
  const auto path = fixture("valid.textproto");
  const auto r = run_dyad({"plan", "check", path});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1U) << shown(r);
  EXPECT_EQ(lines[0], path + ": OK — \"Repairing strains in the working alliance\", 2 exercises, 2 transcripts "
                             "(3 excerpts), 4 questions, k = 4")
      << shown(r);
  EXPECT_TRUE(r.err.empty()) << shown(r);
}

TEST(PlanCheckCli, ChecksAJsonPlan) {
  const auto r = run_dyad({"plan", "check", fixture("valid.json")});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  EXPECT_EQ(lines_of(r.out).size(), 1U) << shown(r);
}

TEST(PlanCheckCli, PrintsEveryDiagnosticWithItsLineAndExitsOne) {
  const auto path = fixture("three-errors.textproto");
  const auto r = run_dyad({"plan", "check", path});
  EXPECT_EQ(r.exit_code, 1) << shown(r);
  EXPECT_TRUE(r.out.empty()) << shown(r);
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 4U) << "three diagnostics and the count\n" << shown(r);
  EXPECT_TRUE(starts_with(lines[0], path + ":12:3: exercises[0].excerpt_id: ")) << shown(r);
  EXPECT_TRUE(starts_with(lines[1], path + ":29:7: exercises[0].phases[0].role_notes[0].role: ")) << shown(r);
  EXPECT_TRUE(starts_with(lines[2], path + ":52:5: questionnaire.questions[1].choice.options: ")) << shown(r);
  EXPECT_EQ(lines[3], path + ": 3 errors; the plan was not loaded") << shown(r);
}

TEST(PlanCheckCli, ReportsASyntaxErrorWithLineAndColumn) {
  const auto path = fixture("syntax-error.textproto");
  const auto r = run_dyad({"plan", "check", path});
  EXPECT_EQ(r.exit_code, 1) << shown(r);
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 2U) << shown(r);
  EXPECT_TRUE(starts_with(lines[0], path + ":5:14: ")) << shown(r);
  EXPECT_EQ(lines[1], path + ": 1 error; the plan was not loaded") << shown(r);
}

TEST(PlanCheckCli, ReportsAMissingFileAndExitsOne) {
  const auto r = run_dyad({"plan", "check", "no-such-plan.textproto"});
  EXPECT_EQ(r.exit_code, 1) << shown(r);
  EXPECT_NE(r.err.find("no-such-plan.textproto: no such file; check the path"), std::string::npos) << shown(r);
}

TEST(PlanCheckCli, WrongUsageExitsTwoWithUsage) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"plan", "check"}, {"plan", "check", "a.textproto", "b.textproto"}, {"plan", "check", "--strict", "a.textproto"}}) {
    const auto r = run_dyad(args);
    EXPECT_EQ(r.exit_code, 2) << shown(r);
    EXPECT_NE(r.err.find("Usage: dyad plan check FILE"), std::string::npos) << shown(r);
    EXPECT_TRUE(r.out.empty()) << shown(r);
  }
}

// The demo plan is what the run command loads: it must always pass the check.
TEST(PlanCheckCli, PassesTheDemoPlan) {
  const auto path = std::string(DYAD_SOURCE_DIR) + "/deploy/demo/ruptures-one-day.textproto";
  const auto r = run_dyad({"plan", "check", path});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 1U) << shown(r);
  EXPECT_TRUE(starts_with(lines[0], path + ": OK — \"")) << shown(r);
}

TEST(PlanCheckCli, HelpPrintsUsageAndExitsZero) {
  for (const char* flag : {"--help", "-h"}) {
    const auto r = run_dyad({"plan", "check", flag});
    EXPECT_EQ(r.exit_code, 0) << shown(r);
    EXPECT_NE(r.out.find("Usage: dyad plan check FILE"), std::string::npos) << shown(r);
  }
}

}  // namespace
