#include "net/websocket_session.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/version.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <atomic>

#include "dyad/v1/wire.pb.h"
#include "net/client_frame.hpp"
#include "net/handler_memory.hpp"
#include "net/metrics.hpp"
#include "net/wire_mapping.hpp"
#include "net/workshop_host.hpp"

namespace dyad::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace v1 = dyad::v1;

namespace {

std::atomic<std::uint64_t> next_session_id{1};

// A broadcast's websocket write on every connection, all alive at once: the write's operation
// (about 850 bytes) takes its memory from handler_memory's free lists rather than malloc (see
// there). Only what Asio allocates with the handler's own allocator: the socket's executor is an
// any_io_executor, which drops the allocator when it posts, so the post onto the strand and the
// completion's way back onto it still use Asio's own allocation.
template <class Handler>
auto pooled(Handler&& handler) {
  return asio::bind_allocator(handler_allocator<void>{}, std::forward<Handler>(handler));
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A WebSocket to a code this server does not serve live (closed, or no such workshop): accepted,
// so that the page hears why in the protocol it speaks rather than a refused upgrade it cannot
// read. The first request is answered with the error, then the socket closes. It reads one frame
// at most, under the handshake's timeout.
class websocket_refusal : public std::enable_shared_from_this<websocket_refusal> {
public:
  websocket_refusal(beast::tcp_stream&& stream, v1::ErrorCode code, std::string message, std::string client)
      : ws_(std::move(stream)), code_(code), message_(std::move(message)), client_(std::move(client)) {}

  void run(http_request upgrade) {
    beast::get_lowest_layer(ws_).expires_never();
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = std::chrono::seconds(10);  // a page greets at once; a silent one goes
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "dyad"); }));
    ws_.read_message_max(websocket_session::max_message_bytes);
    ws_.binary(true);
    ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->ws_.async_read(self->buffer_, [self](beast::error_code read_ec, std::size_t) { self->answer(read_ec); });
    });
  }

private:
  void answer(beast::error_code ec) {
    if (ec) return;
    v1::ClientMessage request;
    (void)request.ParseFromString(beast::buffers_to_string(buffer_.data()));  // only for its id
    v1::ServerMessage reply;
    reply.set_request_id(request.request_id());
    reply.set_server_ms(now_ms());
    reply.mutable_error()->set_code(code_);
    reply.mutable_error()->set_message(message_);
    frame_ = reply.SerializeAsString();
    ws_.async_write(asio::buffer(frame_), [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
      if (write_ec) return;
      self->ws_.async_close(websocket::close_reason(websocket::close_code::normal, "no such open workshop"),
                            [self](beast::error_code) {});
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  v1::ErrorCode code_;
  std::string message_;
  std::string client_;
  std::string frame_;
};

}  // namespace

void refuse_websocket(beast::tcp_stream&& stream, http_request upgrade, int code, std::string message,
                      std::string client) {
  std::make_shared<websocket_refusal>(std::move(stream), static_cast<v1::ErrorCode>(code), std::move(message),
                                      std::move(client))
      ->run(std::move(upgrade));
}

websocket_session::websocket_session(beast::tcp_stream&& stream, std::shared_ptr<workshop_host> host, metrics& counters,
                                     std::chrono::seconds idle_timeout, std::string client)
    : ws_(stream.release_socket()),
      host_(std::move(host)),
      metrics_(counters),
      id_(next_session_id.fetch_add(1)),
      idle_timeout_(idle_timeout),
      client_(std::move(client)) {}

websocket_session::~websocket_session() {
  if (attached_) metrics_.websocket_connections.fetch_sub(1, std::memory_order_relaxed);
}

void websocket_session::run(http_request upgrade) {
  // Answers are small frames that often follow an event: with Nagle's algorithm an answer waits
  // for the client's delayed ACK of the event (~40 ms on Linux) before it is sent.
  beast::error_code ignored;
  ws_.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
  // Beast's suggested handshake timeout and keep-alive pings (sent after half the idle time), with
  // the configured idle timeout: a peer silent for all of it is closed.
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = idle_timeout_;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "dyad"); }));
  ws_.read_message_max(max_message_bytes);
  ws_.binary(true);
  ws_.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "accept");
  spdlog::info("websocket opened: connection {}, workshop {}, client={}", id_, host_->code(), client_);
  attached_ = true;
  metrics_.websocket_connections.fetch_add(1, std::memory_order_relaxed);
  metrics_.websocket_connections_total.fetch_add(1, std::memory_order_relaxed);
  host_->attach(shared_from_this());
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    closed_ = true;
    leave_host();
    if (ec == websocket::error::message_too_big)
      spdlog::warn("connection {}: frame larger than {} bytes; closed (client={})", id_, max_message_bytes, client_);
    return fail(ec, "read");
  }
  metrics_.messages_in_total.fetch_add(1, std::memory_order_relaxed);
  const bool binary = ws_.got_binary();
  // A flat buffer holds the message in one piece: it is decoded where it lies, and the buffer is
  // emptied before the next read is started (which fills it).
  const std::string_view bytes(static_cast<const char*>(buffer_.data().data()), buffer_.size());

  if (!take_token()) {
    metrics_.rate_limited_total.fetch_add(1, std::memory_order_relaxed);
    if (++refused_in_row_ > max_refused_in_row) {
      spdlog::warn("connection {}: still sending far over the rate limit; closed (client={})", id_, client_);
      return do_close();
    }
    v1::ClientMessage request;
    (void)request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));  // only to echo the request id
    buffer_.consume(buffer_.size());
    refuse(request.request_id(), v1::ERROR_CODE_RATE_LIMITED,
           "Too many requests; slow down (at most 20 a second) and retry.");
  } else {
    auto decoded = decode_client_frame(bytes, binary);
    buffer_.consume(buffer_.size());
    if (auto* refusal = std::get_if<frame_refusal>(&decoded)) {
      ++refused_in_row_;
      refuse(refusal->request_id, refusal->code, std::move(refusal->message));
    } else {
      refused_in_row_ = 0;
      host_->handle(id_, std::move(std::get<v1::ClientMessage>(decoded)));
    }
  }
  if (refused_in_row_ > max_refused_in_row) {
    spdlog::warn("connection {}: too many refused frames in a row; closed (client={})", id_, client_);
    return do_close();
  }
  do_read();
}

bool websocket_session::take_token() {
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(burst, tokens_ + std::chrono::duration<double>(now - refilled_).count() * rate_per_second);
  refilled_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void websocket_session::refuse(std::uint64_t request_id, int code, std::string text) {
  metrics_.errors_total.fetch_add(1, std::memory_order_relaxed);
  // A flood is logged once in a while, not once per frame.
  if (code != v1::ERROR_CODE_RATE_LIMITED || refused_in_row_ % 100 == 1)
    spdlog::info("connection {}: refused: {} ({}) (client={})", id_, v1::ErrorCode_Name(static_cast<v1::ErrorCode>(code)), text, client_);
  answer(error_message(request_id, static_cast<v1::ErrorCode>(code), std::move(text)));
}

void websocket_session::answer(v1::ServerMessage message) {
  message.set_server_ms(now_ms());
  queue(std::make_shared<const std::string>(message.SerializeAsString()));
}

void websocket_session::deliver(std::shared_ptr<const std::string> frame) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    self->queue(std::move(frame));
  });
}

void websocket_session::close_after(std::shared_ptr<const std::string> last_frame) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(last_frame)]() mutable {
    if (self->closed_ || self->close_requested_) return;
    self->queue(std::move(frame));
    self->close_requested_ = true;
    if (self->waiting() == 0) self->do_close();
  });
}

void websocket_session::queue(std::shared_ptr<const std::string> frame) {
  if (closed_ || close_requested_) return;
  if (waiting() >= max_queued_frames || queued_bytes_ + frame->size() > max_queued_bytes) {
    // A client this far behind is dropped; its page reconnects and resumes from a snapshot.
    metrics_.slow_clients_dropped_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("connection {}: send queue full ({} frames); dropped (client={})", id_, waiting(), client_);
    closed_ = true;
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
    return;
  }
  queued_bytes_ += frame->size();
  queue_.push_back(std::move(frame));
  if (waiting() == 1) do_write();
}

void websocket_session::do_write() {
  ws_.async_write(asio::buffer(*queue_[sent_]),
                  pooled([self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); }));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    closed_ = true;
    return fail(ec, "write");
  }
  metrics_.messages_out_total.fetch_add(1, std::memory_order_relaxed);
  queued_bytes_ -= queue_[sent_]->size();
  queue_[sent_++].reset();
  if (sent_ >= 64 && 2 * sent_ >= queue_.size()) {  // a queue that never drains does not grow
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(sent_));
    sent_ = 0;
  }
  if (waiting() > 0) return do_write();
  queue_.clear();
  sent_ = 0;
  if (queue_.capacity() > 8) queue_.shrink_to_fit();  // after a burst, an idle connection holds nothing
  if (close_requested_) do_close();
}

void websocket_session::do_close() {
  if (closed_) return;
  // Beast allows one write at a time, and a close frame is a write: with a write in flight, mark
  // the close and let on_write send it when the queue drains.
  if (waiting() > 0) {
    close_requested_ = true;
    return;
  }
  closed_ = true;
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
    self->leave_host();
    if (ec) self->fail(ec, "close");
  });
}

void websocket_session::leave_host() {
  if (!attached_ || detached_) return;
  detached_ = true;
  spdlog::info("websocket closed: connection {}, workshop {}, client={}", id_, host_->code(), client_);
  host_->detach(id_);
}

void websocket_session::fail(beast::error_code ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == websocket::error::closed || ec == beast::error::timeout ||
      ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::bad_descriptor)
    return;
  spdlog::info("connection {} {}: {} (client={})", id_, what, ec.message(), client_);
}

}  // namespace dyad::net
