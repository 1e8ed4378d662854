#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <vector>
#include <memory>
#include <string>

#include "net/http_routes.hpp"
#include "net/peer.hpp"

namespace dyad::v1 {
class ServerMessage;
}

namespace dyad::net {

class metrics;
class workshop_host;

/// One WebSocket connection to one workshop. Reads binary frames, each a ClientMessage; refuses
/// what is malformed, unknown, or too fast by itself; passes the rest to the workshop's host.
/// Writes one frame at a time from a bounded queue: a client too slow to drain it is dropped
/// (its page reconnects and resumes).
class websocket_session : public peer, public std::enable_shared_from_this<websocket_session> {
public:
  /// `client` is the address logs name: the peer's, or the one a trusted proxy forwarded.
  websocket_session(boost::beast::tcp_stream&& stream, std::shared_ptr<workshop_host> host, metrics& counters,
                    std::chrono::seconds idle_timeout = std::chrono::seconds(300), std::string client = {});
  ~websocket_session() override;

  void run(http_request upgrade);

  void deliver(std::shared_ptr<const std::string> frame) override;
  void close_after(std::shared_ptr<const std::string> last_frame) override;
  std::uint64_t id() const noexcept override { return id_; }
  bool signed_in_facilitator() const noexcept override { return signed_in_facilitator_; }
  /// Before run(): the connection's session opens this workshop's run.
  void let_in_as_facilitator() noexcept { signed_in_facilitator_ = true; }

  /// Limits, public for tests and documentation.
  static constexpr std::size_t max_message_bytes = 64 * 1024;
  static constexpr std::size_t max_queued_frames = 512;
  static constexpr std::size_t max_queued_bytes = 4 * 1024 * 1024;
  static constexpr double rate_per_second = 20;
  static constexpr double burst = 40;
  /// Refused requests in a row after which the connection is closed.
  static constexpr unsigned max_refused_in_row = 200;

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void queue(std::shared_ptr<const std::string> frame);
  std::size_t waiting() const noexcept { return queue_.size() - sent_; }
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close();
  void answer(dyad::v1::ServerMessage message);
  void refuse(std::uint64_t request_id, int code, std::string text);
  bool take_token();
  void leave_host();
  void fail(boost::beast::error_code ec, const char* what);

  // Over the plain socket, not beast::tcp_stream: the websocket stream keeps its own timeouts,
  // and every frame written skips the stream's timer bookkeeping (thousands of frames per
  // broadcast).
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  std::shared_ptr<workshop_host> host_;
  metrics& metrics_;
  const std::uint64_t id_;
  const std::chrono::seconds idle_timeout_;
  const std::string client_;
  bool signed_in_facilitator_ = false;
  boost::beast::flat_buffer buffer_;
  // Frames waiting to be written, from queue_[sent_] on. A vector, not a deque: an idle connection
  // holds no allocation for it (a deque allocates a block on construction), and there are
  // thousands of idle connections.
  std::vector<std::shared_ptr<const std::string>> queue_;
  std::size_t sent_ = 0;
  std::size_t queued_bytes_ = 0;
  bool attached_ = false;
  bool detached_ = false;
  bool close_requested_ = false;
  bool closed_ = false;
  double tokens_ = burst;
  std::chrono::steady_clock::time_point refilled_ = std::chrono::steady_clock::now();
  unsigned refused_in_row_ = 0;
};

/// Accepts a WebSocket to a code this server does not serve live, answers its first request with
/// the error `code` (a dyad.v1.ErrorCode: ERROR_CODE_WORKSHOP_CLOSED or ERROR_CODE_NO_SUCH_WORKSHOP)
/// and `message`, and closes: a page hears why in its own protocol, where a refused upgrade would
/// look like any other network failure and be retried for ever.
void refuse_websocket(boost::beast::tcp_stream&& stream, http_request upgrade, int code, std::string message,
                      std::string client);

}  // namespace dyad::net
