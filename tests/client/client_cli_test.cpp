// The `dyad` commands that talk to a server (create, export, simulate), run as a separate process
// against the in-process fake server on 127.0.0.1:0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "client/fake_server.hpp"

namespace {

using dyad::test::fake_server;
using dyad::test::run_dyad;

std::string url_of(const fake_server& server) { return "http://127.0.0.1:" + std::to_string(server.port()); }

std::string shown(const dyad::test::cli_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

TEST(CreateCli, PrintsTheCodeAndBothLinks) {
  fake_server server;
  const auto plan = dyad::test::write_temp_file("day.textproto", "title: \"A day\"\n");
  const auto r = run_dyad({"create", plan, "--server", url_of(server), "--admin-token", "admin-secret"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  EXPECT_EQ(r.out,
            "Workshop K7Q2ZP created.\n"
            "Facilitator (keep private): http://x/f/K7Q2ZP#f-secret\n"
            "Participants:               http://x/w/K7Q2ZP\n")
      << shown(r);
  EXPECT_EQ(server.requests().at(0).body, "title: \"A day\"\n");
}

TEST(CreateCli, PrintsThePlansErrorsLineByLine) {
  fake_server server;
  const auto plan = dyad::test::write_temp_file("broken.textproto", "broken\n");
  const auto r = run_dyad({"create", plan, "--server", url_of(server), "--admin-token", "admin-secret"});
  EXPECT_EQ(r.exit_code, 1) << shown(r);
  EXPECT_EQ(r.err, plan + ": the server rejected the plan:\n"
                          "  plan:3:1: title: the plan needs a title\n"
                          "  plan:9:5: exercises[0].id: give the exercise an id\n")
      << shown(r);
}

TEST(CreateCli, SaysWhereTheAdminTokenComesFrom) {
  const auto plan = dyad::test::write_temp_file("day.textproto", "title: \"A day\"\n");
  const auto r = run_dyad({"create", plan, "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2) << shown(r);
  EXPECT_NE(r.err.find("DYAD_ADMIN_TOKEN"), std::string::npos) << shown(r);
}

TEST(ExportCli, PrintsTheBodyInTheFormatAsked) {
  fake_server server;
  const auto r = run_dyad({"export", "K7Q2ZP", "--server", url_of(server), "--token", "f-secret", "--format", "summary"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  EXPECT_EQ(r.out, "statistics of K7Q2ZP as summary\n") << shown(r);
}

TEST(ExportCli, RejectsAnUnknownFormat) {
  const auto r = run_dyad({"export", "K7Q2ZP", "--server", "http://127.0.0.1:1", "--token", "t", "--format", "xml"});
  EXPECT_EQ(r.exit_code, 2) << shown(r);
  EXPECT_NE(r.err.find("csv, json or summary"), std::string::npos) << shown(r);
}

TEST(SimulateCli, ParticipantsJoinFollowTheRoundAndSubmitFeedbackDrawnFromTheWeights) {
  fake_server server;
  const auto answers = dyad::test::write_temp_file("answers.txt",
                                                   "# weights\n"
                                                   "overall=excellent:1,good:0\n"
                                                   "pace=4\n"
                                                   "comments+=Loved the role plays\n");
  const auto r = run_dyad({"simulate", "K7Q2ZP", "--server", url_of(server), "--participants", "3", "--answers",
                           answers, "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  for (const char* name : {"Sim 1", "Sim 2", "Sim 3"}) {
    EXPECT_NE(r.out.find(std::string(name) + ": round 1 · Room 1 · Therapist with Someone"), std::string::npos)
        << shown(r);
  }
  EXPECT_NE(r.out.find("simulate: 3 of 3 joined, 3 submitted feedback; Goodbye: The facilitator closed the workshop."),
            std::string::npos)
      << shown(r);
  const auto feedback = server.feedback();
  ASSERT_EQ(feedback.size(), 3U) << shown(r);
  std::vector<std::string> ids;
  for (const auto& f : feedback) {
    ids.push_back(f.substr(0, f.find(' ')));
    EXPECT_NE(f.find(R"(question_id: "overall" option_id: "excellent")"), std::string::npos) << f;
    EXPECT_NE(f.find(R"(question_id: "pace" scale: 4)"), std::string::npos) << f;
    EXPECT_NE(f.find(R"(text: "Loved the role plays")"), std::string::npos) << f;
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end()) << "submission ids must be unique";
}

TEST(SimulateCli, RejectsAMalformedAnswerLine) {
  const auto r = run_dyad({"simulate", "K7Q2ZP", "--server", "http://127.0.0.1:1", "--participants", "2",
                           "--answer", "overall=excellent:lots"});
  EXPECT_EQ(r.exit_code, 2) << shown(r);
  EXPECT_NE(r.err.find("'lots' is not a weight"), std::string::npos) << shown(r);
}

}  // namespace
