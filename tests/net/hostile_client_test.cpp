// The real dyad-server against clients that misbehave or are unlucky: dropped connections that
// resume, retried submissions, a client that stops reading, a flood, wrong tokens. Each test
// starts the server binary on port 0 and bounds every wait by a deadline.

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dyad_client.hpp"
#include "net/net_test_support.hpp"
#include "net/server_fixture.hpp"
#include "net/raw_ws_client.hpp"
#include "net/server_process.hpp"

namespace dyad::test {
namespace {

namespace v1 = dyad::v1;
using namespace std::chrono_literals;
using client::connection;

class HostileClient : public server_fixture {};

// ---------------------------------------------------------------------------------------------

TEST_F(HostileClient, ReconnectMidRoundResumesTheSameRoomPartnerRoleAndDeadline) {
  const auto w = create_workshop();
  auto a = join(w.code(), "Ada");
  auto b = join(w.code(), "Ben");
  auto facilitator = attach(w);
  v1::ClientMessage launch;
  launch.mutable_launch_round()->set_exercise_id("naming-the-strain");
  auto launched = ask(*facilitator, launch);
  ASSERT_TRUE(launched.has_ack()) << describe(launched);

  const auto is_assignment = [](const v1::ServerMessage& m) { return m.has_assignment() && m.assignment().round() == 1; };
  const auto is_phase = [](const v1::ServerMessage& m) { return m.has_phase() && m.phase().round() == 1; };
  auto a_before = a.link->wait_for_event(is_assignment, answer_deadline);
  auto a_phase = a.link->wait_for_event(is_phase, answer_deadline);
  auto b_before = b.link->wait_for_event(is_assignment, answer_deadline);
  ASSERT_TRUE(a_before && a_phase && b_before) << "an assignment or phase did not arrive after the launch";
  ASSERT_EQ(a_before->assignment().partner_names_size(), 1) << describe(*a_before);
  EXPECT_EQ(a_before->assignment().partner_names(0), "Ben") << describe(*a_before);

  // The Wi-Fi drops; wait until the server has noticed (the facilitator sees Ada disconnected).
  a.link->drop();
  const auto ada = a.snapshot.participant_id();
  auto noticed = facilitator->wait_for_event(
      [&ada](const v1::ServerMessage& m) {
        const auto* entries = roster_entries(m);
        if (entries == nullptr) return false;
        for (const auto& e : *entries)
          if (e.participant_id() == ada) return e.presence() == v1::PRESENCE_DISCONNECTED;
        return false;
      },
      answer_deadline);
  ASSERT_TRUE(noticed.has_value()) << "the server never marked Ada disconnected after the drop";

  // Back well within the grace period (90 s by default), on a new connection.
  auto again = open(w.code());
  auto resumed = await(again->resume(a.snapshot.resume_token()), "resume");
  ASSERT_TRUE(resumed.has_participant_snapshot()) << describe(resumed);
  const auto& s = resumed.participant_snapshot();
  EXPECT_EQ(s.participant_id(), ada);
  ASSERT_TRUE(s.has_assignment()) << "the resumed snapshot has no assignment: " << s.ShortDebugString();
  EXPECT_EQ(s.assignment().room(), a_before->assignment().room()) << s.ShortDebugString();
  EXPECT_EQ(std::vector<std::string>(s.assignment().partner_names().begin(), s.assignment().partner_names().end()),
            std::vector<std::string>(a_before->assignment().partner_names().begin(),
                                     a_before->assignment().partner_names().end()))
      << s.ShortDebugString();
  EXPECT_EQ(s.assignment().role_id(), a_before->assignment().role_id()) << s.ShortDebugString();
  EXPECT_EQ(s.phase().deadline_ms(), a_phase->phase().deadline_ms()) << s.ShortDebugString();

  // Ben was not regrouped: up to a marker (a Ping with an id his connection did not assign, so
  // its Pong arrives as an event in order after everything the drop and resume caused), Ben
  // received no Assignment at all.
  constexpr std::uint64_t marker = 1ull << 60;
  auto m = ping(99);
  m.set_request_id(marker);
  b.link->send_raw(m.SerializeAsString());
  std::vector<std::string> reassigned;
  auto reached = b.link->wait_for_event(
      [&reassigned](const v1::ServerMessage& e) {
        if (e.has_assignment()) reassigned.push_back(e.ShortDebugString());
        return e.has_pong() && e.request_id() == marker;
      },
      answer_deadline);
  ASSERT_TRUE(reached.has_value()) << "Ben's marker Ping was not answered";
  EXPECT_TRUE(reassigned.empty()) << "Ben got a new assignment while Ada was away: " << reassigned.front();
  // And his partner is still Ada.
  ASSERT_EQ(b_before->assignment().partner_names_size(), 1) << describe(*b_before);
  EXPECT_EQ(b_before->assignment().partner_names(0), "Ada");
  EXPECT_EQ(b_before->assignment().room(), a_before->assignment().room());
}

TEST_F(HostileClient, RetriedSubmissionAfterReconnectCountsOnce) {
  const auto w = create_workshop();
  auto a = join(w.code(), "Ada");
  auto facilitator = attach(w);
  v1::ClientMessage open_feedback;
  open_feedback.mutable_open_feedback();
  auto opened = ask(*facilitator, open_feedback);
  ASSERT_TRUE(opened.has_ack()) << describe(opened);

  auto first = await(a.link->submit_feedback("form-1", response("good")), "submit");
  ASSERT_TRUE(first.has_ack()) << describe(first);
  // The Ack is lost to the page as the connection drops; the page resumes and sends again.
  a.link->drop();
  auto again = open(w.code());
  auto resumed = await(again->resume(a.snapshot.resume_token()), "resume");
  ASSERT_TRUE(resumed.has_participant_snapshot()) << describe(resumed);
  EXPECT_TRUE(resumed.participant_snapshot().feedback().submitted())
      << "the resumed snapshot does not show the stored submission: " << describe(resumed);

  auto retry = await(again->submit_feedback("form-1", response("good")), "retry");
  EXPECT_TRUE(retry.has_ack()) << "a retry with the same submission id was not acknowledged: " << describe(retry);
  auto second = await(again->submit_feedback("form-2", response("poor")), "second");
  ASSERT_TRUE(second.has_error()) << describe(second);
  EXPECT_EQ(second.error().code(), v1::ERROR_CODE_ALREADY_SUBMITTED) << describe(second);

  // Closed, every stored response is shown.
  v1::ClientMessage close;
  close.mutable_close_workshop();
  ASSERT_TRUE(ask(*facilitator, close).has_ack());
  client::client_error error;
  auto json = http().export_statistics(w.code(), "json", w.facilitator_token(), &error);
  ASSERT_TRUE(json.has_value()) << error.message;
  EXPECT_NE(json->find("\"responses\":1"), std::string::npos) << "not exactly one response stored: " << *json;
}

TEST_F(HostileClient, SlowClientIsDroppedAndOthersAreServed) {
  const auto w = create_workshop();
  auto bystander = join(w.code(), "Ada");

  raw_ws_client slow(server_->port(), w.code());
  v1::ClientMessage join;
  join.set_request_id(1);
  join.mutable_join()->set_display_name("Slow");
  slow.send(join);
  auto joined = slow.read_message();
  ASSERT_TRUE(joined.has_value()) << "the raw client's Join got no answer";
  ASSERT_TRUE(joined->has_participant_snapshot()) << describe(*joined);
  // From here on it never reads.

  const std::string dropped_metric = "dyad_slow_clients_dropped_total";
  const auto dropped_before = metric(dropped_metric);
  v1::ClientMessage broadcast;
  broadcast.mutable_broadcast()->set_text(std::string(2000, 'b'));  // the server's largest broadcast

  // Each facilitator connection starts with a full burst (40 tokens): 35 broadcasts after the
  // attach stay within the rate limit, each paced by its Ack. Kernel buffers hold a few MiB at
  // most, then the server's queue (512 frames) overflows; 200 batches (14 MB) bound the test.
  constexpr int per_connection = 35;
  constexpr int max_batches = 200;
  int sent = 0;
  bool dropped = false;
  for (int batch = 0; batch < max_batches && !dropped; ++batch) {
    auto facilitator = attach(w);
    for (int i = 0; i < per_connection; ++i, ++sent) {
      auto ack = ask(*facilitator, broadcast);
      ASSERT_TRUE(ack.has_ack()) << "broadcast " << sent << " refused: " << describe(ack);
    }
    facilitator->close();
    dropped = metric(dropped_metric) > dropped_before;
  }
  ASSERT_TRUE(dropped) << "after " << sent << " broadcasts of 2000 bytes the client that never reads was not dropped";
  EXPECT_TRUE(slow.drained_to_close(answer_deadline)) << "the server did not close the slow client's socket";

  auto pong = ask(*bystander.link, ping(5));
  EXPECT_TRUE(pong.has_pong()) << "the bystander was not served after the slow client was dropped: " << describe(pong);
  auto heard = bystander.link->wait_for_event([](const v1::ServerMessage& m) { return m.has_broadcast(); }, answer_deadline);
  EXPECT_TRUE(heard.has_value()) << "the bystander heard none of the broadcasts";
}

TEST_F(HostileClient, FloodFarBeyondTheRateLimitClosesOnlyThatConnection) {
  const auto w = create_workshop();
  auto bystander = join(w.code(), "Ada");
  auto flooder = join(w.code(), "Ben");
  const auto rate_limited_before = metric("dyad_rate_limited_total");

  // websocket_session closes a connection after 200 refused frames in a row. Requests with no
  // kind are refused whether or not a token is left (unknown, or rate limited), so 300 of them
  // in a row cross the threshold however fast this machine sends.
  constexpr int frames = 300;
  for (int i = 0; i < frames; ++i) {
    v1::ClientMessage nothing;
    nothing.set_request_id(1'000'000 + static_cast<std::uint64_t>(i));
    flooder.link->send_raw(nothing.SerializeAsString());
  }
  int refused = 0;
  (void)flooder.link->wait_for_event(
      [&refused](const v1::ServerMessage& m) {
        if (m.has_error()) ++refused;
        return false;
      },
      answer_deadline);
  EXPECT_FALSE(flooder.link->is_open()) << "the flood of " << frames << " refused frames did not close the connection; "
                                        << refused << " refusals arrived";
  EXPECT_GT(refused, 0) << "the flooder was closed without being told why first";
  EXPECT_GT(metric("dyad_rate_limited_total"), rate_limited_before) << "the flood was not rate limited";

  auto pong = ask(*bystander.link, ping(7));
  EXPECT_TRUE(pong.has_pong()) << "the bystander's Ping was not answered after the flood: " << describe(pong);
}

TEST_F(HostileClient, TokensAreChecked) {
  const auto x = create_workshop();
  const auto y = create_workshop();
  ASSERT_NE(x.facilitator_token(), y.facilitator_token());

  for (const auto& [token, what] : {std::pair<std::string, const char*>{"", "an empty token"},
                                    std::pair<std::string, const char*>{y.facilitator_token(), "the other workshop's token"}}) {
    auto link = open(x.code());
    auto answer = await(link->attach_facilitator(token), "attach");
    ASSERT_TRUE(answer.has_error()) << "attach with " << what << " was accepted: " << describe(answer);
    EXPECT_EQ(answer.error().code(), v1::ERROR_CODE_UNAUTHORIZED) << what << ": " << describe(answer);
  }

  {
    auto link = open(x.code());
    auto answer = await(link->resume("0123456789abcdef0123456789abcdef"), "resume");
    ASSERT_TRUE(answer.has_error()) << "resume with an unknown token was accepted: " << describe(answer);
    EXPECT_TRUE(answer.error().code() == v1::ERROR_CODE_UNAUTHORIZED || answer.error().code() == v1::ERROR_CODE_NOT_FOUND)
        << describe(answer);
    EXPECT_GT(answer.error().message().size(), 20u) << "no sentence to act on: " << describe(answer);
  }

  // Exports: no token, the other workshop's token and a made-up one are all 401; the right one works.
  for (const auto& [token, what] : {std::pair<std::string, const char*>{"", "no token"},
                                    std::pair<std::string, const char*>{y.facilitator_token(), "the other workshop's token"},
                                    std::pair<std::string, const char*>{"not-a-token", "a made-up token"}}) {
    client::client_error error;
    auto json = http().export_statistics(x.code(), "json", token, &error);
    EXPECT_FALSE(json.has_value()) << "statistics exported with " << what << ": " << json.value_or("");
    EXPECT_EQ(error.http_status, 401) << what << ": " << error.message;
    auto [status, body] = http().get("/api/workshops/" + x.code() + "/rounds/1/zoom.csv", token);
    EXPECT_EQ(status, 401) << "zoom.csv with " << what << ": " << body;
  }
  client::client_error error;
  EXPECT_TRUE(http().export_statistics(x.code(), "json", x.facilitator_token(), &error).has_value()) << error.message;

  // A participant of X cannot use X's resume token to enter Y; in X it works.
  auto p = join(x.code(), "Ada");
  auto into_y = open(y.code());
  auto refused = await(into_y->resume(p.snapshot.resume_token()), "resume into the other workshop");
  ASSERT_TRUE(refused.has_error()) << "a resume token of workshop X let its holder into Y: " << describe(refused);
  EXPECT_TRUE(refused.error().code() == v1::ERROR_CODE_UNAUTHORIZED || refused.error().code() == v1::ERROR_CODE_NOT_FOUND)
      << describe(refused);
  p.link->drop();
  auto into_x = open(x.code());
  auto resumed = await(into_x->resume(p.snapshot.resume_token()), "resume into its own workshop");
  EXPECT_TRUE(resumed.has_participant_snapshot()) << describe(resumed);
}

}  // namespace
}  // namespace dyad::test

namespace dyad::test {
namespace {

TEST_F(HostileClient, ARequestWithIdZeroIsRefusedAndChangesNothing) {
  const auto w = create_workshop();
  raw_ws_client client(server_->port(), w.code());
  v1::ClientMessage join;
  join.set_request_id(0);
  join.mutable_join()->set_display_name("Zero");
  client.send(join);
  const auto answer = client.read_message();
  ASSERT_TRUE(answer) << "no answer";
  ASSERT_TRUE(answer->has_error()) << describe(*answer);
  EXPECT_EQ(answer->error().code(), v1::ERROR_CODE_MALFORMED);
  EXPECT_NE(answer->error().message().find("request_id other than 0"), std::string::npos) << describe(*answer);
  auto link = open(w.code());
  const auto attached = await(link->attach_facilitator(w.facilitator_token()), "attach");
  ASSERT_TRUE(attached.has_facilitator_snapshot()) << describe(attached);
  EXPECT_EQ(attached.facilitator_snapshot().roster().entries_size(), 0) << "the refused join added someone";
}

}  // namespace
}  // namespace dyad::test
