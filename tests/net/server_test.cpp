// The real dyad-server, run as a separate process on an ephemeral port, driven through the
// client library as the pages and the `dyad` command line drive it.

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dyad_client.hpp"
#include "net/net_test_support.hpp"
#include "net/server_fixture.hpp"
#include "net/server_process.hpp"

namespace dyad::test {
namespace {

namespace v1 = dyad::v1;
using namespace std::chrono_literals;
using client::connection;

class ServerTest : public server_fixture {};

// ---------------------------------------------------------------------------------------------
// Health, metrics, pages

TEST_F(ServerTest, HealthEndpointsAnswerWhenReady) {
  auto [live, live_body] = http().get("/livez");
  EXPECT_EQ(live, 200) << live_body;
  auto [ready, ready_body] = http().get("/readyz");
  EXPECT_EQ(ready, 200) << ready_body;
}

TEST_F(ServerTest, ReadyzFailsWhileTheStoreIsGone) {
  // The data folder deleted under a running server: writes would vanish at restart.
  std::filesystem::remove_all(dir_.path() / "data");
  auto [ready, body] = http().get("/readyz");
  EXPECT_EQ(ready, 503) << body;
  EXPECT_NE(body.find("store"), std::string::npos) << body;
}

TEST_F(ServerTest, MetricsAreInPrometheusTextFormat) {
  create_workshop();
  auto [status, body] = http().get("/metrics");
  ASSERT_EQ(status, 200) << body;
  EXPECT_NE(body.find("# TYPE dyad_websocket_connections gauge"), std::string::npos) << body;
  EXPECT_NE(body.find("dyad_store_commit_seconds_bucket{le=\"+Inf\"} 1"), std::string::npos) << body;
}

TEST_F(ServerTest, ServesEachPageAndItsScript) {
  // Each page names its script relative to its own address, so that the pages work under a
  // public URL's path prefix too: "assets/home.js" from "/", "../assets/x.js" from "/j/CODE".
  const std::tuple<const char*, const char*, const char*> pages[] = {
      {"/", "assets/home.js", "/assets/home.js"},
      {"/j/DUNE-2345", "../assets/participant.js", "/assets/participant.js"},
      {"/f/DUNE-2345", "../assets/facilitator.js", "/assets/facilitator.js"},
      {"/r/DUNE-2345", "../assets/report.js", "/assets/report.js"}};
  for (const auto& [path, src, script] : pages) {
    auto [status, body] = http().get(path);
    EXPECT_EQ(status, 200) << path << ": " << body;
    EXPECT_NE(body.find(std::string("src=\"") + src + "\""), std::string::npos) << path << " does not load " << src;
    auto [script_status, code] = http().get(script);
    EXPECT_EQ(script_status, 200) << script << ": " << code;
    EXPECT_GT(code.size(), 50u) << script << " is empty";
  }
  // Nothing outside web/ is served, however the path is written.
  const std::string outside = std::string(DYAD_SOURCE_DIR) + "/CMakeLists.txt";
  for (const std::string& path : {std::string("/../CMakeLists.txt"), std::string("//etc/passwd"), "/" + outside,
                                 std::string("/%2e%2e/CMakeLists.txt")}) {
    const auto [status, body] = http().get(path);
    EXPECT_EQ(status / 100, 4) << path << " was served: " << body.substr(0, 80);
  }
}

// ---------------------------------------------------------------------------------------------
// Creating workshops

TEST_F(ServerTest, CreateWorkshopGivesCodeTokenAndLinks) {
  const auto w = create_workshop();
  EXPECT_EQ(w.code().size(), 9u) << w.code();
  EXPECT_EQ(w.code()[4], '-') << w.code();
  EXPECT_EQ(w.code().find_first_of("ILO01"), std::string::npos) << "ambiguous characters in " << w.code();
  EXPECT_EQ(w.facilitator_token().size(), 32u) << w.facilitator_token();
  const auto base = "http://127.0.0.1:" + std::to_string(server_->port());
  EXPECT_EQ(w.facilitator_url(), base + "/f/" + w.code() + "#t=" + w.facilitator_token());
  EXPECT_EQ(w.participant_url(), base + "/j/" + w.code());
}

TEST_F(ServerTest, CreateWorkshopAcceptsJsonPlans) {
  client::client_error error;
  auto created = http().create_workshop(read_text(std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.json"), true,
                                        server_process::admin_token, &error);
  EXPECT_TRUE(created.has_value()) << error.message;
}

TEST_F(ServerTest, BadPlanIsRefusedWithEveryDiagnostic) {
  client::client_error error;
  auto created = http().create_workshop(read_text(std::string(DYAD_TEST_DATA_DIR) + "/plans/three-errors.textproto"),
                                        false, server_process::admin_token, &error);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(error.http_status, 400) << error.message;
  EXPECT_EQ(error.server_code, v1::ERROR_CODE_INVALID_ARGUMENT) << error.message;
  EXPECT_NE(error.message.find("withdrawl"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("obsever"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("recommend"), std::string::npos) << error.message;
}

TEST_F(ServerTest, WrongAdminTokenIsUnauthorized) {
  client::client_error error;
  auto created = http().create_workshop(valid_plan(), false, "not-the-admin-token-at-all", &error);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(error.http_status, 401) << error.message;
  EXPECT_EQ(error.server_code, v1::ERROR_CODE_UNAUTHORIZED) << error.message;
}

// ---------------------------------------------------------------------------------------------
// The protocol

TEST_F(ServerTest, JoinAnswersWithASnapshotAndResumeToken) {
  const auto w = create_workshop();
  auto p = join(w.code(), "Ada");
  EXPECT_EQ(p.snapshot.shown_name(), "Ada");
  EXPECT_FALSE(p.snapshot.participant_id().empty());
  EXPECT_EQ(p.snapshot.resume_token().size(), 32u);
  EXPECT_EQ(p.snapshot.workshop_title(), "Repairing strains in the working alliance");
  EXPECT_EQ(p.snapshot.lifecycle(), v1::LIFECYCLE_LOBBY);
}

TEST_F(ServerTest, FirstRequestMustIdentifyTheConnection) {
  const auto w = create_workshop();
  auto link = open(w.code());
  v1::ClientMessage ping;
  ping.mutable_ping()->set_client_ms(1);
  auto answer = ask(*link, ping);
  ASSERT_TRUE(answer.has_error()) << describe(answer);
  EXPECT_EQ(answer.error().code(), v1::ERROR_CODE_UNAUTHORIZED) << describe(answer);
}

TEST_F(ServerTest, FacilitatorAttachesOnlyWithTheRightToken) {
  const auto w = create_workshop();
  auto wrong = open(w.code());
  auto refused = await(wrong->attach_facilitator("0123456789abcdef0123456789abcdef"), "attach");
  ASSERT_TRUE(refused.has_error()) << describe(refused);
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_UNAUTHORIZED) << describe(refused);

  auto right = open(w.code());
  auto answer = await(right->attach_facilitator(w.facilitator_token()), "attach");
  ASSERT_TRUE(answer.has_facilitator_snapshot()) << describe(answer);
  EXPECT_EQ(answer.facilitator_snapshot().code(), w.code());
  EXPECT_EQ(answer.facilitator_snapshot().plan().series(), "alliance-repair-half-day");
}

TEST_F(ServerTest, LaunchSendsEachParticipantAnAssignmentAndPhase) {
  const auto w = create_workshop();
  std::vector<participant> people;
  for (const char* name : {"Ada", "Ben", "Cy", "Dee"}) people.push_back(join(w.code(), name));
  auto facilitator = attach(w);
  auto answer = ask(*facilitator, launch("naming-the-strain"));
  ASSERT_TRUE(answer.has_ack()) << describe(answer);
  for (auto& p : people) {
    auto a = p.link->wait_for_event([](const v1::ServerMessage& m) { return m.has_assignment() && m.assignment().round() == 1; },
                                    answer_deadline);
    ASSERT_TRUE(a.has_value()) << p.snapshot.shown_name() << " got no assignment";
    EXPECT_FALSE(a->assignment().room().empty());
    EXPECT_EQ(a->assignment().partner_names_size(), 1);
    EXPECT_TRUE(a->assignment().role_id() == "therapist" || a->assignment().role_id() == "client") << describe(*a);
    auto phase = p.link->wait_for_event([](const v1::ServerMessage& m) { return m.has_phase() && m.phase().round() == 1; },
                                        answer_deadline);
    ASSERT_TRUE(phase.has_value()) << p.snapshot.shown_name() << " got no phase";
    EXPECT_EQ(phase->phase().phase_name(), "Practice");
    EXPECT_GT(phase->phase().deadline_ms(), phase->server_ms());
  }
}

TEST_F(ServerTest, ParticipantCannotActAsFacilitator) {
  const auto w = create_workshop();
  auto p = join(w.code(), "Ada");
  auto answer = ask(*p.link, launch("naming-the-strain"));
  ASSERT_TRUE(answer.has_error()) << describe(answer);
  EXPECT_EQ(answer.error().code(), v1::ERROR_CODE_FORBIDDEN) << describe(answer);
}

TEST_F(ServerTest, MalformedFrameIsRefusedAndTheConnectionStillServes) {
  const auto w = create_workshop();
  auto p = join(w.code(), "Ada");
  p.link->send_raw(std::string("\xff\xff\xff\xff not protobuf", 18));
  auto refused = p.link->wait_for_event([](const v1::ServerMessage& m) { return m.has_error(); }, answer_deadline);
  ASSERT_TRUE(refused.has_value()) << "no error for a malformed frame";
  EXPECT_EQ(refused->error().code(), v1::ERROR_CODE_MALFORMED) << describe(*refused);
  v1::ClientMessage ping;
  ping.mutable_ping()->set_client_ms(42);
  auto pong = ask(*p.link, ping);
  ASSERT_TRUE(pong.has_pong()) << describe(pong);
  EXPECT_EQ(pong.pong().client_ms(), 42);
}

TEST_F(ServerTest, UnknownRequestIsRefused) {
  const auto w = create_workshop();
  auto p = join(w.code(), "Ada");
  v1::ClientMessage empty;  // no request in the oneof, as from a newer client
  auto answer = ask(*p.link, empty);
  ASSERT_TRUE(answer.has_error()) << describe(answer);
  EXPECT_EQ(answer.error().code(), v1::ERROR_CODE_UNKNOWN_MESSAGE) << describe(answer);
}

TEST_F(ServerTest, FeedbackIsAcknowledgedOnceStoredAndCountedOnce) {
  const auto w = create_workshop();
  auto p = join(w.code(), "Ada");
  auto facilitator = attach(w);
  ASSERT_TRUE(ask(*facilitator, open_feedback()).has_ack());
  auto first = await(p.link->submit_feedback("form-1", response("good")), "submit");
  EXPECT_TRUE(first.has_ack()) << describe(first);
  auto retry = await(p.link->submit_feedback("form-1", response("good")), "retry");
  EXPECT_TRUE(retry.has_ack()) << describe(retry);
  auto second = await(p.link->submit_feedback("form-2", response("poor")), "second");
  ASSERT_TRUE(second.has_error()) << describe(second);
  EXPECT_EQ(second.error().code(), v1::ERROR_CODE_ALREADY_SUBMITTED) << describe(second);
  // One response is held back while feedback is open; closing shows it.
  ASSERT_TRUE(ask(*facilitator, close_workshop()).has_ack());
  auto state = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_feedback() && m.feedback().responses() == 1; }, answer_deadline);
  EXPECT_TRUE(state.has_value()) << "the facilitator did not hear of the response";
  // What is stored counts the retried send once and the refused second submission not at all.
  client::client_error error;
  auto json = http().export_statistics(w.code(), "json", w.facilitator_token(), &error);
  ASSERT_TRUE(json.has_value()) << error.message;
  EXPECT_NE(json->find("\"responses\":1"), std::string::npos) << *json;
}

TEST_F(ServerTest, EveryPageHearsTheWorkshopsStageChange) {
  const auto w = create_workshop();
  auto ada = join(w.code(), "Ada");
  auto facilitator = attach(w);
  const auto stage = [](v1::Lifecycle l) {
    return [l](const v1::ServerMessage& m) { return m.has_lifecycle() && m.lifecycle().lifecycle() == l; };
  };
  ASSERT_TRUE(ask(*facilitator, open_feedback()).has_ack());
  EXPECT_TRUE(ada.link->wait_for_event(stage(v1::LIFECYCLE_FEEDBACK), answer_deadline).has_value())
      << "the participant was not told feedback opened";
  EXPECT_TRUE(facilitator->wait_for_event(stage(v1::LIFECYCLE_FEEDBACK), answer_deadline).has_value())
      << "the facilitator was not told feedback opened";
  ASSERT_TRUE(ask(*facilitator, close_workshop()).has_ack());
  EXPECT_TRUE(ada.link->wait_for_event(stage(v1::LIFECYCLE_CLOSED), answer_deadline).has_value())
      << "the participant was not told the workshop closed";
  EXPECT_TRUE(facilitator->wait_for_event(stage(v1::LIFECYCLE_CLOSED), answer_deadline).has_value())
      << "the facilitator was not told the workshop closed";
}

TEST_F(ServerTest, AClosedOrUnknownCodeIsAnsweredOnTheWebSocketInWords) {
  const auto w = create_workshop();
  auto ada = join(w.code(), "Ada");
  auto facilitator = attach(w);
  ASSERT_TRUE(ask(*facilitator, close_workshop()).has_ack());
  stop_cleanly();
  start();

  // The upgrade is accepted and the first request answered with the reason; then it closes.
  auto closed = open(w.code());
  auto resumed = await(closed->resume(ada.snapshot.resume_token()), "resume into a closed workshop");
  ASSERT_TRUE(resumed.has_error()) << describe(resumed);
  EXPECT_EQ(resumed.error().code(), v1::ERROR_CODE_WORKSHOP_CLOSED) << describe(resumed);
  EXPECT_NE(resumed.error().message().find("has ended"), std::string::npos) << describe(resumed);
  auto lowercase = w.code();
  std::transform(lowercase.begin(), lowercase.end(), lowercase.begin(), [](unsigned char c) { return std::tolower(c); });
  auto typed = await(open(lowercase)->join("Ben", ""), "join a closed workshop by a typed code");
  ASSERT_TRUE(typed.has_error()) << describe(typed);
  EXPECT_EQ(typed.error().code(), v1::ERROR_CODE_WORKSHOP_CLOSED) << describe(typed);

  auto unknown = await(open("ZZZZ-ZZZZ")->join("Cy", ""), "join an unknown code");
  ASSERT_TRUE(unknown.has_error()) << describe(unknown);
  EXPECT_EQ(unknown.error().code(), v1::ERROR_CODE_NO_SUCH_WORKSHOP) << describe(unknown);
  EXPECT_NE(unknown.error().message().find("No open workshop 'ZZZZ-ZZZZ'"), std::string::npos) << describe(unknown);
  EXPECT_NE(server_->logs().find("answered with its error"), std::string::npos) << "not logged:\n" << server_->logs();
}

// ---------------------------------------------------------------------------------------------
// Anonymity

// The attack on the tallies: the facilitator records every figure the server shows (live Tallies,
// the response count, a statistics download after each submission) while participants submit
// 600 ms apart, each closing the page straight after. Differencing any two figures must give no
// one's response, and the roster must not say who has just submitted.
TEST_F(ServerTest, NoResponseCanBeReadByDifferencingTheFigures) {
  constexpr std::size_t people_count = 12;
  constexpr std::uint32_t k = 4;  // valid.textproto's anonymity_threshold
  const auto w = create_workshop();
  std::vector<participant> people;
  for (std::size_t i = 0; i < people_count; ++i) people.push_back(join(w.code(), "Person " + std::to_string(i)));
  auto facilitator = attach(w);

  struct observed {
    std::mutex mutex;
    std::vector<std::pair<std::string, v1::Tallies>> figures;  // what was seen, in order
    std::vector<std::uint32_t> counts;                         // FeedbackState.responses
    std::vector<v1::Roster> rosters;
    bool feedback_open = false;
  };
  const auto seen = std::make_shared<observed>();
  facilitator->on_event([seen](const v1::ServerMessage& m) {
    const std::lock_guard lock(seen->mutex);
    if (m.has_tallies()) seen->figures.emplace_back("live tallies", m.tallies());
    if (m.has_feedback()) seen->counts.push_back(m.feedback().responses());
    if (seen->feedback_open && m.has_roster()) seen->rosters.push_back(m.roster());
    if (seen->feedback_open && m.has_roster_changes()) *seen->rosters.emplace_back().mutable_entries() = m.roster_changes().entries();
  });
  {
    const std::lock_guard lock(seen->mutex);
    seen->feedback_open = true;  // rosters from here on: the one feedback's opening sends, and any later
  }
  ASSERT_TRUE(ask(*facilitator, open_feedback()).has_ack());

  const auto download = [&](const std::string& when) {
    auto [status, body] = http().get("/api/workshops/" + w.code() + "/statistics?format=json", w.facilitator_token());
    EXPECT_EQ(status, 200) << body;
    v1::RunStatistics stats;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &stats, options).ok()) << body;
    const std::lock_guard lock(seen->mutex);
    seen->figures.emplace_back("statistics " + when, stats.tallies());
  };
  const char* options[] = {"excellent", "good", "fair", "poor"};
  for (std::size_t i = 0; i < people_count; ++i) {
    v1::FeedbackResponse r = response(options[i % 4]);
    auto* comment = r.add_answers();
    comment->set_question_id("most-useful");
    comment->set_text("What person " + std::to_string(i) + " found useful");
    auto ack = await(people[i].link->submit_feedback("form", r), "submit " + std::to_string(i));
    ASSERT_TRUE(ack.has_ack()) << describe(ack);
    people[i].link->drop();  // the page is closed as soon as it says thank you
    download("after person " + std::to_string(i));
    // The attacker's pace, 600 ms (slower than any coalescing of updates): they watch the
    // dashboard for a new tally until the next person submits.
    (void)facilitator->wait_for_event([](const v1::ServerMessage& m) { return m.has_tallies(); }, 600ms);
  }
  ASSERT_TRUE(ask(*facilitator, close_workshop()).has_ack());
  const auto final_tallies = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_tallies() && m.tallies().responses() == people_count; },
      answer_deadline);
  ASSERT_TRUE(final_tallies.has_value()) << "closing did not show every response";
  download("after closing");

  const std::lock_guard lock(seen->mutex);
  const auto comments_of = [](const v1::Tallies& t) {
    std::multiset<std::string> out;
    for (const auto& q : t.questions())
      for (const auto& c : q.comments()) out.insert(c);
    return out;
  };
  std::set<std::uint32_t> distinct;
  std::vector<std::string> recovered;
  for (const auto& [when_a, a] : seen->figures) {
    distinct.insert(a.hidden() ? 0U : a.responses());
    for (const auto& [when_b, b] : seen->figures) {
      const std::uint32_t na = a.hidden() ? 0U : a.responses();
      const std::uint32_t nb = b.hidden() ? 0U : b.responses();
      if (nb <= na) continue;
      EXPECT_GE(nb - na, k) << when_a << " (" << na << ") and " << when_b << " (" << nb << ") differ by fewer than k";
      // The attack itself: what the later figures hold that the earlier do not.
      auto later = comments_of(b);
      for (const auto& c : comments_of(a)) later.erase(later.find(c));
      if (later.size() == 1) recovered.push_back(*later.begin() + " (from " + when_a + " to " + when_b + ")");
    }
  }
  EXPECT_TRUE(recovered.empty()) << "read by differencing: " << ::testing::PrintToString(recovered);
  EXPECT_GE(distinct.size(), 3U) << "the figures barely changed, so the attack proved nothing";
  EXPECT_TRUE(distinct.contains(people_count)) << "closing did not show every response";
  for (std::size_t i = 1; i < seen->counts.size(); ++i) {
    const auto a = seen->counts[i - 1], b = seen->counts[i];
    EXPECT_TRUE(a == b || (a > b ? a - b : b - a) >= k) << "the response count went from " << a << " to " << b;
  }
  // Presence: once feedback is open, the roster says nothing of who is connected, and no roster
  // update arrives as people leave.
  ASSERT_LE(seen->rosters.size(), 2U) << "roster updates arrived as participants left";
  for (const auto& roster : seen->rosters)
    for (const auto& e : roster.entries())
      EXPECT_EQ(e.presence(), v1::PRESENCE_UNSPECIFIED) << e.ShortDebugString();
}

// ---------------------------------------------------------------------------------------------
// Durability

TEST_F(ServerTest, RestartRebuildsTheWorkshopAndResumeGivesTheSameAssignment) {
  const auto w = create_workshop();
  std::vector<participant> people;
  for (const char* name : {"Ada", "Ben"}) people.push_back(join(w.code(), name));
  auto facilitator = attach(w);
  ASSERT_TRUE(ask(*facilitator, launch("naming-the-strain")).has_ack());
  auto before = people[0].link->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_assignment() && m.assignment().round() == 1; }, answer_deadline);
  auto phase = people[0].link->wait_for_event([](const v1::ServerMessage& m) { return m.has_phase(); }, answer_deadline);
  ASSERT_TRUE(before.has_value() && phase.has_value());

  for (auto& p : people) p.link->drop();
  facilitator->drop();
  stop_cleanly();
  start();

  auto link = open(w.code());
  auto answer = await(link->resume(people[0].snapshot.resume_token()), "resume");
  ASSERT_TRUE(answer.has_participant_snapshot()) << describe(answer);
  const auto& s = answer.participant_snapshot();
  EXPECT_EQ(s.participant_id(), people[0].snapshot.participant_id());
  EXPECT_EQ(s.assignment().room(), before->assignment().room());
  EXPECT_EQ(s.assignment().role_id(), before->assignment().role_id());
  EXPECT_EQ(s.phase().deadline_ms(), phase->phase().deadline_ms());
}

TEST_F(ServerTest, EveryAcknowledgedSubmissionSurvivesAKill) {
  const auto w = create_workshop();
  std::vector<participant> people;
  for (const char* name : {"Ada", "Ben", "Cy", "Dee", "Eve"}) people.push_back(join(w.code(), name));
  auto facilitator = attach(w);
  ASSERT_TRUE(ask(*facilitator, open_feedback()).has_ack());
  for (std::size_t i = 0; i < people.size(); ++i) {
    auto ack = await(people[i].link->submit_feedback("form-" + std::to_string(i), response(i % 2 ? "good" : "excellent")),
                     "submit");
    ASSERT_TRUE(ack.has_ack()) << describe(ack);
  }
  kill_and_restart();
  // Five are fewer than the 2k = 6 a release needs: all held back, none shown yet.
  client::client_error error;
  auto held = http().export_statistics(w.code(), "json", w.facilitator_token(), &error);
  ASSERT_TRUE(held.has_value()) << error.message;
  EXPECT_EQ(held->find("\"responses\":5"), std::string::npos) << "shown before their release: " << *held;
  auto after = attach(w);
  ASSERT_TRUE(ask(*after, close_workshop()).has_ack());
  auto json = http().export_statistics(w.code(), "json", w.facilitator_token(), &error);
  ASSERT_TRUE(json.has_value()) << error.message;
  EXPECT_NE(json->find("\"responses\":5"), std::string::npos) << "closing shows all five: " << *json;
  auto summary = http().export_statistics(w.code(), "summary", server_process::admin_token, &error);
  ASSERT_TRUE(summary.has_value()) << error.message;
  EXPECT_NE(summary->find("five"), std::string::npos) << *summary;
}

TEST_F(ServerTest, SeriesStatisticsCombineTheShownRunsOfTheSeriesOnly) {
  // Run A and B of one series show their results (threshold 4); run C, with one response, is
  // withheld and counts nowhere; a workshop of another series is left out.
  auto other_plan = valid_plan();
  other_plan.replace(other_plan.find("alliance-repair-half-day"), 24, "another-series-entirely");
  struct run { v1::CreateWorkshopResponse w; std::vector<std::string> answers; };
  std::vector<run> runs{{create_workshop(), {"excellent", "excellent", "good", "good"}},
                        {create_workshop(), {"good", "excellent", "good", "good", "fair"}},
                        {create_workshop(), {"excellent"}},
                        {create_workshop(other_plan), {"poor", "poor", "poor", "poor"}}};
  for (auto& r : runs) {
    std::vector<participant> people;
    for (std::size_t i = 0; i < r.answers.size(); ++i) people.push_back(join(r.w.code(), "Person " + std::to_string(i)));
    auto facilitator = attach(r.w);
    ASSERT_TRUE(ask(*facilitator, open_feedback()).has_ack());
    for (std::size_t i = 0; i < r.answers.size(); ++i) {
      auto ack = await(people[i].link->submit_feedback("form", response(r.answers[i])), "submit");
      ASSERT_TRUE(ack.has_ack()) << describe(ack);
    }
    // Closed, every response is released: the figures are the whole run's.
    ASSERT_TRUE(ask(*facilitator, close_workshop()).has_ack());
  }
  auto [status, body] = http().get("/api/workshops/" + runs[1].w.code() + "/series-statistics?format=json",
                                   runs[1].w.facilitator_token());
  ASSERT_EQ(status, 200) << body;
  v1::SeriesStatistics stats;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(body, &stats).ok()) << body;
  EXPECT_EQ(stats.series(), "alliance-repair-half-day");
  ASSERT_EQ(stats.runs_size(), 3) << body;
  EXPECT_EQ(stats.combined().responses(), 9u) << "A's 4 and B's 5; C's one withheld response is not counted";
  std::map<std::string, std::uint32_t> counts;
  for (const auto& q : stats.combined().questions())
    if (q.question_id() == "overall")
      for (const auto& o : q.options()) counts[o.option_id()] = o.count();
  EXPECT_EQ(counts["excellent"], 3u);
  EXPECT_EQ(counts["good"], 5u);
  EXPECT_EQ(counts["fair"], 1u);
  EXPECT_EQ(counts["poor"], 0u) << "the other series' answers leaked in";

  auto [csv_status, csv] = http().get("/api/workshops/" + runs[0].w.code() + "/series-statistics?format=csv",
                                      runs[0].w.facilitator_token());
  ASSERT_EQ(csv_status, 200) << csv;
  EXPECT_NE(csv.find("\nall runs,,overall,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(runs[2].w.code() + ",") , std::string::npos) << "the withheld run is listed: " << csv;

  auto [wrong_status, wrong] = http().get("/api/workshops/" + runs[0].w.code() + "/series-statistics",
                                          runs[3].w.facilitator_token());
  EXPECT_EQ(wrong_status, 401) << "another workshop's token opened this series: " << wrong;
  auto [bad_status, bad] = http().get("/api/workshops/" + runs[0].w.code() + "/series-statistics?format=xml",
                                      server_process::admin_token);
  EXPECT_EQ(bad_status, 400) << bad;
  EXPECT_NE(bad.find("format must be csv, json or summary"), std::string::npos) << bad;
}

TEST_F(ServerTest, TheDashboardLearnsEachGroupsMembersFromGroupStatuses) {
  const auto w = create_workshop();
  std::vector<participant> people;
  for (const char* name : {"Ada", "Ben", "Cy", "Dee", "Eve"}) people.push_back(join(w.code(), name));
  auto facilitator = attach(w);
  ASSERT_TRUE(ask(*facilitator, launch("naming-the-strain")).has_ack());
  auto statuses = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_group_statuses() && m.group_statuses().round() == 1; }, answer_deadline);
  ASSERT_TRUE(statuses.has_value()) << "no GroupStatuses after the launch";
  const auto& g = statuses->group_statuses();
  EXPECT_EQ(g.exercise_id(), "naming-the-strain");
  std::vector<std::string> members;
  for (const auto& group : g.round_groups()) {
    EXPECT_EQ(group.room().rfind("Room ", 0), 0U) << group.room();
    for (const auto& m : group.members()) {
      members.push_back(m.participant_id());
      EXPECT_FALSE(m.role().empty()) << "a member without a role in " << group.room();
    }
  }
  std::vector<std::string> expected;
  for (const auto& p : people) expected.push_back(p.id());
  std::sort(members.begin(), members.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(members, expected) << "everyone present is in exactly one group, as the dashboard is told";
  EXPECT_EQ(g.round_groups_size(), 2) << "five people: a pair and a triad";
}

TEST_F(ServerTest, AJoinSentAgainWithItsOwnTokenAddsNobodyTwice) {
  const auto w = create_workshop();
  const std::string token = "k3Jd9-fQ_0aZ7rT2mW5xYb";  // 22 characters, as a browser makes them
  auto join_with = [&](const std::string& t) {
    v1::ClientMessage m;
    m.mutable_join()->set_display_name("Ada");
    m.mutable_join()->set_resume_token(t);
    return ask(*open(w.code()), std::move(m));
  };
  const auto first = join_with(token);
  ASSERT_TRUE(first.has_participant_snapshot()) << describe(first);
  EXPECT_EQ(first.participant_snapshot().resume_token(), token);
  // The first answer was lost in a drop; the page sends the same Join on a new connection.
  const auto again = join_with(token);
  ASSERT_TRUE(again.has_participant_snapshot()) << describe(again);
  EXPECT_EQ(again.participant_snapshot().participant_id(), first.participant_snapshot().participant_id());
  auto facilitator = open(w.code());
  v1::ClientMessage attach;
  attach.mutable_attach()->set_facilitator_token(w.facilitator_token());
  const auto snapshot = ask(*facilitator, std::move(attach));
  ASSERT_TRUE(snapshot.has_facilitator_snapshot()) << describe(snapshot);
  EXPECT_EQ(snapshot.facilitator_snapshot().roster().entries_size(), 1) << "the repeated Join added Ada twice";

  const auto weak = join_with("short");
  ASSERT_TRUE(weak.has_error()) << describe(weak);
  EXPECT_EQ(weak.error().code(), v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_NE(weak.error().message().find("22 to 128"), std::string::npos) << weak.error().message();
}

TEST_F(ServerTest, DoneOrHelpMeantForAnEndedRoundChangesNothing) {
  const auto w = create_workshop();
  auto ada = join(w.code(), "Ada");
  auto ben = join(w.code(), "Ben");
  auto facilitator = attach(w);
  ASSERT_TRUE(ask(*facilitator, launch("naming-the-strain")).has_ack());
  v1::ClientMessage stale;
  stale.mutable_help()->set_note("pressed in a tunnel during round 0");
  stale.mutable_help()->set_round(7);
  const auto refused = ask(*ada.link, stale);
  ASSERT_TRUE(refused.has_error()) << describe(refused);
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_WRONG_STATE);
  EXPECT_NE(refused.error().message().find("round 7"), std::string::npos) << refused.error().message();
  v1::ClientMessage done;
  done.mutable_done()->set_round(1);
  EXPECT_TRUE(ask(*ben.link, done).has_ack()) << "done for the running round is taken";
  auto statuses = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) {
        if (!m.has_group_statuses()) return false;
        for (const auto& g : m.group_statuses().groups()) if (g.done()) return true;
        return false;
      },
      answer_deadline);
  ASSERT_TRUE(statuses.has_value()) << "no status with the group done";
  for (const auto& g : statuses->group_statuses().groups()) EXPECT_FALSE(g.needs_help()) << "the stale help request was counted";
}

TEST_F(ServerTest, StopSaysGoodbyeToClientsAndExitsZero) {
  const auto w = create_workshop();
  auto p = join(w.code(), "Ada");
  int status = -2;
  std::thread stopper([&] { status = server_->stop(); });
  auto bye = p.link->wait_for_event([](const v1::ServerMessage& m) { return m.has_goodbye(); }, answer_deadline);
  stopper.join();
  server_.reset();
  EXPECT_TRUE(bye.has_value()) << "no Goodbye before the server stopped";
  EXPECT_EQ(status, 0) << "dyad-server did not exit 0 on SIGTERM";
}

// ---------------------------------------------------------------------------------------------
// Exports

TEST_F(ServerTest, ZoomExportListsEachMemberWithAnEmail) {
  const auto w = create_workshop();
  auto a = join(w.code(), "Ada", "ada@example.org");
  auto b = join(w.code(), "Ben", "ben@example.org");
  auto c = join(w.code(), "Cy");
  auto facilitator = attach(w);
  ASSERT_TRUE(ask(*facilitator, launch("naming-the-strain")).has_ack());
  auto [status, csv] = http().get("/api/workshops/" + w.code() + "/rounds/1/zoom.csv", w.facilitator_token());
  ASSERT_EQ(status, 200) << csv;
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "Pre-assign Room Name,Email Address");
  EXPECT_NE(csv.find("Room 1,ada@example.org\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("Room 1,ben@example.org\n"), std::string::npos) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3) << csv;
  auto [list_status, list] = http().get("/api/workshops/" + w.code() + "/rounds/1/list", w.facilitator_token());
  EXPECT_EQ(list_status, 200) << list;
  EXPECT_NE(list.find("Cy"), std::string::npos) << list;
  EXPECT_EQ(http().get("/api/workshops/" + w.code() + "/rounds/1/zoom.csv", "wrong-token").first, 401);
}

// ---------------------------------------------------------------------------------------------
// Hostile clients

TEST_F(ServerTest, UpgradeFromAForeignOriginIsRefused) {
  const auto w = create_workshop();
  auto foreign = address_;
  foreign.origin = "https://evil.example";
  try {
    auto link = await(connection::open(runtime_, foreign, w.code()), "open");
    FAIL() << "the upgrade from a foreign origin was accepted";
  } catch (const client::client_exception& e) {
    EXPECT_EQ(e.error().http_status, 403) << e.what();
  }
}

TEST_F(ServerTest, OversizedFrameClosesOnlyThatConnection) {
  const auto w = create_workshop();
  auto bystander = join(w.code(), "Ada");
  auto big = join(w.code(), "Ben");
  big.link->send_raw(std::string(100 * 1024, 'x'));
  // Closing is the event: wait_for_event returns as soon as nothing more can arrive.
  (void)big.link->wait_for_event([](const v1::ServerMessage&) { return false; }, answer_deadline);
  EXPECT_FALSE(big.link->is_open()) << "the oversized frame did not close the connection";
  v1::ClientMessage ping;
  ping.mutable_ping()->set_client_ms(7);
  EXPECT_TRUE(ask(*bystander.link, ping).has_pong()) << "another connection was affected";
}

TEST_F(ServerTest, FloodIsRateLimited) {
  const auto w = create_workshop();
  auto p = join(w.code(), "Ada");
  std::vector<std::future<v1::ServerMessage>> answers;
  for (int i = 0; i < 100; ++i) {
    v1::ClientMessage ping;
    ping.mutable_ping()->set_client_ms(i);
    answers.push_back(p.link->request(ping));
  }
  int limited = 0;
  for (auto& f : answers) {
    auto m = await(std::move(f), "ping");
    if (m.has_error() && m.error().code() == v1::ERROR_CODE_RATE_LIMITED) ++limited;
  }
  EXPECT_GT(limited, 0) << "100 requests at once were not rate limited";
  EXPECT_TRUE(p.link->is_open());
}

}  // namespace
}  // namespace dyad::test

namespace dyad::test {
namespace {

TEST_F(ServerTest, ABroadcastSurvivesAKillAndEndsWithItsRound) {
  auto [w, facilitator, people] = start_round({"Ana", "Ben", "Cleo", "Dev"}, "naming-the-strain");
  v1::ClientMessage b;
  b.mutable_broadcast()->set_text("Five minutes left in this round.");
  ASSERT_TRUE(ask(*facilitator, b).has_ack());
  const auto tokens = std::vector<std::string>{people[0].snapshot.resume_token(), people[1].snapshot.resume_token()};
  people.clear();
  facilitator.reset();

  // Killed at once: the message was acknowledged, so it is in the log.
  kill_and_restart();
  auto link = open(w.code());
  auto resumed = await(link->resume(tokens[0]), "resume");
  ASSERT_TRUE(resumed.has_participant_snapshot()) << describe(resumed);
  EXPECT_EQ(resumed.participant_snapshot().last_broadcast().text(), "Five minutes left in this round.");
  facilitator = attach(w);

  // The round ends: every page is told the message is over, and a newcomer never sees it.
  v1::ClientMessage end;
  end.mutable_end_round();
  ASSERT_TRUE(ask(*facilitator, end).has_ack());
  auto cleared = link->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_broadcast() && m.broadcast().text().empty(); }, answer_deadline);
  EXPECT_TRUE(cleared) << "the participant was not told the message is over";
  const auto late = join(w.code(), "Eve");
  EXPECT_TRUE(late.snapshot.last_broadcast().text().empty()) << "round 1's message greeted a late joiner";
}

TEST_F(ServerTest, HelpRequestsSurviveAKillAndAreHandled) {
  auto [w, facilitator, people] = start_round({"Ana", "Ben", "Cleo", "Dev"}, "naming-the-strain");
  v1::ClientMessage help;
  help.mutable_help()->set_note("Our client froze.");
  ASSERT_TRUE(ask(*people[0].link, help).has_ack());
  // The partner sees that their room asked.
  auto told = people[0].link->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_assignment() && m.assignment().help_open(); }, answer_deadline);
  ASSERT_TRUE(told);
  EXPECT_EQ(told->assignment().help_from(), "Ana");
  const auto room = told->assignment().room();
  const auto token = people[0].snapshot.resume_token();
  people.clear();
  facilitator.reset();

  kill_and_restart();
  auto link = open(w.code());
  const auto attached = await(link->attach_facilitator(w.facilitator_token()), "attach");
  ASSERT_TRUE(attached.has_facilitator_snapshot()) << describe(attached);
  bool asking = false;
  for (const auto& g : attached.facilitator_snapshot().group_statuses().groups())
    if (g.room() == room) asking = g.needs_help() && g.help_note() == "Our client froze." && g.help_from() == "Ana";
  EXPECT_TRUE(asking) << "the help request did not survive the restart: " << describe(attached);

  v1::ClientMessage handled;
  handled.mutable_help_handled()->set_room(room);
  handled.mutable_help_handled()->set_round(1);
  ASSERT_TRUE(ask(*link, handled).has_ack());
  auto cleared = link->wait_for_event(
      [&](const v1::ServerMessage& m) {
        if (!m.has_group_statuses()) return false;
        for (const auto& g : m.group_statuses().groups())
          if (g.room() == room) return !g.needs_help();
        return false;
      },
      answer_deadline);
  EXPECT_TRUE(cleared) << "the dashboard was not told the request was handled";
  auto participant_link = open(w.code());
  auto resumed = await(participant_link->resume(token), "resume");
  ASSERT_TRUE(resumed.has_participant_snapshot());
  EXPECT_FALSE(resumed.participant_snapshot().assignment().help_open());
  // A participant may not mark another room's help handled.
  auto refused = ask(*participant_link, handled);
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_FORBIDDEN);
}

TEST_F(ServerTest, ARegroupAndARoomsDoneSurviveAKill) {
  auto [w, facilitator, people] = start_round({"Ana", "Ben", "Cleo", "Dev"}, "naming-the-strain");
  const auto attach_now = [&](const std::string& what) {
    auto answer = await(open(w.code())->attach_facilitator(w.facilitator_token()), what);
    if (!answer.has_facilitator_snapshot()) throw std::runtime_error(what + ": " + describe(answer));
    return answer.facilitator_snapshot();
  };
  const auto room_of = [](const v1::FacilitatorSnapshot& s, const std::string& id) {
    for (const auto& g : s.groups())
      for (const auto& m : g.members())
        if (m.participant_id() == id) return g.room();
    return std::string{};
  };
  // Ana's partner is left alone when she is marked away; the other room has said it is done.
  const auto launched = attach_now("attach at launch");
  const auto ana_room = room_of(launched, people[0].id());
  std::size_t partner = 0, other = 0;
  for (std::size_t i = 1; i < people.size(); ++i) (room_of(launched, people[i].id()) == ana_room ? partner : other) = i;
  const auto other_room = room_of(launched, people[other].id());
  v1::ClientMessage done;
  done.mutable_done()->set_round(1);
  ASSERT_TRUE(ask(*people[other].link, done).has_ack());
  v1::ClientMessage away;
  away.mutable_mark_away()->set_participant_id(people[0].id());
  away.mutable_mark_away()->set_away(true);
  ASSERT_TRUE(ask(*facilitator, away).has_ack());
  const auto moved = people[partner].link->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_assignment() && m.assignment().partner_names_size() == 2; },
      answer_deadline);
  ASSERT_TRUE(moved.has_value()) << people[partner].name() << ", left alone, was not regrouped";
  const auto before = attach_now("attach before the kill");
  ASSERT_EQ(room_of(before, people[partner].id()), other_room) << "the partner did not join the other room";
  const auto token = people[partner].snapshot.resume_token();
  people.clear();
  facilitator.reset();

  kill_and_restart();
  const auto after = attach_now("attach after the kill");
  ASSERT_EQ(after.groups_size(), before.groups_size()) << after.ShortDebugString();
  for (int i = 0; i < after.groups_size(); ++i)
    EXPECT_EQ(after.groups(i).ShortDebugString(), before.groups(i).ShortDebugString())
        << "the regrouped rooms came back otherwise";
  bool is_done = false;
  for (const auto& g : after.group_statuses().groups())
    if (g.room() == other_room) is_done = g.done();
  EXPECT_TRUE(is_done) << "the room's \"we're done\" did not survive: " << after.ShortDebugString();
  auto resumed = await(open(w.code())->resume(token), "the moved partner resumes");
  ASSERT_TRUE(resumed.has_participant_snapshot()) << describe(resumed);
  EXPECT_EQ(resumed.participant_snapshot().assignment().room(), other_room);
  EXPECT_EQ(resumed.participant_snapshot().assignment().partner_names_size(), 2) << describe(resumed);
}

}  // namespace
}  // namespace dyad::test
