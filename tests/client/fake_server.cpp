#include "client/fake_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>

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

std::string error_json(const std::string& code, const std::string& message) {
  std::string escaped;
  for (const char c : message) {
    if (c == '\n') {
      escaped += "\\n";
    } else if (c == '"') {
      escaped += "\\\"";
    } else {
      escaped.push_back(c);
    }
  }
  return R"({"code":")" + code + R"(","message":")" + escaped + R"("})";
}

http::response<http::string_body> answer_http(const http::request<http::string_body>& request) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.keep_alive(false);
  response.set(http::field::content_type, "application/json");
  const std::string target(request.target());
  if (request.method() == http::verb::get && target == "/healthz") {
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain");
    response.body() = "ok";
  } else if (request.method() == http::verb::post && target == "/api/workshops") {
    if (request[http::field::authorization] != "Bearer admin-secret") {
      response.result(http::status::unauthorized);
      response.body() = error_json("ERROR_CODE_UNAUTHORIZED", "The admin token is wrong; use the one the server printed.");
    } else if (request.body().find("broken") != std::string::npos) {
      response.result(http::status::bad_request);
      response.body() = error_json("ERROR_CODE_INVALID_ARGUMENT",
                                   "plan:3:1: title: the plan needs a title\nplan:9:5: exercises[0].id: give the exercise an id");
    } else {
      response.result(http::status::created);
      response.body() =
          R"({"code":"K7Q2ZP","facilitatorToken":"f-secret","facilitatorUrl":"http://x/f/K7Q2ZP#f-secret",)"
          R"("participantUrl":"http://x/w/K7Q2ZP","someFutureField":42})";
    }
  } else if (request.method() == http::verb::get && target.starts_with("/api/workshops/") &&
             target.find("/statistics?format=") != std::string::npos) {
    const auto code_begin = std::string("/api/workshops/").size();
    const auto code = target.substr(code_begin, target.find('/', code_begin) - code_begin);
    const auto format = target.substr(target.find("format=") + 7);
    response.result(http::status::ok);
    response.set(http::field::content_type, "text/plain");
    response.body() = "statistics of " + code + " as " + format;
  } else {
    response.result(http::status::not_found);
    response.body() = error_json("ERROR_CODE_NOT_FOUND", "Nothing is at " + target + ".");
  }
  response.prepare_payload();
  return response;
}

}  // namespace

class ws_session;

struct fake_server::impl {
  explicit impl(fake_server& owner) : server(owner) {}
  fake_server& server;
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  void do_accept();
};

// One TCP connection: an HTTP request, answered, or upgraded to a WebSocket session.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(fake_server& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}

  void start() {
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_http(ec); });
  }

private:
  void on_http(beast::error_code ec) {
    if (ec) return;
    seen_request seen;
    seen.method = std::string(request_.method_string());
    seen.target = std::string(request_.target());
    seen.origin = std::string(request_[http::field::origin]);
    seen.authorization = std::string(request_[http::field::authorization]);
    seen.content_type = std::string(request_[http::field::content_type]);
    seen.body = request_.body();
    server_.record_request(std::move(seen));
    if (!websocket::is_upgrade(request_)) {
      reply_http(answer_http(request_));
      return;
    }
    if (std::string(request_.target()).find("w=refuse") != std::string::npos) {
      http::response<http::string_body> refused{http::status::forbidden, request_.version()};
      refused.set(http::field::content_type, "application/json");
      refused.body() = error_json("ERROR_CODE_FORBIDDEN", "This origin may not connect; ask the organiser to allow it.");
      refused.prepare_payload();
      refused.keep_alive(false);
      reply_http(std::move(refused));
      return;
    }
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);  // no 40 ms delayed-ACK stalls
    ws_.emplace(std::move(stream_));
    ws_->binary(true);
    ws_->async_accept(request_, [self = shared_from_this()](beast::error_code accept_ec) {
      if (!accept_ec) self->do_read();
    });
  }

  void reply_http(http::response<http::string_body> response) {
    auto shared = std::make_shared<http::response<http::string_body>>(std::move(response));
    http::async_write(stream_, *shared, [self = shared_from_this(), shared](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  void do_read() {
    ws_->async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (!ended_) server_.record_end(ec == websocket::error::closed ? session_end::close_frame : session_end::cut);
      ended_ = true;
      return;
    }
    dyad::v1::ClientMessage message;
    const auto data = buffer_.cdata();
    const bool parsed = message.ParseFromArray(data.data(), static_cast<int>(data.size()));
    buffer_.consume(buffer_.size());
    handle(parsed, message);
    do_read();
  }

  void handle(bool parsed, const dyad::v1::ClientMessage& message) {
    dyad::v1::ServerMessage answer;
    answer.set_request_id(message.request_id());
    if (!parsed || message.kind_case() == dyad::v1::ClientMessage::KIND_NOT_SET) {
      answer.set_request_id(0);
      answer.mutable_error()->set_code(dyad::v1::ERROR_CODE_MALFORMED);
      answer.mutable_error()->set_message("The frame is not a ClientMessage.");
      send(answer);
      return;
    }
    switch (message.kind_case()) {
      case dyad::v1::ClientMessage::kPing:
        answer.mutable_pong()->set_client_ms(message.ping().client_ms());
        break;
      case dyad::v1::ClientMessage::kBroadcast: {
        dyad::v1::ServerMessage event;
        event.mutable_broadcast()->set_text(message.broadcast().text());
        event.mutable_broadcast()->set_sent_ms(now_ms());
        send(event);
        answer.mutable_ack();
        break;
      }
      case dyad::v1::ClientMessage::kHelp:
        return;  // held: never answered
      case dyad::v1::ClientMessage::kCloseWorkshop:
        answer.mutable_ack();
        send(answer);
        say_goodbye();
        return;
      case dyad::v1::ClientMessage::kJoin:
        answer_join(message);
        return;
      case dyad::v1::ClientMessage::kSubmitFeedback:
        server_.record_feedback(message.submit_feedback().submission_id() + " " +
                                message.submit_feedback().response().ShortDebugString());
        answer.mutable_ack();
        send(answer);
        say_goodbye();
        return;
      default:
        answer.mutable_ack();
        break;
    }
    send(answer);
  }

  void say_goodbye() {
    dyad::v1::ServerMessage goodbye;
    goodbye.mutable_goodbye()->set_reason("The facilitator closed the workshop.");
    send(goodbye);
    close_after_queue_ = true;
    if (!writing_) do_close();
  }

  void answer_join(const dyad::v1::ClientMessage& message) {
    dyad::v1::ServerMessage answer;
    answer.set_request_id(message.request_id());
    auto& snapshot = *answer.mutable_participant_snapshot();
    snapshot.set_participant_id("p-" + message.join().display_name());
    snapshot.set_shown_name(message.join().display_name());
    snapshot.set_workshop_title("Fake day");
    snapshot.set_lifecycle(dyad::v1::LIFECYCLE_ROUNDS);
    send(answer);

    dyad::v1::ServerMessage assignment;
    auto& a = *assignment.mutable_assignment();
    a.set_round(1);
    a.set_room("Room 1");
    a.set_role_id("therapist");
    a.set_role_name("Therapist");
    a.add_partner_names("Someone");
    send(assignment);

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
    send(feedback);
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
    ws_->async_close(websocket::close_reason(websocket::close_code::going_away, "the workshop closed"),
                     [self = shared_from_this()](beast::error_code) {});
  }

  fake_server& server_;
  beast::tcp_stream stream_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool close_after_queue_ = false;
  bool ended_ = false;
};

void fake_server::impl::do_accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    std::make_shared<ws_session>(server, std::move(socket))->start();
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

std::vector<seen_request> fake_server::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

std::optional<std::vector<session_end>> fake_server::wait_for_ended_sessions(std::size_t count,
                                                                             std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return ended_.size() >= count; })) return std::nullopt;
  return ended_;
}

void fake_server::record_request(seen_request request) {
  const std::lock_guard lock(mutex_);
  requests_.push_back(std::move(request));
  changed_.notify_all();
}

std::vector<std::string> fake_server::feedback() const {
  const std::lock_guard lock(mutex_);
  return feedback_;
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
