// The client library against tests/client/fake_server for what the real server cannot be made to
// do (stall, stop reading, stay quiet), or to show (how the socket ended); and the check that keeps
// the fake in step: what it shares with the real dyad-server, it answers as the real one does.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/fake_server.hpp"
#include "dyad_client.hpp"
#include "net/server_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using dyad::client::client_exception;
using dyad::client::client_runtime;
using dyad::client::connection;
using dyad::client::connection_options;
using dyad::client::server_address;
using dyad::test::fake_server;
using dyad::test::session_end;
namespace v1 = dyad::v1;

constexpr auto deadline = std::chrono::milliseconds(dyad::test::answer_deadline);

server_address address_of(const fake_server& server) {
  server_address address;
  address.host = "127.0.0.1";
  address.port = server.port();
  return address;
}

std::shared_ptr<connection> open_connection(client_runtime& runtime, const fake_server& server,
                                            connection_options options = {}) {
  auto future = connection::open(runtime, address_of(server), fake_server::code(), options);
  if (future.wait_for(deadline) != std::future_status::ready) {
    ADD_FAILURE() << "the connection did not open in time";
    return nullptr;
  }
  return future.get();
}

// The message of the exception a future holds, or "" when it holds a value.
template <class T>
std::string failure_of(std::future<T>& future) {
  if (future.wait_for(deadline) != std::future_status::ready) return "(still pending after the deadline)";
  try {
    future.get();
  } catch (const client_exception& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(not a client_exception) ") + e.what();
  }
  return "";
}

v1::ClientMessage ping(std::int64_t client_ms) {
  v1::ClientMessage message;
  message.mutable_ping()->set_client_ms(client_ms);
  return message;
}

/// Waits until the connection has ended; false if still open at the deadline.
bool ended_within(connection& c, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (c.is_open() && std::chrono::steady_clock::now() < until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    c.wait_for_event([](const v1::ServerMessage&) { return true; }, std::max(left, 0ms));
  }
  return !c.is_open();
}

// ---------------------------------------------------------------------------------------------
// Requests the server never answers

TEST(ClientOnAStalledServer, DropFailsOutstandingRequestsAndSendsNoCloseFrame) {
  fake_server server;
  server.stall();
  client_runtime runtime;
  auto c = open_connection(runtime, server);
  ASSERT_TRUE(c);
  auto held1 = c->request(ping(1));
  auto held2 = c->request(ping(2));
  ASSERT_TRUE(server.wait_for_frames(2, deadline)) << "the requests never reached the server";
  c->drop();
  EXPECT_FALSE(c->is_open());
  EXPECT_NE(failure_of(held1).find("dropped"), std::string::npos) << failure_of(held1);
  EXPECT_NE(failure_of(held2), "");
  auto after = c->request(ping(3));
  EXPECT_NE(failure_of(after), "") << "a request after drop() must fail at once";
  const auto ends = server.wait_for_ended_sessions(1, deadline);
  ASSERT_TRUE(ends) << "the server never saw the connection end";
  EXPECT_EQ(ends->at(0), session_end::cut);
}

TEST(ClientOnAStalledServer, DestroyingTheRuntimeFailsOutstandingRequests) {
  fake_server server;
  server.stall();
  auto runtime = std::make_unique<client_runtime>(2);
  auto c = open_connection(*runtime, server);
  ASSERT_TRUE(c);
  auto held = c->request(ping(1));
  ASSERT_TRUE(server.wait_for_frames(1, deadline)) << "the request never reached the server";
  runtime.reset();
  EXPECT_NE(failure_of(held).find("runtime stopped"), std::string::npos) << failure_of(held);
  EXPECT_FALSE(c->is_open());
  auto after = c->request(ping(2));
  EXPECT_NE(failure_of(after), "");
}

TEST(ClientOnAFakeServer, CloseSendsACloseFrame) {
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

// ---------------------------------------------------------------------------------------------
// The client's own keep-alive (the server's, answered by the client, is in dyad_client_test.cpp)

/// The fake never pings and never speaks unasked, but answers pings: a quiet server. The client
/// pings it after half its idle timeout and, hearing the pongs, keeps the connection; without its
/// pings it would give the connection up after one idle timeout.
TEST(ClientKeepAlive, PingsAQuietServerAndKeepsTheConnection) {
  fake_server server;
  client_runtime runtime;
  connection_options options;
  options.idle_timeout = 500ms;
  auto c = open_connection(runtime, server, options);
  ASSERT_TRUE(c);
  // Three pings, each after a quiet half timeout: the connection lived through a whole idle
  // timeout and more with nothing from the server but pongs.
  EXPECT_TRUE(server.wait_for_pings(3, deadline)) << "the client did not ping a quiet server; "
                                                  << (c->is_open() ? "still open" : c->close_reason());
  ASSERT_TRUE(c->is_open()) << c->close_reason();
  // And the same connection still serves: the answer comes back on the one TCP connection.
  auto answer = c->request(ping(1));
  ASSERT_EQ(answer.wait_for(deadline), std::future_status::ready);
  const auto refused = answer.get();
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_UNAUTHORIZED) << refused.ShortDebugString();
  EXPECT_EQ(server.accepted(), 1U);
}

/// A server that stopped reading (gone without a FIN) never answers the client's ping: the client
/// gives the connection up within its idle timeout, and what waited on it fails.
TEST(ClientKeepAlive, NoticesAServerThatStoppedAnswering) {
  fake_server server;
  server.stop_reading();
  client_runtime runtime;
  connection_options options;
  options.idle_timeout = 500ms;
  auto c = open_connection(runtime, server, options);
  ASSERT_TRUE(c);
  auto held = c->request(ping(1));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(ended_within(*c, deadline)) << "the client kept a connection to a server that stopped answering";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_NE(c->close_reason().find("the connection to the server was lost"), std::string::npos) << c->close_reason();
  EXPECT_EQ(failure_of(held), c->close_reason());
}

// ---------------------------------------------------------------------------------------------
// The fake in step with the real server

/// What a client sees of the answers the fake shares with the real server.
struct shared_answers {
  std::pair<int, std::string> livez;
  std::pair<int, std::string> nowhere;
  std::string default_origin;
  std::string localhost_origin;
  std::string foreign_origin;
  std::string unknown_code;
  std::string before_join;
  std::string join;
  std::string second_join;
  std::string ping;
  std::string malformed;
  std::string no_request;
  std::string server_close;
};

std::string shown(const v1::ServerMessage& m) {
  v1::ServerMessage copy = m;
  copy.clear_server_ms();  // the clock's, not the server's
  if (copy.has_participant_snapshot()) {
    // The name is what the fake shares; the rest is the real workshop's plan and state.
    v1::ParticipantSnapshot kept;
    kept.set_shown_name(copy.participant_snapshot().shown_name());
    *copy.mutable_participant_snapshot() = kept;
  }
  return copy.ShortDebugString();
}

/// How an open() ended: "open", or the refusal as the client reports it.
std::string refusal(client_runtime& runtime, server_address address, const std::string& code) {
  auto future = connection::open(runtime, std::move(address), code);
  if (future.wait_for(deadline) != std::future_status::ready) return "(no answer)";
  try {
    future.get();
    return "open";
  } catch (const client_exception& e) {
    return "HTTP " + std::to_string(e.error().http_status) + " code " + std::to_string(e.error().server_code) + ": " +
           e.what();
  }
}

std::string answer_to(connection& c, v1::ClientMessage m) {
  auto future = c.request(std::move(m));
  if (future.wait_for(deadline) != std::future_status::ready) return "(no answer)";
  try {
    return shown(future.get());
  } catch (const std::exception& e) {
    return std::string("(failed) ") + e.what();
  }
}

/// Asks one server (real or fake) the shared questions. `code` names an open workshop there;
/// `close_workshop` makes the server close it, saying goodbye to its participants.
shared_answers ask_shared(client_runtime& runtime, server_address address, const std::string& code,
                          const std::function<void()>& close_workshop) {
  shared_answers a;
  dyad::client::http_api http(address);
  a.livez = http.get("/livez");
  a.nowhere = http.get("/nowhere");
  a.default_origin = refusal(runtime, address, code);
  auto localhost = address;
  localhost.origin = "http://localhost:" + std::to_string(address.port);
  a.localhost_origin = refusal(runtime, localhost, code);
  auto foreign = address;
  foreign.origin = "https://elsewhere.example";
  a.foreign_origin = refusal(runtime, foreign, code);
  {
    auto unknown = connection::open(runtime, address, "ZZZZ-ZZZZ");
    if (unknown.wait_for(deadline) == std::future_status::ready) {
      try {
        auto c = unknown.get();
        v1::ClientMessage join;
        join.mutable_join()->set_display_name("Cy");
        a.unknown_code = answer_to(*c, join) + ", then ";
        a.unknown_code += ended_within(*c, deadline) ? c->close_reason() : "still open";
      } catch (const client_exception& e) {
        a.unknown_code = std::string("refused: ") + e.what();
      }
    }
  }

  auto opened = connection::open(runtime, address, code);
  if (opened.wait_for(deadline) != std::future_status::ready) {
    ADD_FAILURE() << "no connection to " << code;
    return a;
  }
  auto c = opened.get();
  a.before_join = answer_to(*c, ping(5));
  v1::ClientMessage join;
  join.mutable_join()->set_display_name("Ada");
  a.join = answer_to(*c, join);
  a.second_join = answer_to(*c, join);
  a.ping = answer_to(*c, ping(6));
  c->send_raw(std::string("\xff\xff\xff", 3));
  const auto malformed = c->wait_for_event([](const auto& m) { return m.has_error(); }, deadline);
  a.malformed = malformed ? shown(*malformed) : "(no answer)";
  a.no_request = answer_to(*c, v1::ClientMessage{});

  close_workshop();
  const auto goodbye = c->wait_for_event([](const auto& m) { return m.has_goodbye(); }, deadline);
  a.server_close = goodbye ? "Goodbye, then " : "no Goodbye, then ";
  a.server_close += ended_within(*c, deadline) ? c->close_reason() : "still open";
  return a;
}

using FakeServer = dyad::test::server_fixture;

TEST_F(FakeServer, AnswersWhatItSharesWithTheRealServerAsItDoes) {
  const auto w = create_workshop();
  const auto facilitator = attach(w);
  const auto real = ask_shared(runtime_, address_, w.code(), [&] {
    v1::ClientMessage close;
    close.mutable_close_workshop();
    const auto ack = ask(*facilitator, close);
    EXPECT_TRUE(ack.has_ack()) << dyad::test::describe(ack);
  });

  fake_server fake;
  const auto faked = ask_shared(runtime_, address_of(fake), fake_server::code(),
                                [&] { fake.close_all(fake_server::closed_goodbye); });

  EXPECT_EQ(faked.livez, real.livez);
  EXPECT_EQ(faked.nowhere, real.nowhere);
  EXPECT_EQ(faked.default_origin, real.default_origin);
  EXPECT_EQ(faked.localhost_origin, real.localhost_origin);
  EXPECT_EQ(faked.foreign_origin, real.foreign_origin);
  EXPECT_EQ(faked.unknown_code, real.unknown_code);
  EXPECT_EQ(faked.before_join, real.before_join);
  EXPECT_EQ(faked.join, real.join);
  EXPECT_EQ(faked.second_join, real.second_join);
  EXPECT_EQ(faked.ping, real.ping);
  EXPECT_EQ(faked.malformed, real.malformed);
  EXPECT_EQ(faked.no_request, real.no_request);
  EXPECT_EQ(faked.server_close, real.server_close);
  // And what the real one answers, so that a probe gone wrong on both sides is not taken for
  // agreement.
  EXPECT_EQ(real.livez, (std::pair<int, std::string>{200, "ok\n"}));
  EXPECT_EQ(real.default_origin, "open");
  EXPECT_EQ(real.localhost_origin, "open");
  EXPECT_NE(real.foreign_origin.find("HTTP 403 code 0"), std::string::npos) << real.foreign_origin;
  EXPECT_NE(real.unknown_code.find("ERROR_CODE_NO_SUCH_WORKSHOP"), std::string::npos) << real.unknown_code;
  EXPECT_NE(real.unknown_code.find(", then the server closed the connection: no such open workshop"), std::string::npos)
      << real.unknown_code;
  EXPECT_NE(real.before_join.find("ERROR_CODE_UNAUTHORIZED"), std::string::npos) << real.before_join;
  EXPECT_NE(real.join.find("shown_name: \"Ada\""), std::string::npos) << real.join;
  EXPECT_NE(real.ping.find("pong { client_ms: 6 }"), std::string::npos) << real.ping;
  EXPECT_NE(real.malformed.find("ERROR_CODE_MALFORMED"), std::string::npos) << real.malformed;
  EXPECT_EQ(real.server_close, "Goodbye, then the server closed the connection");
}

}  // namespace
