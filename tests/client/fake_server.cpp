#include "client/fake_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <atomic>
#include <deque>
#include <string_view>

#include "dyad/v1/wire.pb.h"

namespace dyad::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The real server's answers, word for word (server/net/http_routes.cpp, http_session.cpp,
// websocket_session.cpp, workshop_host.cpp).
http::response<http::string_body> response(const http::request<http::string_body>& request, http::status status,
                                           std::string body, std::string_view content_type, bool keep_alive) {
  http::response<http::string_body> r{status, request.version()};
  r.set(http::field::server, "dyad");
  r.set(http::field::content_type, content_type);
  r.keep_alive(keep_alive);
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

// What http_session answers itself (refused upgrades): plain text, then the connection closes.
http::response<http::string_body> plain(const http::request<http::string_body>& request, http::status status,
                                        std::string body) {
  return response(request, status, std::move(body), "text/plain; charset=utf-8", false);
}

http::response<http::string_body> answer_http(const http::request<http::string_body>& request) {
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  if (path == "/livez" && get) return response(request, http::status::ok, "ok\n", "text/plain", request.keep_alive());
  if (!get) return response(request, http::status::method_not_allowed, "Only GET here.\n", "text/plain", request.keep_alive());
  return response(request, http::status::not_found, "Not found: " + path + "\n", "text/plain", request.keep_alive());
}

std::string query_value(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  std::string value;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
      value = std::string(pair.substr(name.size() + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return value;
}

dyad::v1::ServerMessage error_answer(std::uint64_t request_id, dyad::v1::ErrorCode code, std::string text) {
  dyad::v1::ServerMessage m;
  m.set_request_id(request_id);
  m.mutable_error()->set_code(code);
  m.mutable_error()->set_message(std::move(text));
  return m;
}

}  // namespace

class ws_session;

struct fake_server::impl {
  explicit impl(fake_server& owner) : server(owner) {}
  fake_server& server;
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::atomic<bool> stalled{false};
  std::atomic<bool> deaf{false};
  // On the io thread only.
  std::vector<std::weak_ptr<ws_session>> sessions;
  std::vector<std::shared_ptr<ws_session>> unread;  // sessions never read: nothing else holds them
  void do_accept();
};

// One TCP connection: HTTP requests, answered, or one upgraded to a WebSocket session.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(fake_server::impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}

  void start() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_http(ec); });
  }

  void say_goodbye(const std::string& goodbye) {
    if (!ws_ || close_after_queue_) return;
    dyad::v1::ServerMessage bye;
    bye.mutable_goodbye()->set_reason(goodbye);
    send(std::move(bye));
    close_after_queue_ = true;
    if (!writing_) do_close();
  }

private:
  void on_http(beast::error_code ec) {
    if (ec) return;
    if (!websocket::is_upgrade(request_)) {
      reply_http(answer_http(request_));
      return;
    }
    const std::string target(request_.target());
    if (target.substr(0, target.find('?')) != "/ws") {
      reply_http(plain(request_, http::status::not_found, "WebSockets are served at /ws?w=CODE.\n"));
      return;
    }
    // The real server's default list of allowed origins: its own address, and localhost's.
    const std::string origin(request_[http::field::origin]);
    const auto port = std::to_string(server_.acceptor.local_endpoint().port());
    if (!origin.empty() && origin != "http://127.0.0.1:" + port && origin != "http://localhost:" + port) {
      reply_http(plain(request_, http::status::forbidden,
                       "This page's origin may not connect; start the server with --allowed-origin " + origin +
                           " if it should.\n"));
      return;
    }
    // Any other code is accepted and refused in the protocol, at its first request.
    const auto code = query_value(target, "w");
    if (code != fake_server::code()) unknown_code_ = code;
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);  // no 40 ms delayed-ACK stalls
    ws_.emplace(std::move(stream_));
    ws_->binary(true);
    // Called while a read is under way: `this` lives as long as that read holds it.
    ws_->control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) server_.server.record_ping();
    });
    ws_->async_accept(request_, [self = shared_from_this()](beast::error_code accept_ec) {
      if (accept_ec) return;
      self->server_.sessions.push_back(self);
      if (self->server_.deaf) {
        self->server_.unread.push_back(self);
        return;
      }
      self->do_read();
    });
  }

  void reply_http(http::response<http::string_body> response) {
    auto shared = std::make_shared<http::response<http::string_body>>(std::move(response));
    http::async_write(stream_, *shared, [self = shared_from_this(), shared](beast::error_code ec, std::size_t) {
      if (!ec && shared->keep_alive()) return self->start();
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  void do_read() {
    ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (!ended_) server_.server.record_end(ec == websocket::error::closed ? session_end::close_frame : session_end::cut);
      ended_ = true;
      return;
    }
    server_.server.record_frame();
    dyad::v1::ClientMessage message;
    const auto data = buffer_.cdata();
    const bool parsed = message.ParseFromArray(data.data(), static_cast<int>(data.size()));
    buffer_.consume(buffer_.size());
    if (unknown_code_) return refuse(message.request_id());
    if (!server_.stalled) handle(ws_->got_binary(), parsed, message);
    do_read();
  }

  void refuse(std::uint64_t request_id) {
    send(error_answer(request_id, dyad::v1::ERROR_CODE_NO_SUCH_WORKSHOP,
                      "No open workshop '" + *unknown_code_ +
                          "' on this server; check the code you were given, or ask your facilitator for the link."));
    close_reason_ = "no such open workshop";
    close_after_queue_ = true;
    if (!writing_) do_close();
  }

  void handle(bool binary, bool parsed, const dyad::v1::ClientMessage& message) {
    namespace v1 = dyad::v1;
    const auto rid = message.request_id();
    if (!binary) {
      return send(error_answer(
          0, v1::ERROR_CODE_MALFORMED, "Send binary frames holding a dyad.v1.ClientMessage; text frames are not accepted."));
    }
    if (!parsed) {
      return send(error_answer(0, v1::ERROR_CODE_MALFORMED,
                               "That frame is not a dyad.v1.ClientMessage; check the client's protocol version."));
    }
    if (rid == 0) {
      return send(error_answer(0, v1::ERROR_CODE_MALFORMED,
                               "Every request needs a request_id other than 0, unique on the connection; 0 is kept "
                               "for the server's events."));
    }
    if (message.kind_case() == v1::ClientMessage::KIND_NOT_SET) {
      return send(error_answer(rid, v1::ERROR_CODE_UNKNOWN_MESSAGE,
                               "This server does not know that request; the page may be newer than the server — reload it."));
    }
    if (message.kind_case() == v1::ClientMessage::kJoin) {
      if (joined_) {
        return send(error_answer(rid, v1::ERROR_CODE_WRONG_STATE,
                                 "This connection has already joined; reload the page to join afresh."));
      }
      joined_ = true;
      return answer_join(message);
    }
    if (!joined_) {
      return send(error_answer(rid, v1::ERROR_CODE_UNAUTHORIZED,
                               "Join, resume or attach as the facilitator first; this connection is not yet part of "
                               "the workshop."));
    }
    v1::ServerMessage answer;
    answer.set_request_id(rid);
    switch (message.kind_case()) {
      case v1::ClientMessage::kPing:
        answer.mutable_pong()->set_client_ms(message.ping().client_ms());
        return send(std::move(answer));
      case v1::ClientMessage::kSubmitFeedback:
        server_.server.record_feedback(message.submit_feedback().submission_id() + " " +
                                       message.submit_feedback().response().ShortDebugString());
        answer.mutable_ack();
        send(std::move(answer));
        return say_goodbye(fake_server::closed_goodbye);
      default:
        answer.mutable_ack();
        return send(std::move(answer));
    }
  }

  void answer_join(const dyad::v1::ClientMessage& message) {
    dyad::v1::ServerMessage answer;
    answer.set_request_id(message.request_id());
    auto& snapshot = *answer.mutable_participant_snapshot();
    snapshot.set_participant_id("p-" + message.join().display_name());
    snapshot.set_shown_name(message.join().display_name());
    snapshot.set_workshop_title("Fake day");
    snapshot.set_lifecycle(dyad::v1::LIFECYCLE_ROUNDS);
    send(std::move(answer));

    dyad::v1::ServerMessage assignment;
    auto& a = *assignment.mutable_assignment();
    a.set_round(1);
    a.set_room("Room 1");
    a.set_role_id("therapist");
    a.set_role_name("Therapist");
    a.add_partner_names("Someone");
    send(std::move(assignment));

    dyad::v1::ServerMessage feedback;
    feedback.mutable_feedback()->set_open(true);
    auto& questionnaire = *feedback.mutable_feedback()->mutable_questionnaire();
    auto& overall = *questionnaire.add_questions();
    overall.set_id("overall");
    overall.set_required(true);
    for (const char* id : {"excellent", "good", "poor"}) overall.mutable_choice()->add_options()->set_id(id);
    auto& pace = *questionnaire.add_questions();
    pace.set_id("pace");
    pace.mutable_scale()->set_min(1);
    pace.mutable_scale()->set_max(5);
    auto& comments = *questionnaire.add_questions();
    comments.set_id("comments");
    comments.mutable_text_answer();
    send(std::move(feedback));
  }

  void send(dyad::v1::ServerMessage message) {
    if (close_after_queue_) return;
    message.set_server_ms(now_ms());
    queue_.push_back(message.SerializeAsString());
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    ws_->async_write(asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) return;
      self->queue_.pop_front();
      if (!self->queue_.empty()) {
        self->do_write();
      } else if (self->close_after_queue_) {
        self->do_close();
      }
    });
  }

  void do_close() {
    const auto reason = close_reason_.empty() ? websocket::close_reason(websocket::close_code::normal)
                                              : websocket::close_reason(websocket::close_code::normal, close_reason_);
    ws_->async_close(reason, [self = shared_from_this()](beast::error_code) {});
  }

  fake_server::impl& server_;
  beast::tcp_stream stream_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::deque<std::string> queue_;
  std::optional<std::string> unknown_code_;
  std::string close_reason_;
  bool writing_ = false;
  bool close_after_queue_ = false;
  bool joined_ = false;
  bool ended_ = false;
};

void fake_server::impl::do_accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    server.record_accept();
    std::make_shared<ws_session>(*this, std::move(socket))->start();
    do_accept();
  });
}

fake_server::fake_server() : impl_(std::make_unique<impl>(*this)) {
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->do_accept();
  thread_ = std::thread([this] { impl_->io.run(); });
}

fake_server::~fake_server() {
  impl_->io.stop();
  thread_.join();
}

void fake_server::stall() { impl_->stalled = true; }

void fake_server::stop_reading() { impl_->deaf = true; }

void fake_server::close_all(const std::string& goodbye) {
  asio::post(impl_->io, [this, goodbye] {
    for (const auto& weak : impl_->sessions)
      if (const auto session = weak.lock()) session->say_goodbye(goodbye);
  });
}

std::size_t fake_server::accepted() const {
  const std::lock_guard lock(mutex_);
  return accepted_;
}

bool fake_server::wait_for_frames(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return frames_ >= count; });
}

bool fake_server::wait_for_pings(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return pings_ >= count; });
}

std::optional<std::vector<session_end>> fake_server::wait_for_ended_sessions(std::size_t count,
                                                                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return ended_.size() >= count; })) return std::nullopt;
  return ended_;
}

std::vector<std::string> fake_server::feedback() const {
  const std::lock_guard lock(mutex_);
  return feedback_;
}

void fake_server::record_accept() {
  const std::lock_guard lock(mutex_);
  ++accepted_;
  changed_.notify_all();
}

void fake_server::record_frame() {
  const std::lock_guard lock(mutex_);
  ++frames_;
  changed_.notify_all();
}

void fake_server::record_ping() {
  const std::lock_guard lock(mutex_);
  ++pings_;
  changed_.notify_all();
}

void fake_server::record_feedback(std::string feedback) {
  const std::lock_guard lock(mutex_);
  feedback_.push_back(std::move(feedback));
  changed_.notify_all();
}

void fake_server::record_end(session_end end) {
  const std::lock_guard lock(mutex_);
  ended_.push_back(end);
  changed_.notify_all();
}

}  // namespace dyad::test
