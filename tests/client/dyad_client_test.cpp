// The client library against a real in-process server on 127.0.0.1:0 (tests/client/fake_server):
// real sockets, real WebSocket frames, no sleeps — every wait is on the event with a deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dyad_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/fake_server.hpp"

namespace {

using namespace std::chrono_literals;
using dyad::client::client_exception;
using dyad::client::client_runtime;
using dyad::client::connection;
using dyad::client::http_api;
using dyad::client::server_address;
using dyad::test::fake_server;
using dyad::test::session_end;

constexpr auto deadline = 10s;

server_address address_of(const fake_server& server) {
  server_address address;
  address.host = "127.0.0.1";
  address.port = server.port();
  return address;
}

std::shared_ptr<connection> open_connection(client_runtime& runtime, const fake_server& server,
                                            const std::string& code = "ABC123") {
  auto future = connection::open(runtime, address_of(server), code);
  if (future.wait_for(deadline) != std::future_status::ready) {
    ADD_FAILURE() << "the connection did not open within 10 s";
    return nullptr;
  }
  return future.get();
}

template <class T>
T get_within_deadline(std::future<T>& future, const char* what) {
  if (future.wait_for(deadline) != std::future_status::ready) throw std::runtime_error(std::string(what) + " timed out");
  return future.get();
}

// The message of the exception a future holds, or "" when it holds a value.
template <class T>
std::string failure_of(std::future<T>& future) {
  if (future.wait_for(deadline) != std::future_status::ready) return "(still pending after 10 s)";
  try {
    future.get();
  } catch (const client_exception& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(not a client_exception) ") + e.what();
  }
  return "";
}

dyad::v1::ClientMessage broadcast(const std::string& text) {
  dyad::v1::ClientMessage message;
  message.mutable_broadcast()->set_text(text);
  return message;
}

dyad::v1::ClientMessage held_request() {
  dyad::v1::ClientMessage message;
  message.mutable_help()->set_note("never answered by the fake server");
  return message;
}

bool is_broadcast(const dyad::v1::ServerMessage& m, const std::string& text) {
  return m.has_broadcast() && m.broadcast().text() == text;
}

TEST(ClientConnection, UpgradesOnWorkshopPathWithOrigin) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_open());
  EXPECT_EQ(c->close_reason(), "");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].target, "/ws?w=ABC123");
  EXPECT_EQ(requests[0].origin, "http://127.0.0.1:" + std::to_string(server.port()));
}

TEST(ClientConnection, SendsTheOriginItIsGiven) {
  fake_server server;
  client_runtime runtime;
  auto address = address_of(server);
  address.origin = "https://dyad.example.org";
  auto future = connection::open(runtime, address, "ABC123");
  ASSERT_EQ(future.wait_for(deadline), std::future_status::ready);
  ASSERT_TRUE(future.get());
  EXPECT_EQ(server.requests().at(0).origin, "https://dyad.example.org");
}

TEST(ClientConnection, RefusedUpgradeCarriesTheServersError) {
  fake_server server;
  client_runtime runtime;
  auto future = connection::open(runtime, address_of(server), "refuse");
  ASSERT_EQ(future.wait_for(deadline), std::future_status::ready);
  try {
    future.get();
    FAIL() << "open() succeeded although the server declined the upgrade";
  } catch (const client_exception& e) {
    EXPECT_EQ(e.error().http_status, 403) << e.what();
    EXPECT_EQ(e.error().server_code, dyad::v1::ERROR_CODE_FORBIDDEN) << e.what();
    EXPECT_NE(std::string(e.what()).find("ask the organiser to allow it"), std::string::npos) << e.what();
  }
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

TEST(ClientConnection, OpenFailsWhenNothingListens) {
  const refusing_port nothing;
  const std::uint16_t port = nothing.port();
  client_runtime runtime;
  server_address address;
  address.port = port;
  auto future = connection::open(runtime, address, "ABC123");
  const auto failure = failure_of(future);
  EXPECT_NE(failure.find("cannot connect"), std::string::npos) << failure;
}

TEST(ClientConnection, AnswersMatchRequestsUnderConcurrentRequestsFromSeveralThreads) {
  fake_server server;
  client_runtime runtime(2);
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  constexpr int threads = 4;
  constexpr int per_thread = 50;
  std::mutex mutex;
  std::vector<std::uint64_t> ids;
  std::vector<std::string> mismatches;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::vector<std::pair<std::int64_t, std::future<dyad::v1::ServerMessage>>> futures;
      for (int i = 0; i < per_thread; ++i) {
        // A distinct client_ms per request: the Pong must carry back exactly the one asked.
        const std::int64_t tag = t * 1000 + i;
        dyad::v1::ClientMessage ping;
        ping.mutable_ping()->set_client_ms(tag);
        futures.emplace_back(tag, c->request(std::move(ping)));
      }
      for (auto& [tag, future] : futures) {
        try {
          const auto answer = get_within_deadline(future, "a Ping");
          const std::lock_guard lock(mutex);
          ids.push_back(answer.request_id());
          if (!answer.has_pong() || answer.pong().client_ms() != tag) {
            mismatches.push_back("request " + std::to_string(tag) + " got " + answer.ShortDebugString());
          }
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
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
  EXPECT_EQ(ids, expected) << "request ids must be 1, 2, 3, … each used once";
}

TEST(ClientConnection, EventsReachTheHandlerInOrderAndWaitForEvent) {
  fake_server server;
  client_runtime runtime(2);
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  std::mutex mutex;
  std::vector<std::string> handled;
  c->on_event([&](const dyad::v1::ServerMessage& m) {
    const std::lock_guard lock(mutex);
    handled.push_back(m.broadcast().text());
  });
  auto first = c->request(broadcast("first"));
  auto second = c->request(broadcast("second"));
  const auto ack = get_within_deadline(second, "the second Broadcast");
  EXPECT_TRUE(ack.has_ack()) << ack.ShortDebugString();
  EXPECT_EQ(ack.request_id(), 2U);
  EXPECT_TRUE(get_within_deadline(first, "the first Broadcast").has_ack());
  {
    // The server sends each event before its Ack, and the client handles frames in order.
    const std::lock_guard lock(mutex);
    EXPECT_EQ(handled, (std::vector<std::string>{"first", "second"}));
  }
  const auto event = c->wait_for_event([](const auto& m) { return is_broadcast(m, "second"); }, deadline);
  ASSERT_TRUE(event) << "an event that arrived before the call must be found";
  EXPECT_EQ(event->request_id(), 0U);
  // "first" came before the match and was consumed with it.
  EXPECT_FALSE(c->wait_for_event([](const auto& m) { return is_broadcast(m, "first"); }, 0ms));
}

TEST(ClientConnection, WaitForEventWakesWhenTheEventArrives) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  std::promise<std::optional<dyad::v1::ServerMessage>> waited;
  std::thread waiter([&] {
    waited.set_value(c->wait_for_event([](const auto& m) { return is_broadcast(m, "later"); }, deadline));
  });
  auto ack = c->request(broadcast("later"));
  auto result = waited.get_future();
  ASSERT_EQ(result.wait_for(deadline), std::future_status::ready);
  waiter.join();
  EXPECT_TRUE(result.get());
  EXPECT_TRUE(get_within_deadline(ack, "the Broadcast").has_ack());
}

TEST(ClientConnection, WaitForEventGivesUpAtTheDeadline) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  const auto start = std::chrono::steady_clock::now();
  const auto event = c->wait_for_event([](const auto&) { return true; }, 100ms);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(event);
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 5s);
}

TEST(ClientConnection, DropFailsOutstandingRequestsAndSendsNoCloseFrame) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  auto held1 = c->request(held_request());
  auto held2 = c->request(held_request());
  // The Ack of a later request proves the held ones reached the server before the drop.
  auto ack = c->request(broadcast("sync"));
  ASSERT_TRUE(get_within_deadline(ack, "the Broadcast").has_ack());
  c->drop();
  EXPECT_FALSE(c->is_open());
  EXPECT_NE(failure_of(held1).find("dropped"), std::string::npos) << failure_of(held1);
  EXPECT_NE(failure_of(held2), "");
  auto after = c->request(broadcast("too late"));
  EXPECT_NE(failure_of(after), "") << "a request after drop() must fail at once";
  const auto ends = server.wait_for_ended_sessions(1, deadline);
  ASSERT_TRUE(ends) << "the server never saw the connection end";
  EXPECT_EQ(ends->at(0), session_end::cut);
}

TEST(ClientConnection, CloseSendsACloseFrame) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  c->close();
  EXPECT_FALSE(c->is_open());
  EXPECT_EQ(c->close_reason(), "the client closed the connection");
  const auto ends = server.wait_for_ended_sessions(1, deadline);
  ASSERT_TRUE(ends) << "the server never saw the connection end";
  EXPECT_EQ(ends->at(0), session_end::close_frame);
  // wait_for_event returns at once once nothing more can arrive, not at its deadline.
  const auto start = std::chrono::steady_clock::now();
  while (c->wait_for_event([](const auto&) { return true; }, deadline)) {
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, deadline);
}

TEST(ClientConnection, ServerCloseFailsOutstandingRequestsAndGivesItsReason) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  auto held = c->request(held_request());
  dyad::v1::ClientMessage close_workshop;
  close_workshop.mutable_close_workshop();
  auto ack = c->request(close_workshop);
  EXPECT_TRUE(get_within_deadline(ack, "CloseWorkshop").has_ack());
  const auto goodbye = c->wait_for_event([](const auto& m) { return m.has_goodbye(); }, deadline);
  ASSERT_TRUE(goodbye);
  EXPECT_EQ(goodbye->goodbye().reason(), "The facilitator closed the workshop.");
  const auto failure = failure_of(held);
  EXPECT_NE(failure.find("the workshop closed"), std::string::npos) << failure;
  EXPECT_FALSE(c->is_open());
  EXPECT_NE(c->close_reason().find("the workshop closed"), std::string::npos) << c->close_reason();
}

TEST(ClientConnection, MeasuresClockOffsetNearZeroOnLoopback) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  auto future = c->measure_clock_offset();
  const auto offset = get_within_deadline(future, "measure_clock_offset");
  // Same machine, same clock: only the midpoint's error and ms rounding remain.
  // Generous for a loaded 2-core machine; a wrong sign or unit is off by years, not milliseconds.
  EXPECT_LE(std::chrono::abs(offset), 500ms) << "offset " << offset.count() << " ms";
}

TEST(ClientConnection, MalformedFrameIsAnsweredAsAnEvent) {
  fake_server server;
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  c->send_raw(std::string("\xff\xff\xff", 3));
  const auto error = c->wait_for_event([](const auto& m) { return m.has_error(); }, deadline);
  ASSERT_TRUE(error) << "no Error came back for a malformed frame";
  EXPECT_EQ(error->error().code(), dyad::v1::ERROR_CODE_MALFORMED);
}

TEST(ClientRuntime, DestroyingTheRuntimeFailsOutstandingRequests) {
  fake_server server;
  auto runtime = std::make_unique<client_runtime>(2);
  auto c = open_connection(*runtime, server);
  ASSERT_TRUE(c);
  auto held = c->request(held_request());
  runtime.reset();
  EXPECT_NE(failure_of(held).find("runtime stopped"), std::string::npos) << failure_of(held);
  EXPECT_FALSE(c->is_open());
  auto after = c->request(broadcast("after"));
  EXPECT_NE(failure_of(after), "");
}

TEST(HttpApi, GetReturnsStatusAndBody) {
  fake_server server;
  http_api api(address_of(server));
  EXPECT_EQ(api.get("/healthz"), (std::pair<int, std::string>{200, "ok"}));
  EXPECT_EQ(api.get("/nowhere").first, 404);
}

TEST(HttpApi, GetReportsAServerThatIsNotThere) {
  const refusing_port nothing;
  const std::uint16_t port = nothing.port();
  server_address address;
  address.port = port;
  const auto [status, body] = http_api(address).get("/healthz");
  EXPECT_EQ(status, 0);
  EXPECT_NE(body.find("cannot connect"), std::string::npos) << body;
}

TEST(HttpApi, CreateWorkshopSendsThePlanWithTheTokenAndReadsTheAnswer) {
  fake_server server;
  http_api api(address_of(server));
  dyad::client::client_error error;
  const auto created = api.create_workshop("title: \"A day\"", false, "admin-secret", &error);
  ASSERT_TRUE(created) << error.message;
  EXPECT_EQ(created->code(), "K7Q2ZP");
  EXPECT_EQ(created->facilitator_token(), "f-secret");
  EXPECT_EQ(created->participant_url(), "http://x/w/K7Q2ZP");
  const auto seen = server.requests().at(0);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/api/workshops");
  EXPECT_EQ(seen.authorization, "Bearer admin-secret");
  EXPECT_TRUE(seen.content_type.starts_with("text/plain")) << seen.content_type;
  EXPECT_EQ(seen.body, "title: \"A day\"");

  ASSERT_TRUE(api.create_workshop("{}", true, "admin-secret", &error)) << error.message;
  EXPECT_EQ(server.requests().at(1).content_type, "application/json");
}

TEST(HttpApi, CreateWorkshopReportsThePlansErrorsLineByLine) {
  fake_server server;
  http_api api(address_of(server));
  dyad::client::client_error error;
  EXPECT_FALSE(api.create_workshop("broken", false, "admin-secret", &error));
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.server_code, dyad::v1::ERROR_CODE_INVALID_ARGUMENT);
  EXPECT_EQ(error.message, "plan:3:1: title: the plan needs a title\nplan:9:5: exercises[0].id: give the exercise an id");

  EXPECT_FALSE(api.create_workshop("title: \"x\"", false, "wrong", &error));
  EXPECT_EQ(error.http_status, 401);
  EXPECT_EQ(error.server_code, dyad::v1::ERROR_CODE_UNAUTHORIZED) << error.message;
}

TEST(HttpApi, ExportStatisticsAsksForTheFormat) {
  fake_server server;
  http_api api(address_of(server));
  dyad::client::client_error error;
  const auto body = api.export_statistics("K7Q2ZP", "csv", "f-secret", &error);
  ASSERT_TRUE(body) << error.message;
  EXPECT_EQ(*body, "statistics of K7Q2ZP as csv");
  const auto seen = server.requests().at(0);
  EXPECT_EQ(seen.target, "/api/workshops/K7Q2ZP/statistics?format=csv");
  EXPECT_EQ(seen.authorization, "Bearer f-secret");
}

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
