// The client library against the real dyad-server, started per test on 127.0.0.1 with an
// ephemeral port and a fresh data folder (tests/net/server_fixture.hpp): real sockets, real
// WebSocket frames, the real answers. No sleeps: every wait is on the event with a deadline.
// What only a misbehaving server shows (a stall, a server that stops reading), or what the real
// one does not tell (how the socket ended), is in fake_server_test.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dyad_client.hpp"
#include "net/net_test_support.hpp"
#include "net/raw_ws_client.hpp"
#include "net/server_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using dyad::client::client_exception;
using dyad::client::client_runtime;
using dyad::client::connection;
using dyad::client::http_api;
using dyad::client::server_address;
using dyad::test::answer_deadline;
using dyad::test::await;
using dyad::test::describe;
using dyad::test::read_text;
using dyad::test::roster_total;
using dyad::test::server_process;
namespace v1 = dyad::v1;

/// The client_exception a future holds; fails the test when it holds a value or none in time.
template <class T>
std::optional<dyad::client::client_error> failure_of(std::future<T>& future) {
  if (future.wait_for(answer_deadline) != std::future_status::ready) {
    ADD_FAILURE() << "still pending after " << answer_deadline.count() << " s";
    return std::nullopt;
  }
  try {
    future.get();
  } catch (const client_exception& e) {
    return e.error();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a client_exception: " << e.what();
    return std::nullopt;
  }
  ADD_FAILURE() << "succeeded";
  return std::nullopt;
}

v1::ClientMessage broadcast(const std::string& text) {
  v1::ClientMessage message;
  message.mutable_broadcast()->set_text(text);
  return message;
}

bool is_broadcast(const v1::ServerMessage& m, const std::string& text) {
  return m.has_broadcast() && m.broadcast().text() == text;
}

/// Waits until the connection has ended (its queued events consumed); false if still open at the
/// deadline. wait_for_event returns at once, with nothing, once nothing more can arrive.
bool ended_within(connection& c, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (c.is_open() && std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    c.wait_for_event([](const v1::ServerMessage&) { return true; }, std::max(left, 0ms));
  }
  return !c.is_open();
}

std::string test_plan(const std::string& name) { return read_text(std::string(DYAD_TEST_DATA_DIR) + "/plans/" + name); }

/// A real dyad-server per test (tests/net/server_fixture.hpp) for the client library.
class ClientConnection : public dyad::test::server_fixture {
protected:
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(address_.port); }

  /// The refusal of an upgrade to `code` from `origin` ("" for the client's default).
  std::optional<dyad::client::client_error> refusal(const std::string& code, const std::string& origin = {}) {
    auto address = address_;
    address.origin = origin;
    auto future = connection::open(runtime_, address, code);
    return failure_of(future);
  }
};

TEST_F(ClientConnection, OpensOnTheWorkshopPathFromItsOwnOrigin) {
  const auto w = create_workshop();
  // The server upgrades only /ws?w=CODE of an open workshop, and only from an allowed origin
  // (by default its own http://127.0.0.1:PORT): a connection that opens sent all three right.
  auto c = open(w.code());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_open());
  EXPECT_EQ(c->close_reason(), "");
  const auto joined = await(c->join("Ada"), "join");
  ASSERT_TRUE(joined.has_participant_snapshot()) << describe(joined);
  EXPECT_EQ(joined.participant_snapshot().shown_name(), "Ada");
  EXPECT_EQ(joined.request_id(), 1U);
}

TEST_F(ClientConnection, SendsTheOriginItIsGiven) {
  stop_cleanly();
  start({"--allowed-origin", "https://dyad.example.org"});
  const auto w = create_workshop();
  auto address = address_;
  address.origin = "https://dyad.example.org";
  auto c = await(connection::open(runtime_, address, w.code()), "open from the allowed origin");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_open());
  // The default origin is no longer on the list: the server tells the two apart.
  const auto refused = refusal(w.code());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->http_status, 403) << refused->message;
}

TEST_F(ClientConnection, RefusedUpgradeCarriesTheServersAnswer) {
  const auto w = create_workshop();
  // The server refuses upgrades in plain text, not in a dyad.v1.Error: no server code, its
  // sentence in the message.
  const auto foreign = refusal(w.code(), "https://elsewhere.example");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->http_status, 403) << foreign->message;
  EXPECT_EQ(foreign->server_code, v1::ERROR_CODE_UNSPECIFIED) << foreign->message;
  EXPECT_NE(foreign->message.find("HTTP 403"), std::string::npos) << foreign->message;
  EXPECT_NE(foreign->message.find("start the server with --allowed-origin https://elsewhere.example"),
            std::string::npos)
      << foreign->message;
}

TEST_F(ClientConnection, UnknownCodeIsAnsweredInTheProtocolAndTheCloseReasonFailsWhatIsLeft) {
  // The server accepts the upgrade, answers the first request with why, and closes with a reason;
  // it reads nothing after the first request, so the second is left to fail with that reason.
  auto c = open("ZZZZ-ZZZZ");
  auto first = c->join("Cy");
  auto second = c->request(ping(1));
  const auto answer = await(std::move(first), "join an unknown code");
  ASSERT_TRUE(answer.has_error()) << describe(answer);
  EXPECT_EQ(answer.error().code(), v1::ERROR_CODE_NO_SUCH_WORKSHOP) << describe(answer);
  EXPECT_NE(answer.error().message().find("No open workshop 'ZZZZ-ZZZZ'"), std::string::npos) << describe(answer);
  const auto left = failure_of(second);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->message, "the server closed the connection: no such open workshop");
  EXPECT_FALSE(c->is_open());
  EXPECT_EQ(c->close_reason(), "the server closed the connection: no such open workshop");
}

/// A loopback port that is bound but not listening, for as long as it lives: connecting to it
/// is refused, and no other test can take it meanwhile.
class refusing_port {
public:
  refusing_port() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("cannot bind a loopback port for the test");
    port_ = ntohs(addr.sin_port);
  }
  ~refusing_port() { ::close(fd_); }
  refusing_port(const refusing_port&) = delete;
  refusing_port& operator=(const refusing_port&) = delete;
  std::uint16_t port() const { return port_; }

private:
  int fd_;
  std::uint16_t port_ = 0;
};

TEST(ClientWithoutServer, OpenFailsWhenNothingListens) {
  const refusing_port nothing;
  client_runtime runtime;
  server_address address;
  address.port = nothing.port();
  auto future = connection::open(runtime, address, "ABCD-EFGH");
  const auto failure = failure_of(future);
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->message.find("cannot connect"), std::string::npos) << failure->message;
}

TEST(ClientWithoutServer, HttpGetReportsAServerThatIsNotThere) {
  const refusing_port nothing;
  server_address address;
  address.port = nothing.port();
  const auto [status, body] = http_api(address).get("/livez");
  EXPECT_EQ(status, 0);
  EXPECT_NE(body.find("cannot connect"), std::string::npos) << body;
}

TEST_F(ClientConnection, AnswersMatchRequestsUnderConcurrentRequestsFromSeveralThreads) {
  const auto w = create_workshop();
  auto c = attach(w);  // request 1
  // 36 Pings and the attach stay within the server's burst of 40 requests per connection.
  constexpr int threads = 4;
  constexpr int per_thread = 9;
  std::mutex mutex;
  std::vector<std::uint64_t> ids;
  std::vector<std::string> mismatches;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<std::pair<std::int64_t, std::future<v1::ServerMessage>>> futures;
      for (int i = 0; i < per_thread; ++i) {
        // A distinct client_ms per request: the Pong must carry back exactly the one asked.
        const std::int64_t tag = t * 1000 + i;
        futures.emplace_back(tag, c->request(ping(tag)));
      }
      for (auto& [tag, future] : futures) {
        try {
          const auto answer = await(std::move(future), "a Ping");
          const std::lock_guard lock(mutex);
          ids.push_back(answer.request_id());
          if (!answer.has_pong() || answer.pong().client_ms() != tag)
            mismatches.push_back("request " + std::to_string(tag) + " got " + describe(answer));
        } catch (const std::exception& e) {
          const std::lock_guard lock(mutex);
          mismatches.push_back("request " + std::to_string(tag) + " failed: " + e.what());
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " mismatches, first: " << mismatches.front();
  std::sort(ids.begin(), ids.end());
  std::vector<std::uint64_t> expected(threads * per_thread);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i + 2;
  EXPECT_EQ(ids, expected) << "request ids must be 2, 3, … (after the attach's 1) each used once";
}

TEST_F(ClientConnection, EventsReachTheHandlerInOrderAndWaitForEventConsumesUpToTheMatch) {
  const auto w = create_workshop();
  auto facilitator = attach(w);
  // Each join changes the facilitator's roster: one change with Ada, then one with Bea (two on it).
  std::mutex mutex;
  std::vector<int> roster_sizes;
  std::promise<void> saw_one, saw_two;
  facilitator->on_event([&](const v1::ServerMessage& m) {
    const int total = roster_total(m);
    if (total < 0) return;
    const std::lock_guard lock(mutex);
    roster_sizes.push_back(total);
    if (std::count(roster_sizes.begin(), roster_sizes.end(), total) == 1) {
      if (total == 1) saw_one.set_value();
      if (total == 2) saw_two.set_value();
    }
  });
  join(w.code(), "Ada");
  ASSERT_EQ(saw_one.get_future().wait_for(answer_deadline), std::future_status::ready) << "no roster with Ada came";
  join(w.code(), "Bea");
  auto both = saw_two.get_future();
  ASSERT_EQ(both.wait_for(answer_deadline), std::future_status::ready) << "no roster with both came to the handler";
  {
    const std::lock_guard lock(mutex);
    ASSERT_FALSE(roster_sizes.empty());
    EXPECT_EQ(roster_sizes.front(), 1) << "the handler must see the rosters in the order they came";
    EXPECT_TRUE(std::is_sorted(roster_sizes.begin(), roster_sizes.end()));
  }
  // The handler ran, so the event is queued already: one that arrived before the call is found.
  const auto event = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) { return roster_total(m) == 2; }, 0ms);
  ASSERT_TRUE(event) << "an event that arrived before the call must be found";
  EXPECT_EQ(event->request_id(), 0U);
  // Ada's Roster came before the match and was consumed with it.
  EXPECT_FALSE(facilitator->wait_for_event([](const v1::ServerMessage& m) { return roster_total(m) == 1; }, 0ms));
}

TEST_F(ClientConnection, WaitForEventWakesWhenTheEventArrives) {
  const auto w = create_workshop();
  auto facilitator = attach(w);
  std::promise<std::optional<v1::ServerMessage>> waited;
  std::thread waiter([&] {
    waited.set_value(facilitator->wait_for_event([](const auto& m) { return is_broadcast(m, "later"); }, answer_deadline));
  });
  const auto ack = ask(*facilitator, broadcast("later"));
  EXPECT_TRUE(ack.has_ack()) << describe(ack);
  auto result = waited.get_future();
  ASSERT_EQ(result.wait_for(answer_deadline), std::future_status::ready);
  waiter.join();
  const auto event = result.get();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->request_id(), 0U);
}

TEST_F(ClientConnection, WaitForEventGivesUpAtTheDeadline) {
  const auto w = create_workshop();
  // Until it joins, a connection hears nothing from the server: any event at all would match.
  auto c = open(w.code());
  const auto start = std::chrono::steady_clock::now();
  const auto event = c->wait_for_event([](const auto&) { return true; }, 100ms);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(event) << describe(*event);
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 5s);
  EXPECT_TRUE(c->is_open());
}

TEST_F(ClientConnection, ServerCloseEndsTheConnectionAfterItsGoodbye) {
  const auto w = create_workshop();
  auto facilitator = attach(w);
  auto ada = join(w.code(), "Ada");
  v1::ClientMessage close_workshop;
  close_workshop.mutable_close_workshop();
  const auto ack = ask(*facilitator, close_workshop);
  ASSERT_TRUE(ack.has_ack()) << describe(ack);
  const auto goodbye = ada.link->wait_for_event([](const auto& m) { return m.has_goodbye(); }, answer_deadline);
  ASSERT_TRUE(goodbye) << "no Goodbye after the workshop closed";
  EXPECT_EQ(goodbye->goodbye().reason(), "The workshop has closed. Thank you for taking part.");
  ASSERT_TRUE(ended_within(*ada.link, answer_deadline)) << "the connection stayed open after the Goodbye";
  // The real server closes with code normal and no reason.
  EXPECT_EQ(ada.link->close_reason(), "the server closed the connection");
  auto after = ada.link->request(ping(1));
  const auto failure = failure_of(after);
  ASSERT_TRUE(failure) << "a request after the close must fail at once";
  EXPECT_EQ(failure->message, "the server closed the connection");
}

TEST_F(ClientConnection, MeasuresClockOffsetNearZeroOnLoopback) {
  const auto w = create_workshop();
  auto ada = join(w.code(), "Ada");
  const auto offset = await(ada.link->measure_clock_offset(), "measure_clock_offset");
  // Same machine, same clock: only the midpoint's error and ms rounding remain.
  // Generous for a loaded 2-core machine; a wrong sign or unit is off by years, not milliseconds.
  EXPECT_LE(std::chrono::abs(offset), 500ms) << "offset " << offset.count() << " ms";
}

TEST_F(ClientConnection, MalformedFrameIsAnsweredAsAnEventAndTheConnectionStillServes) {
  const auto w = create_workshop();
  auto ada = join(w.code(), "Ada");
  ada.link->send_raw(std::string("\xff\xff\xff", 3));
  const auto error = ada.link->wait_for_event([](const auto& m) { return m.has_error(); }, answer_deadline);
  ASSERT_TRUE(error) << "no Error came back for a malformed frame";
  EXPECT_EQ(error->error().code(), v1::ERROR_CODE_MALFORMED) << describe(*error);
  EXPECT_EQ(error->request_id(), 0U);
  const auto pong = ask(*ada.link, ping(7));
  EXPECT_TRUE(pong.has_pong()) << describe(pong);
}

// ---------------------------------------------------------------------------------------------
// Keep-alive

/// A `--ws-idle-timeout 1` server pings a connection silent for half a second and closes it after
/// a whole one. The client library answers those pings, so its connection outlives three idle
/// timeouts and serves the next request on the same TCP connection. A peer that never answers
/// (a raw socket that never reads) is closed alongside: the timeout was in force.
TEST_F(ClientConnection, KeepAliveHoldsAnIdleConnectionOpenAcrossTheServersIdleTimeout) {
  stop_cleanly();
  start({"--ws-idle-timeout", "1"});
  const auto w = create_workshop();
  auto ada = join(w.code(), "Ada");
  dyad::test::raw_ws_client silent(address_.port, w.code());

  // Ends once the silent peer is closed: one idle timeout has passed for both.
  ASSERT_TRUE(silent.drained_to_close(answer_deadline))
      << "the server kept a peer that never answers its pings; logs:\n" << server_->logs();
  // Two more idle timeouts; this returns early only if Ada's connection ends.
  EXPECT_FALSE(ended_within(*ada.link, 2s)) << "the idle connection was closed: " << ada.link->close_reason()
                                            << "; logs:\n" << server_->logs();

  // The server's own count, which a client that stopped reading could not fake: one connection
  // open, Ada's.
  ASSERT_EQ(metric("dyad_websocket_connections"), 1U) << "the server closed Ada's idle connection; logs:\n"
                                                      << server_->logs();
  ASSERT_TRUE(ada.link->is_open()) << ada.link->close_reason();
  const auto pong = ask(*ada.link, ping(7));
  EXPECT_TRUE(pong.has_pong()) << describe(pong);
  // On the same connection: two upgrades in all, Ada's and the silent peer's.
  EXPECT_EQ(metric("dyad_websocket_connections_total"), 2U);
}

// ---------------------------------------------------------------------------------------------
// The HTTP API

using HttpApi = ClientConnection;

TEST_F(HttpApi, GetReturnsStatusAndBody) {
  EXPECT_EQ(http().get("/livez"), (std::pair<int, std::string>{200, "ok\n"}));
  EXPECT_EQ(http().get("/readyz"), (std::pair<int, std::string>{200, "ready\n"}));
  EXPECT_EQ(http().get("/nowhere"), (std::pair<int, std::string>{404, "Not found: /nowhere\n"}));
  // The bearer token goes with it: the list of workshops is the admin's.
  EXPECT_EQ(http().get("/api/workshops").first, 401);
  const auto [status, body] = http().get("/api/workshops", server_process::admin_token);
  EXPECT_EQ(status, 200) << body;
}

TEST_F(HttpApi, CreateWorkshopSendsThePlanWithTheTokenAndReadsTheAnswer) {
  dyad::client::client_error error;
  const auto created = http().create_workshop(dyad::test::valid_plan(), false, server_process::admin_token, &error);
  ASSERT_TRUE(created) << error.message;
  EXPECT_EQ(created->code().size(), 9U) << created->code();
  EXPECT_EQ(created->facilitator_token().size(), 32U) << created->facilitator_token();
  EXPECT_EQ(created->participant_url(), base_url() + "/j/" + created->code());
  EXPECT_EQ(created->facilitator_url(), base_url() + "/f/" + created->code() + "#t=" + created->facilitator_token());
  // The server reads the plan by its content type: JSON read as text (or text as JSON) fails.
  const auto from_json = http().create_workshop(test_plan("valid.json"), true, server_process::admin_token, &error);
  ASSERT_TRUE(from_json) << error.message;
  EXPECT_NE(from_json->code(), created->code());
}

TEST_F(HttpApi, CreateWorkshopReportsThePlansErrorsLineByLine) {
  dyad::client::client_error error;
  EXPECT_FALSE(http().create_workshop(test_plan("three-errors.textproto"), false, server_process::admin_token, &error));
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.server_code, v1::ERROR_CODE_INVALID_ARGUMENT);
  std::istringstream lines(error.message);
  std::vector<std::string> problems;
  for (std::string line; std::getline(lines, line);) problems.push_back(line);
  ASSERT_EQ(problems.size(), 3U) << error.message;
  for (const auto& p : problems) EXPECT_EQ(p.rfind("plan:", 0), 0U) << p;

  EXPECT_FALSE(http().create_workshop(dyad::test::valid_plan(), false, "not-the-admin-token-at-all", &error));
  EXPECT_EQ(error.http_status, 401);
  EXPECT_EQ(error.server_code, v1::ERROR_CODE_UNAUTHORIZED) << error.message;
}

TEST_F(HttpApi, ExportStatisticsAsksForTheFormatWithTheToken) {
  const auto w = create_workshop();
  dyad::client::client_error error;
  const auto csv = http().export_statistics(w.code(), "csv", w.facilitator_token(), &error);
  ASSERT_TRUE(csv) << error.message;
  EXPECT_EQ(csv->rfind("question_id,question,answered,option_id,option,count,percent\n", 0), 0U) << *csv;
  const auto series = http().export_statistics(w.code(), "csv", w.facilitator_token(), &error, true);
  ASSERT_TRUE(series) << error.message;
  EXPECT_EQ(series->rfind("run,date,question_id,", 0), 0U) << *series;
  const auto json = http().export_statistics(w.code(), "json", server_process::admin_token, &error);
  ASSERT_TRUE(json) << error.message;
  EXPECT_EQ(json->rfind("{", 0), 0U) << *json;

  EXPECT_FALSE(http().export_statistics(w.code(), "xml", w.facilitator_token(), &error));
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.server_code, v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "format must be csv, json or summary.");
  EXPECT_FALSE(http().export_statistics(w.code(), "csv", "not-this-workshops-token", &error));
  EXPECT_EQ(error.http_status, 401);
  EXPECT_EQ(error.server_code, v1::ERROR_CODE_UNAUTHORIZED) << error.message;
}

// ---------------------------------------------------------------------------------------------
// Server addresses

TEST(ServerUrl, ReadsHostAndPort) {
  // Parsing only: nothing connects to this address.
  const auto address = dyad::client::parse_server_url("http://dyad.example.org:8080/");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "dyad.example.org");
  EXPECT_EQ(address->port, 8080);
  const auto v6 = dyad::client::parse_server_url("http://[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(dyad::client::parse_server_url("dyad.example.org")->port, 80);
}

TEST(ServerUrl, RejectsWhatItCannotUseWithAReason) {
  std::string error;
  EXPECT_FALSE(dyad::client::parse_server_url("https://dyad.example.org", &error));
  EXPECT_NE(error.find("https"), std::string::npos) << error;
  EXPECT_FALSE(dyad::client::parse_server_url("http://host:99999", &error));
  EXPECT_NE(error.find("port"), std::string::npos) << error;
  EXPECT_FALSE(dyad::client::parse_server_url("http://host:80/api", &error));
  EXPECT_NE(error.find("path"), std::string::npos) << error;
}

}  // namespace
