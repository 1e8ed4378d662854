// The server's WebSocket keep-alive against the real dyad-server started with a short
// --ws-idle-timeout: a peer that answers the server's pings stays connected; one that never
// reads (so never answers them) is closed within the idle timeout.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dyad_client.hpp"
#include "net/net_test_support.hpp"
#include "net/raw_ws_client.hpp"
#include "net/server_process.hpp"

namespace dyad::test {
namespace {

namespace v1 = dyad::v1;
using client::connection;

TEST(KeepAlive, SilentPeerIsClosedAndALivePeerStays) {
  temp_dir dir;
  server_process server(dir.path() / "data", {"--ws-idle-timeout", "2"});
  client::server_address address;
  address.host = "127.0.0.1";
  address.port = server.port();

  client::client_error error;
  auto created = client::http_api(address).create_workshop(valid_plan(), false, server_process::admin_token, &error);
  ASSERT_TRUE(created.has_value()) << "create_workshop failed: " << error.message;

  client::client_runtime runtime{2};
  auto link = await(connection::open(runtime, address, created->code()), "open");
  const auto joined = await(link->join("Ada"), "join");
  ASSERT_TRUE(joined.has_participant_snapshot()) << describe(joined);

  raw_ws_client silent(server.port(), created->code());

  // The silent peer: pinged after 1 s, closed after 2 s of silence.
  EXPECT_TRUE(silent.drained_to_close(answer_deadline))
      << "the server kept a peer that never answers its pings; logs:\n" << server.logs();

  // The live peer has been silent longer than the silent one (it joined first), so without
  // keep-alive it would have been closed before it. By the server's own count it is still the
  // one connection open, and it was never replaced by a reconnection.
  const auto metric = [&](const std::string& name) -> std::uint64_t {
    const auto [status, body] = client::http_api(address).get("/metrics");
    const auto at = body.find("\n" + name + " ");
    if (status != 200 || at == std::string::npos) throw std::runtime_error("no " + name + " in /metrics: " + body);
    return std::stoull(body.substr(at + name.size() + 2));
  };
  ASSERT_TRUE(link->is_open()) << "the live peer was closed: " << link->close_reason() << "; logs:\n" << server.logs();
  EXPECT_EQ(metric("dyad_websocket_connections"), 1U) << "the server closed the live peer; logs:\n" << server.logs();
  EXPECT_EQ(metric("dyad_websocket_connections_total"), 2U) << "the live peer reconnected";
  v1::ClientMessage ping;
  ping.mutable_ping()->set_client_ms(7);
  const auto pong = await(link->request(ping), "ping");
  EXPECT_TRUE(pong.has_pong()) << describe(pong);

  link->close();
  EXPECT_EQ(server.stop(), 0) << server.logs();
}

}  // namespace
}  // namespace dyad::test
