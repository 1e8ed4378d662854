// The load benchmark's floor: the least any server of Dyad's protocol can do. Plain TCP on one
// thread, each message a 4-byte big-endian length and a dyad.v1 ClientMessage/ServerMessage,
// the benchmark's requests answered from memory (Join, Resume, AttachFacilitator, Ping,
// Broadcast, OpenFeedback, SubmitFeedback), no store, no limits, no views. What Dyad and the
// Node.js peer cost above it is what they do beyond moving bytes.
//
// Usage: dyad_floor_server [--bind ADDR] [--port N] [--facilitator-token T]
// Prints "listening on ADDR:PORT" once it accepts connections.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "dyad/v1/wire.pb.h"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using frame_ptr = std::shared_ptr<const std::string>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

frame_ptr frame(const dyad::v1::ServerMessage& message) {
  const auto body = message.SerializeAsString();
  const auto n = static_cast<std::uint32_t>(body.size());
  auto out = std::make_shared<std::string>();
  out->reserve(4 + body.size());
  out->push_back(static_cast<char>(n >> 24));
  out->push_back(static_cast<char>(n >> 16));
  out->push_back(static_cast<char>(n >> 8));
  out->push_back(static_cast<char>(n));
  out->append(body);
  return out;
}

class session;

struct workshop {
  std::string facilitator_token;
  std::unordered_set<session*> participants;
  std::unordered_map<std::string, std::string> ids_by_token;
  std::unordered_set<std::string> submissions;
  bool feedback_open = false;
  std::uint64_t next_id = 1;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, workshop& w) : socket_(std::move(socket)), w_(w) {}
  ~session() { w_.participants.erase(this); }

  void start() { do_read(); }

  void deliver(frame_ptr f) {
    queue_.push_back(std::move(f));
    if (queue_.size() == 1) do_write();
  }

private:
  void do_read() {
    asio::async_read(socket_, asio::buffer(header_), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      if (ec) return self->stop();
      const std::uint32_t n = (std::uint32_t{self->header_[0]} << 24) | (std::uint32_t{self->header_[1]} << 16) |
                              (std::uint32_t{self->header_[2]} << 8) | std::uint32_t{self->header_[3]};
      if (n > 64 * 1024) return self->stop();
      self->body_.resize(n);
      asio::async_read(self->socket_, asio::buffer(self->body_), [self](boost::system::error_code bec, std::size_t) {
        if (bec) return self->stop();
        self->handle();
        self->do_read();
      });
    });
  }

  void answer(std::uint64_t request_id, dyad::v1::ServerMessage& m) {
    m.set_request_id(request_id);
    m.set_server_ms(now_ms());
    deliver(frame(m));
  }

  void to_participants(dyad::v1::ServerMessage& m) {
    m.set_server_ms(now_ms());
    const auto f = frame(m);
    for (auto* p : w_.participants) p->deliver(f);
  }

  void handle() {
    dyad::v1::ClientMessage in;
    dyad::v1::ServerMessage out;
    if (!in.ParseFromString(body_)) {
      out.mutable_error()->set_code(dyad::v1::ERROR_CODE_MALFORMED);
      return answer(0, out);
    }
    const auto id = in.request_id();
    switch (in.kind_case()) {
      case dyad::v1::ClientMessage::kJoin:
      case dyad::v1::ClientMessage::kResume: {
        const bool join = in.has_join();
        auto token = join ? in.join().resume_token() : in.resume().resume_token();
        auto known = w_.ids_by_token.find(token);
        if (known == w_.ids_by_token.end()) {
          if (!join) {
            out.mutable_error()->set_code(dyad::v1::ERROR_CODE_NOT_FOUND);
            return answer(id, out);
          }
          if (token.empty()) token = "floor-" + std::to_string(w_.next_id);
          known = w_.ids_by_token.emplace(token, "p" + std::to_string(w_.next_id++)).first;
        }
        w_.participants.insert(this);
        auto& s = *out.mutable_participant_snapshot();
        s.set_participant_id(known->second);
        s.set_resume_token(token);
        if (join) s.set_shown_name(in.join().display_name());
        s.mutable_feedback()->set_open(w_.feedback_open);
        return answer(id, out);
      }
      case dyad::v1::ClientMessage::kAttach:
        if (in.attach().facilitator_token() != w_.facilitator_token) {
          out.mutable_error()->set_code(dyad::v1::ERROR_CODE_UNAUTHORIZED);
          return answer(id, out);
        }
        facilitator_ = true;
        out.mutable_facilitator_snapshot()->set_code("BENCH");
        return answer(id, out);
      case dyad::v1::ClientMessage::kPing:
        out.mutable_pong()->set_client_ms(in.ping().client_ms());
        return answer(id, out);
      case dyad::v1::ClientMessage::kBroadcast: {
        if (!facilitator_) break;
        out.mutable_ack();
        answer(id, out);
        dyad::v1::ServerMessage event;
        event.mutable_broadcast()->set_text(in.broadcast().text());
        event.mutable_broadcast()->set_sent_ms(now_ms());
        return to_participants(event);
      }
      case dyad::v1::ClientMessage::kOpenFeedback: {
        if (!facilitator_) break;
        w_.feedback_open = true;
        out.mutable_ack();
        answer(id, out);
        dyad::v1::ServerMessage event;
        event.mutable_feedback()->set_open(true);
        return to_participants(event);
      }
      case dyad::v1::ClientMessage::kSubmitFeedback:
        if (!w_.feedback_open) {
          out.mutable_error()->set_code(dyad::v1::ERROR_CODE_WRONG_STATE);
          return answer(id, out);
        }
        w_.submissions.insert(in.submit_feedback().submission_id());
        out.mutable_ack();
        return answer(id, out);
      default:
        out.mutable_ack();
        return answer(id, out);
    }
    out.mutable_error()->set_code(dyad::v1::ERROR_CODE_FORBIDDEN);
    answer(id, out);
  }

  void do_write() {
    asio::async_write(socket_, asio::buffer(*queue_.front()), [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      if (ec) return self->stop();
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->do_write();
    });
  }

  void stop() {
    w_.participants.erase(this);
    boost::system::error_code ec;
    socket_.close(ec);
  }

  tcp::socket socket_;
  workshop& w_;
  std::array<unsigned char, 4> header_{};
  std::string body_;
  std::deque<frame_ptr> queue_;
  bool facilitator_ = false;
};

void accept(tcp::acceptor& acceptor, workshop& w) {
  acceptor.async_accept([&acceptor, &w](boost::system::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<session>(std::move(socket), w)->start();
    }
    if (acceptor.is_open()) accept(acceptor, w);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string bind = "127.0.0.1";
  unsigned port = 0;
  workshop w;
  w.facilitator_token = "bench-facilitator-token";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--bind") bind = argv[i + 1];
    else if (name == "--port") port = static_cast<unsigned>(std::stoul(argv[i + 1]));
    else if (name == "--facilitator-token") w.facilitator_token = argv[i + 1];
    else {
      std::cerr << "dyad_floor_server: unknown option " << name << "\nUsage: dyad_floor_server [--bind ADDR] [--port N] [--facilitator-token T]\n";
      return 2;
    }
  }
  asio::io_context ioc(1);
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint at(asio::ip::make_address(bind), static_cast<std::uint16_t>(port));
  acceptor.open(at.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(at);
  acceptor.listen(asio::socket_base::max_listen_connections);
  accept(acceptor, w);
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) { ioc.stop(); });
  std::cout << "listening on " << bind << ':' << acceptor.local_endpoint().port() << std::endl;
  ioc.run();
  return 0;
}
