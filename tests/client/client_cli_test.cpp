// The `dyad` commands that talk to a server (create, export, simulate), run as a separate
// process: create and export against the real dyad-server on an ephemeral port
// (tests/net/server_fixture.hpp); simulate against the fake server's scripted day, where each
// participant is assigned and asked for feedback as soon as they join (tests/net runs it
// against the real server with a facilitator driving).
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "client/fake_server.hpp"
#include "net/server_fixture.hpp"

namespace {

using dyad::test::fake_server;
using dyad::test::run_dyad;
using dyad::test::server_process;

std::string shown(const dyad::test::cli_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

class ServerCli : public dyad::test::server_fixture {
protected:
  std::string url() const { return "http://127.0.0.1:" + std::to_string(address_.port); }
  static std::string plan_file(const std::string& name) { return std::string(DYAD_TEST_DATA_DIR) + "/plans/" + name; }
};

using CreateCli = ServerCli;

TEST_F(CreateCli, PrintsTheCodeAndBothLinks) {
  const auto r = run_dyad({"create", plan_file("valid.textproto"), "--server", url(), "--admin-token",
                           server_process::admin_token});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  const std::regex printed("Workshop ([A-Z0-9]{4}-[A-Z0-9]{4}) created\\.\n"
                           "Facilitator \\(keep private\\): (\\S+)/f/\\1#t=[0-9a-f]{32}\n"
                           "Participants:               (\\S+)/j/\\1\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, printed)) << shown(r);
  const std::string code = m[1];
  EXPECT_EQ(m[2].str(), url()) << shown(r);
  EXPECT_EQ(m[3].str(), url()) << shown(r);
  // The workshop is there, with the plan's title.
  const auto [status, body] = http().get("/api/workshops/" + code);
  EXPECT_EQ(status, 200) << body;
  EXPECT_NE(body.find("Repairing strains in the working alliance"), std::string::npos) << body;
}

TEST_F(CreateCli, PrintsThePlansErrorsLineByLine) {
  const auto plan = plan_file("three-errors.textproto");
  const auto r = run_dyad({"create", plan, "--server", url(), "--admin-token", server_process::admin_token});
  EXPECT_EQ(r.exit_code, 1) << shown(r);
  const std::string head = plan + ": the server rejected the plan:\n";
  ASSERT_EQ(r.err.rfind(head, 0), 0U) << shown(r);
  std::vector<std::string> lines;
  for (std::size_t at = head.size(); at < r.err.size();) {
    const auto end = r.err.find('\n', at);
    lines.push_back(r.err.substr(at, end - at));
    at = end == std::string::npos ? r.err.size() : end + 1;
  }
  ASSERT_EQ(lines.size(), 3U) << shown(r);
  for (const auto& line : lines) EXPECT_EQ(line.rfind("  plan:", 0), 0U) << shown(r);
}

TEST_F(CreateCli, SaysTheAdminTokenWasRefused) {
  const auto r = run_dyad({"create", plan_file("valid.textproto"), "--server", url(), "--admin-token",
                           "not-the-admin-token-at-all"});
  EXPECT_EQ(r.exit_code, 1) << shown(r);
  EXPECT_NE(r.err.find("the server refused the admin token"), std::string::npos) << shown(r);
}

TEST(CreateCliUsage, SaysWhereTheAdminTokenComesFrom) {
  const auto plan = dyad::test::write_temp_file("day.textproto", "title: \"A day\"\n");
  const auto r = run_dyad({"create", plan, "--server", "http://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2) << shown(r);
  EXPECT_NE(r.err.find("DYAD_ADMIN_TOKEN"), std::string::npos) << shown(r);
}

using ExportCli = ServerCli;

TEST_F(ExportCli, PrintsTheBodyInTheFormatAsked) {
  const auto w = create_workshop();
  dyad::client::client_error error;
  const auto summary = http().export_statistics(w.code(), "summary", w.facilitator_token(), &error);
  ASSERT_TRUE(summary) << error.message;
  const auto r = run_dyad({"export", w.code(), "--server", url(), "--token", w.facilitator_token(), "--format", "summary"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  EXPECT_EQ(r.out, summary->ends_with('\n') ? *summary : *summary + "\n") << shown(r);
}

TEST_F(ExportCli, SaysWhyTheServerRefused) {
  const auto w = create_workshop();
  const auto r = run_dyad({"export", w.code(), "--server", url(), "--token", "not-this-workshops-token", "--format", "csv"});
  EXPECT_EQ(r.exit_code, 1) << shown(r);
  EXPECT_EQ(r.err.rfind("dyad export: Exports need this workshop's facilitator token", 0), 0U) << shown(r);
}

TEST(ExportCliUsage, RejectsAnUnknownFormat) {
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
  const auto r = run_dyad({"simulate", fake_server::code(), "--server", "http://127.0.0.1:" + std::to_string(server.port()),
                           "--participants", "3", "--answers", answers, "--seed", "7"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  for (const char* name : {"Sim 1", "Sim 2", "Sim 3"}) {
    EXPECT_NE(r.out.find(std::string(name) + ": round 1 · Room 1 · Therapist with Someone"), std::string::npos)
        << shown(r);
  }
  EXPECT_NE(r.out.find(std::string("simulate: 3 of 3 joined, 3 submitted feedback; Goodbye: ") +
                       fake_server::closed_goodbye),
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
