#include "load_runner.hpp"

#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "dyad/v1/wire.pb.h"
#include "dyad_client.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace dyad::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using frame_ptr = std::shared_ptr<const std::string>;

// The ServerMessage fields the generator tells apart (wire.proto).
constexpr std::uint32_t kind_ack = 10;
constexpr std::uint32_t kind_error = 11;
constexpr std::uint32_t kind_pong = 12;
constexpr std::uint32_t kind_participant_snapshot = 13;
constexpr std::uint32_t kind_facilitator_snapshot = 14;
constexpr std::uint32_t kind_broadcast = 22;
constexpr std::uint32_t kind_feedback = 25;

/// A slow consumer's receive buffer: small, so that the server's writes to it back up soon.
constexpr int slow_receive_buffer = 4096;

double ms_between(steady::time_point from, steady::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// ---------------------------------------------------------------------------------------------
// Reading a ServerMessage's envelope without parsing it: at 10,000 people the facilitator's
// rosters would cost the generator more than they cost the server.

struct envelope {
  std::uint64_t request_id = 0;
  std::uint32_t kind = 0;
};

bool read_varint(const unsigned char*& p, const unsigned char* end, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const unsigned char byte = *p++;
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

envelope peek(std::string_view bytes) {
  envelope out;
  auto p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto end = p + bytes.size();
  while (p < end) {
    std::uint64_t key = 0;
    if (!read_varint(p, end, key)) return out;
    const auto field = static_cast<std::uint32_t>(key >> 3);
    std::uint64_t value = 0;
    switch (key & 7) {
      case 0:
        if (!read_varint(p, end, value)) return out;
        if (field == 1) out.request_id = value;
        break;
      case 1:
        if (end - p < 8) return out;
        p += 8;
        break;
      case 2:
        if (!read_varint(p, end, value) || static_cast<std::uint64_t>(end - p) < value) return out;
        if (field >= 10) out.kind = field;
        p += value;
        break;
      case 5:
        if (end - p < 4) return out;
        p += 4;
        break;
      default:
        return out;
    }
  }
  return out;
}

frame_ptr encode(const v1::ClientMessage& message) {
  return std::make_shared<const std::string>(message.SerializeAsString());
}

// ---------------------------------------------------------------------------------------------
// Connections: a WebSocket or a length-prefixed TCP stream, one write in flight at a time.

class link : public std::enable_shared_from_this<link> {
public:
  std::function<void(std::string_view)> on_frame;
  std::function<void()> on_closed;

  virtual ~link() = default;
  /// Binds `from` (port chosen at connect), connects to `to`, upgrades when a WebSocket; then
  /// `ready(true)` and reading starts, or `ready(false)` with `failure()` saying why.
  virtual void start(const asio::ip::address& from, const tcp::endpoint& to, int receive_buffer,
                     std::function<void(bool)> ready) = 0;
  /// Sends one message (the link adds its framing).
  virtual void send(frame_ptr message) = 0;
  /// Closes the socket at once, as a dropped network does; no handler runs afterwards.
  virtual void cut() = 0;

  /// Stops asking for frames (a consumer that stopped reading); the kernel buffers fill.
  void pause_reading() { paused_ = true; }
  bool is_open() const { return open_; }
  const std::string& failure() const { return failure_; }

protected:
  static bool prepare(tcp::socket& socket, const asio::ip::address& from, int receive_buffer, std::string& why) {
    boost::system::error_code ec;
    socket.open(tcp::v4(), ec);
    if (ec) return why = "socket: " + ec.message(), false;
    if (!from.is_unspecified()) {
      // Let connect() choose the port, so that each source address offers its whole range.
      const int one = 1;
      ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      socket.bind(tcp::endpoint(from, 0), ec);
      if (ec) return why = "bind " + from.to_string() + ": " + ec.message(), false;
    }
    if (receive_buffer > 0) socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
    socket.set_option(tcp::no_delay(true), ec);
    return true;
  }
  void closed(const std::string& why) {
    if (!open_ || cut_) return;
    open_ = false;
    failure_ = why;
    if (on_closed) on_closed();
  }

  bool open_ = false;
  bool cut_ = false;
  bool paused_ = false;
  bool reading_ = false;
  bool writing_ = false;
  std::string failure_;
  std::deque<frame_ptr> outgoing_;
};

class websocket_link final : public link {
public:
  websocket_link(asio::io_context& ioc, std::string host_header, std::string target)
      : ws_(ioc), host_(std::move(host_header)), target_(std::move(target)) {}

  void start(const asio::ip::address& from, const tcp::endpoint& to, int receive_buffer,
             std::function<void(bool)> ready) override {
    if (!prepare(ws_.next_layer(), from, receive_buffer, failure_)) {
      asio::post(ws_.get_executor(), [ready] { ready(false); });
      return;
    }
    ws_.next_layer().async_connect(to, [self = shared(), ready](boost::system::error_code ec) {
      if (ec) {
        self->failure_ = "connect: " + ec.message();
        return ready(false);
      }
      self->ws_.binary(true);
      self->ws_.set_option(websocket::stream_base::decorator([origin = "http://" + self->host_](websocket::request_type& r) {
        r.set(beast::http::field::origin, origin);
      }));
      self->ws_.async_handshake(self->host_, self->target_, [self, ready](beast::error_code hec) {
        if (hec) {
          self->failure_ = "WebSocket handshake: " + hec.message();
          return ready(false);
        }
        self->open_ = true;
        self->do_read();
        ready(true);
      });
    });
  }

  void send(frame_ptr message) override {
    if (!open_) return;
    outgoing_.push_back(std::move(message));
    if (!writing_) do_write();
  }

  void cut() override {
    cut_ = true;
    open_ = false;
    boost::system::error_code ec;
    ws_.next_layer().close(ec);
  }

  void resume() {
    paused_ = false;
    do_read();
  }

private:
  std::shared_ptr<websocket_link> shared() { return std::static_pointer_cast<websocket_link>(shared_from_this()); }

  void do_read() {
    if (paused_ || reading_ || !open_) return;
    reading_ = true;
    ws_.async_read(buffer_, [self = shared()](beast::error_code ec, std::size_t) {
      self->reading_ = false;
      if (self->cut_) return;
      if (ec) return self->closed(ec.message());
      const auto data = self->buffer_.cdata();
      if (self->on_frame) self->on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buffer_.consume(self->buffer_.size());
      self->do_read();
    });
  }

  void do_write() {
    writing_ = true;
    ws_.async_write(asio::buffer(*outgoing_.front()), [self = shared()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (self->cut_) return;
      if (ec) return self->closed(ec.message());
      self->outgoing_.pop_front();
      if (!self->outgoing_.empty()) self->do_write();
    });
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::string host_;
  std::string target_;
};

/// The floor's framing: a 4-byte big-endian length, then the message.
class framed_link final : public link {
public:
  explicit framed_link(asio::io_context& ioc) : socket_(ioc) {}

  void start(const asio::ip::address& from, const tcp::endpoint& to, int receive_buffer,
             std::function<void(bool)> ready) override {
    if (!prepare(socket_, from, receive_buffer, failure_)) {
      asio::post(socket_.get_executor(), [ready] { ready(false); });
      return;
    }
    socket_.async_connect(to, [self = shared(), ready](boost::system::error_code ec) {
      if (ec) {
        self->failure_ = "connect: " + ec.message();
        return ready(false);
      }
      self->open_ = true;
      self->do_read();
      ready(true);
    });
  }

  void send(frame_ptr message) override {
    if (!open_) return;
    const auto n = static_cast<std::uint32_t>(message->size());
    auto framed = std::make_shared<std::string>();
    framed->reserve(4 + n);
    framed->push_back(static_cast<char>(n >> 24));
    framed->push_back(static_cast<char>(n >> 16));
    framed->push_back(static_cast<char>(n >> 8));
    framed->push_back(static_cast<char>(n));
    framed->append(*message);
    outgoing_.push_back(std::move(framed));
    if (!writing_) do_write();
  }

  void cut() override {
    cut_ = true;
    open_ = false;
    boost::system::error_code ec;
    socket_.close(ec);
  }

private:
  std::shared_ptr<framed_link> shared() { return std::static_pointer_cast<framed_link>(shared_from_this()); }

  void do_read() {
    if (paused_ || reading_ || !open_) return;
    reading_ = true;
    asio::async_read(socket_, asio::buffer(header_), [self = shared()](boost::system::error_code ec, std::size_t) {
      if (self->cut_) return;
      if (ec) return self->reading_ = false, self->closed(ec.message());
      const std::uint32_t n = (std::uint32_t{self->header_[0]} << 24) | (std::uint32_t{self->header_[1]} << 16) |
                              (std::uint32_t{self->header_[2]} << 8) | std::uint32_t{self->header_[3]};
      self->body_.resize(n);
      asio::async_read(self->socket_, asio::buffer(self->body_), [self](boost::system::error_code bec, std::size_t) {
        self->reading_ = false;
        if (self->cut_) return;
        if (bec) return self->closed(bec.message());
        if (self->on_frame) self->on_frame(self->body_);
        self->do_read();
      });
    });
  }

  void do_write() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(*outgoing_.front()), [self = shared()](boost::system::error_code ec, std::size_t) {
      self->writing_ = false;
      if (self->cut_) return;
      if (ec) return self->closed(ec.message());
      self->outgoing_.pop_front();
      if (!self->outgoing_.empty()) self->do_write();
    });
  }

  tcp::socket socket_;
  std::array<unsigned char, 4> header_{};
  std::string body_;
};

// ---------------------------------------------------------------------------------------------
// The server process, read from /proc.

std::optional<double> rss_kib(int pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

/// utime + stime in milliseconds.
std::optional<double> cpu_ms(int pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  // After the name: state is field 3; utime and stime are fields 14 and 15.
  double utime = 0;
  double stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

double median(std::vector<double> values) { return percentile(std::move(values), 50); }

// ---------------------------------------------------------------------------------------------

struct participant {
  std::shared_ptr<link> conn;
  std::string token;
  std::size_t index = 0;
  std::uint64_t next_request = 1;
  /// The request awaiting its answer (0: none), what it was, and when it was first sent.
  std::uint64_t pending = 0;
  std::uint32_t pending_kind = 0;
  steady::time_point sent{};
  steady::time_point answered{};
  bool joined = false;
  bool feedback_open = false;
  bool slow = false;
  unsigned retries = 0;
  std::uint64_t last_broadcast = 0;
};

class runner {
public:
  explicit runner(const load_options& options) : o_(options) {
    std::random_device random;
    salt_ = std::to_string(random()) + std::to_string(random());
    salt_ = salt_.substr(0, 12);
    for (unsigned i = 0; i < o_.sources && i < 254; ++i)
      sources_.push_back(asio::ip::make_address_v4(0x7f000002u + i));
    if (sources_.empty()) sources_.emplace_back(asio::ip::address_v4::any());
    to_ = tcp::endpoint(asio::ip::make_address(o_.host), o_.port);
    code_ = o_.code;
    facilitator_token_ = o_.facilitator_token;
  }

  load_result run() {
    raise_file_limit();
    if (!o_.admin_token.empty() && !create_workshop()) return std::move(result_);
    if (!attach_facilitator()) return std::move(result_);
    switch (o_.what) {
      case scenario::hold: hold(); break;
      case scenario::feedback: feedback(); break;
      case scenario::churn: churn(); break;
      case scenario::slow: slow(); break;
    }
    return std::move(result_);
  }

private:
  void add(std::string name, double value) { result_.figures.push_back({std::move(name), value}); }
  void problem(std::string text) { result_.problems.push_back(std::move(text)); }

  static void raise_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
  }

  /// Runs the event loop until `done()` or `limit` has passed; false on the deadline.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = steady::now() + limit;
    while (!done()) {
      if (steady::now() >= deadline) return false;
      ioc_.run_one_for(std::chrono::milliseconds(20));
      if (ioc_.stopped()) ioc_.restart();
    }
    return true;
  }

  /// Runs until the server has sent nothing for `quiet` (the roster updates after a wave of
  /// joins have arrived), at most `limit`.
  void settle(std::chrono::milliseconds quiet = std::chrono::milliseconds(300),
              std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    last_frame_ = steady::now();
    run_until([&] { return steady::now() - last_frame_ >= quiet; }, limit);
  }

  std::shared_ptr<link> make_link() {
    if (o_.via == transport::framed_tcp) return std::make_shared<framed_link>(ioc_);
    return std::make_shared<websocket_link>(ioc_, o_.host + ":" + std::to_string(o_.port), "/ws?w=" + code_);
  }

  const asio::ip::address& source(std::size_t k) const { return sources_[k % sources_.size()]; }

  bool create_workshop() {
    client::server_address address;
    address.host = o_.host;
    address.port = o_.port;
    client::client_error error;
    const auto created = client::http_api(address).create_workshop(o_.plan_text, false, o_.admin_token, &error);
    if (!created) {
      problem("the server did not create the workshop: " + error.message);
      return false;
    }
    code_ = created->code();
    facilitator_token_ = created->facilitator_token();
    return true;
  }

  // --- the facilitator

  void send_facilitator(v1::ClientMessage message) {
    message.set_request_id(facilitator_next_++);
    facilitator_pending_ = message.request_id();
    facilitator_answer_ = 0;
    facilitator_->send(encode(message));
  }

  bool attach_facilitator() {
    facilitator_ = make_link();
    facilitator_->on_frame = [this](std::string_view bytes) { on_facilitator_frame(bytes); };
    facilitator_lost_ = false;
    facilitator_->on_closed = [this] {
      facilitator_lost_ = true;
      ++facilitator_drops_;
      facilitator_error_ = "its connection was closed (" + facilitator_->failure() + ")";
    };
    std::optional<bool> ready;
    facilitator_->start(source(0), to_, 0, [&](bool ok) { ready = ok; });
    if (!run_until([&] { return ready.has_value(); }, std::chrono::seconds(10)) || !*ready) {
      problem("the facilitator could not connect: " + facilitator_->failure());
      return false;
    }
    facilitator_error_.clear();
    v1::ClientMessage attach;
    attach.mutable_attach()->set_facilitator_token(facilitator_token_);
    send_facilitator(attach);
    if (!wait_facilitator_answer(std::chrono::seconds(10)) || facilitator_answer_ != kind_facilitator_snapshot) {
      problem("the facilitator was not let in: " + facilitator_error_);
      return false;
    }
    return true;
  }

  bool wait_facilitator_answer(std::chrono::milliseconds limit) {
    return run_until([&] { return facilitator_answer_ != 0 || facilitator_lost_; }, limit) && !facilitator_lost_;
  }

  void on_facilitator_frame(std::string_view bytes) {
    last_frame_ = steady::now();
    const auto e = peek(bytes);
    if (e.request_id == 0 || e.request_id != facilitator_pending_) return;
    facilitator_answer_ = e.kind;
    if (e.kind == kind_facilitator_snapshot) {
      v1::ServerMessage message;
      if (message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        questionnaire_ = message.facilitator_snapshot().plan().questionnaire();
    } else if (e.kind == kind_error) {
      v1::ServerMessage message;
      message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
      facilitator_error_ = message.error().message();
    }
  }

  /// The facilitator still answers: a Ping comes back as a Pong.
  bool facilitator_answers() {
    if (facilitator_lost_ || !facilitator_->is_open()) return false;
    v1::ClientMessage ping;
    ping.mutable_ping()->set_client_ms(1);
    send_facilitator(ping);
    return wait_facilitator_answer(std::chrono::seconds(10)) && facilitator_answer_ == kind_pong;
  }

  // --- participants

  void connect_all(unsigned n) {
    people_.resize(n);
    next_ = 0;
    in_flight_ = 0;
    joined_ = 0;
    join_failed_ = 0;
    launch();
    const bool in_time = run_until([&] { return joined_ + join_failed_ >= n; }, o_.step_deadline);
    if (!in_time) problem(std::to_string(n - joined_ - join_failed_) + " joins unanswered within the deadline");
    if (join_failed_ > 0) problem(std::to_string(join_failed_) + " joins failed, the first: " + first_failure_);
  }

  void launch() {
    while (in_flight_ < o_.window && next_ < people_.size()) start_participant(next_++);
  }

  void start_participant(std::size_t i) {
    ++in_flight_;
    auto& p = people_[i];
    p.slow = i < o_.slow;
    p.index = i;
    p.token = "bench_" + salt_ + "_" + std::to_string(1000000 + i);
    p.conn = make_link();
    p.conn->on_frame = [this, i](std::string_view bytes) { on_participant_frame(people_[i], bytes); };
    p.conn->on_closed = [this, i] { on_participant_closed(people_[i]); };
    p.sent = steady::now();
    p.conn->start(source(i + 1), to_, p.slow ? slow_receive_buffer : 0, [this, i](bool ok) {
      auto& q = people_[i];
      if (!ok) return join_failed(q, q.conn->failure());
      v1::ClientMessage join;
      join.mutable_join()->set_display_name("Participant " + std::to_string(i + 1));
      join.mutable_join()->set_resume_token(q.token);
      request(q, join);
    });
  }

  void join_failed(participant& p, const std::string& why) {
    if (p.joined) return;
    p.joined = true;  // settled: it will not be answered
    if (first_failure_.empty()) first_failure_ = why;
    ++join_failed_;
    --in_flight_;
    launch();
  }

  void request(participant& p, v1::ClientMessage message) {
    message.set_request_id(p.next_request++);
    p.pending = message.request_id();
    p.pending_kind = static_cast<std::uint32_t>(message.kind_case());
    p.conn->send(encode(message));
  }

  /// Sends `message` again later: the server said it is busy (UNAVAILABLE, or RATE_LIMITED), and
  /// the participant's page waits as it does on that answer — 3 s before sending a response
  /// again (web/src/participant/main.ts), and its reconnection backoff (500 ms doubling, at most
  /// 15 s, web/src/lib/wire.ts) before greeting again.
  void retry_later(participant& p, v1::ClientMessage message) {
    ++p.retries;
    ++retries_;
    auto timer = std::make_shared<asio::steady_timer>(ioc_);
    const auto pause = message.has_submit_feedback()
                           ? std::chrono::milliseconds(3000)
                           : std::chrono::milliseconds(std::min(15000u, 500u << std::min(p.retries - 1, 5u)));
    timer->expires_after(pause);
    timer->async_wait([this, timer, &p, message = std::move(message)](boost::system::error_code ec) mutable {
      if (!ec && p.conn && p.conn->is_open()) request(p, std::move(message));
    });
  }

  void on_participant_closed(participant& p) {
    ++closed_by_server_;
    if (p.joined && !p.slow && p.answered != steady::time_point{}) --open_readers_;
    if (!p.joined) join_failed(p, "closed by the server: " + p.conn->failure());
  }

  void on_participant_frame(participant& p, std::string_view bytes) {
    const auto now = steady::now();
    last_frame_ = now;
    const auto e = peek(bytes);
    if (e.request_id == 0) {
      if (e.kind == kind_broadcast) on_broadcast(p, bytes, now);
      if (e.kind == kind_feedback && !p.feedback_open) {
        p.feedback_open = true;
        ++feedback_open_seen_;
      }
      return;
    }
    if (e.request_id != p.pending) return;
    p.pending = 0;
    if (e.kind == kind_error) {
      v1::ServerMessage message;
      message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
      const auto code = message.error().code();
      if (code == v1::ERROR_CODE_UNAVAILABLE || code == v1::ERROR_CODE_RATE_LIMITED) {
        retry_later(p, last_request(p));
        return;
      }
      if (first_failure_.empty()) first_failure_ = message.error().message();
      if (p.pending_kind == v1::ClientMessage::kJoin) return join_failed(p, message.error().message());
      ++refused_;
      return;
    }
    p.answered = now;
    switch (p.pending_kind) {
      case v1::ClientMessage::kJoin:
        if (e.kind == kind_participant_snapshot && !p.joined) {
          p.joined = true;
          ++joined_;
          if (!p.slow) ++open_readers_;
          --in_flight_;
          last_join_ = now;
          if (p.slow) p.conn->pause_reading();
          launch();
        }
        break;
      case v1::ClientMessage::kSubmitFeedback:
        if (e.kind == kind_ack) {
          ++acked_;
          ack_ms_.push_back(ms_between(p.sent, now));
          last_ack_ = now;
        }
        break;
      case v1::ClientMessage::kResume:
        if (e.kind == kind_participant_snapshot) resumed_ = now;
        break;
      default:
        break;
    }
  }

  /// The request a participant last sent, rebuilt for a retry.
  v1::ClientMessage last_request(const participant& p) const {
    v1::ClientMessage m;
    if (p.pending_kind == v1::ClientMessage::kJoin) {
      m.mutable_join()->set_display_name("Participant");
      m.mutable_join()->set_resume_token(p.token);
    } else if (p.pending_kind == v1::ClientMessage::kSubmitFeedback) {
      *m.mutable_submit_feedback() = feedback_for(p);
    } else if (p.pending_kind == v1::ClientMessage::kResume) {
      m.mutable_resume()->set_resume_token(p.token);
    }
    return m;
  }

  // --- broadcasts

  void send_broadcast(std::size_t text_size) {
    const auto seq = broadcast_sent_.size();
    std::string text = "b" + std::to_string(seq) + " ";
    if (text.size() < text_size) text.append(text_size - text.size(), 'x');
    broadcast_sent_.push_back(steady::now());
    broadcast_delivered_.push_back(0);
    broadcast_last_.push_back({});
    v1::ClientMessage message;
    message.mutable_broadcast()->set_text(std::move(text));
    send_facilitator(message);
  }

  void on_broadcast(participant& p, std::string_view bytes, steady::time_point now) {
    v1::ServerMessage message;
    if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
    const auto& text = message.broadcast().text();
    if (text.size() < 2 || text[0] != 'b') return;
    const auto seq = static_cast<std::size_t>(std::strtoull(text.c_str() + 1, nullptr, 10));
    if (seq >= broadcast_sent_.size() || seq + 1 <= p.last_broadcast) return;
    p.last_broadcast = seq + 1;
    if (p.slow) return;
    ++broadcast_delivered_[seq];
    broadcast_last_[seq] = now;
    delivery_ms_.push_back(ms_between(broadcast_sent_[seq], now));
  }

  /// Sends a broadcast and waits until every reader still connected has it; false (with the
  /// reason noted) when the facilitator's request fails or the deadline passes.
  bool broadcast_and_wait(std::size_t text_size) {
    send_broadcast(text_size);
    const auto seq = broadcast_sent_.size() - 1;
    const bool done = run_until([&] { return broadcast_delivered_[seq] >= open_readers_ || facilitator_lost_ || facilitator_answer_ == kind_error; },
                                o_.step_deadline);
    if (facilitator_lost_ || facilitator_answer_ == kind_error) {
      problem("broadcast " + std::to_string(seq + 1) + " failed: " + facilitator_error_);
      return false;
    }
    if (!done) {
      problem("broadcast " + std::to_string(seq + 1) + " reached " + std::to_string(broadcast_delivered_[seq]) + " of " +
              std::to_string(open_readers_) + " within the deadline");
      return false;
    }
    return true;
  }

  /// The facilitator's dashboard, connected again if the server dropped it (as the page would).
  bool ensure_facilitator() {
    if (!facilitator_lost_ && facilitator_->is_open()) return true;
    return attach_facilitator();
  }

  // --- scenarios

  void hold() {
    const unsigned n = o_.participants;
    settle();
    const auto rss_before = rss_kib(o_.server_pid);
    const auto start = steady::now();
    connect_all(n);
    if (joined_ > 0) add("joins_per_s", joined_ / (ms_between(start, last_join_) / 1000.0));
    add("joined", joined_);
    settle();
    const auto rss_after = rss_kib(o_.server_pid);
    if (rss_before && rss_after && joined_ > 0) add("rss_kib_per_participant", (*rss_after - *rss_before) / joined_);
    add("facilitator_connected", facilitator_answers() ? 1 : 0);
    add("facilitator_drops", facilitator_drops_);
    if (o_.broadcasts == 0) return;

    if (!ensure_facilitator()) return;
    const auto cpu_before = cpu_ms(o_.server_pid);
    std::vector<double> last_ms;
    unsigned delivered = 0;
    unsigned expected = 0;
    for (unsigned b = 0; b < o_.broadcasts; ++b) {
      expected += open_readers_;
      const bool ok = broadcast_and_wait(64);
      const auto seq = broadcast_sent_.size() - 1;
      delivered += broadcast_delivered_[seq];
      if (broadcast_delivered_[seq] > 0) last_ms.push_back(ms_between(broadcast_sent_[seq], broadcast_last_[seq]));
      if (!ok) break;
    }
    const auto cpu_after = cpu_ms(o_.server_pid);
    add("broadcast_p50_ms", percentile(delivery_ms_, 50));
    add("broadcast_p99_ms", percentile(delivery_ms_, 99));
    add("broadcast_last_ms", median(last_ms));
    add("broadcast_delivered_fraction", expected ? static_cast<double>(delivered) / expected : 0);
    if (cpu_before && cpu_after && delivered > 0) add("cpu_ms_per_1k_deliveries", (*cpu_after - *cpu_before) / (delivered / 1000.0));
  }

  /// A complete form: every question asked (conditions followed), the options varied from one
  /// participant to the next, so that the tallies have something to count.
  v1::SubmitFeedback feedback_for(const participant& p) const {
    v1::SubmitFeedback submit;
    submit.set_submission_id(p.token + "_form");
    auto& response = *submit.mutable_response();
    std::unordered_map<std::string, std::string> chosen;
    for (const auto& q : questionnaire_.questions()) {
      if (q.has_condition()) {
        const auto found = chosen.find(q.condition().question_id());
        if (found == chosen.end()) continue;
        const auto& ids = q.condition().option_ids();
        if (std::find(ids.begin(), ids.end(), found->second) == ids.end()) continue;
      }
      auto& a = *response.add_answers();
      a.set_question_id(q.id());
      if (q.has_choice() && q.choice().options_size() > 0) {
        const auto& option = q.choice().options(static_cast<int>(p.index % static_cast<std::size_t>(q.choice().options_size())));
        a.set_option_id(option.id());
        chosen[q.id()] = option.id();
      } else if (q.has_scale()) {
        const auto span = static_cast<std::size_t>(q.scale().max() - q.scale().min() + 1);
        a.set_scale(q.scale().min() + static_cast<int>(p.index % std::max<std::size_t>(1, span)));
      } else {
        a.set_text("The practice in pairs was the most useful part.");
      }
    }
    if (response.answers_size() == 0) {
      auto& a = *response.add_answers();
      a.set_question_id("overall");
      a.set_option_id("good");
    }
    return submit;
  }

  void feedback() {
    const unsigned n = o_.participants;
    connect_all(n);
    add("joined", joined_);
    settle();
    if (!ensure_facilitator()) return;
    v1::ClientMessage open;
    open.mutable_open_feedback();
    send_facilitator(open);
    if (!wait_facilitator_answer(std::chrono::seconds(30)) || facilitator_answer_ != kind_ack) {
      problem("feedback did not open: " + facilitator_error_);
      return;
    }
    if (!run_until([&] { return feedback_open_seen_ >= open_readers_; }, o_.step_deadline))
      problem("only " + std::to_string(feedback_open_seen_) + " of " + std::to_string(open_readers_) + " saw feedback open");
    settle();

    std::atomic<bool> burst_over{false};
    std::atomic<unsigned> exports{0};
    std::atomic<unsigned> exports_failed{0};
    std::thread exporter;
    if (o_.export_during_burst) {
      exporter = std::thread([&] {
        client::server_address address;
        address.host = o_.host;
        address.port = o_.port;
        client::http_api api(address);
        // One a second, as an organiser refreshing the series report would, until the burst
        // has been answered.
        while (!burst_over) {
          const auto began = steady::now();
          client::client_error error;
          if (api.export_statistics(code_, "csv", facilitator_token_, &error, true)) ++exports;
          else ++exports_failed;
          while (!burst_over && steady::now() - began < std::chrono::seconds(1))
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      });
    }
    const auto start = steady::now();
    unsigned sent = 0;
    for (auto& p : people_) {
      if (!p.joined || !p.conn || !p.conn->is_open()) continue;
      p.sent = steady::now();
      v1::ClientMessage submit;
      *submit.mutable_submit_feedback() = feedback_for(p);
      request(p, submit);
      ++sent;
    }
    if (!run_until([&] { return acked_ + refused_ >= sent; }, o_.step_deadline))
      problem(std::to_string(sent - acked_ - refused_) + " of " + std::to_string(sent) + " responses unacknowledged");
    burst_over = true;
    if (exporter.joinable()) exporter.join();
    if (refused_ > 0) problem(std::to_string(refused_) + " responses refused, the first: " + first_failure_);
    add("acked", acked_);
    add("ack_p50_ms", percentile(ack_ms_, 50));
    add("ack_p99_ms", percentile(ack_ms_, 99));
    if (acked_ > 0) add("acks_per_s", acked_ / (ms_between(start, last_ack_) / 1000.0));
    add("retries", retries_);
    if (o_.export_during_burst) {
      add("exports", exports);
      if (exports_failed > 0) problem(std::to_string(exports_failed.load()) + " exports failed");
    }
  }

  void churn() {
    const unsigned n = o_.participants;
    connect_all(n);
    add("joined", joined_);
    settle();
    // A spare participant to come back: the first one's token, on a new connection.
    std::vector<participant> late(2);
    late[0].token = "bench_" + salt_ + "_newcomer";
    late[1].token = people_.empty() ? late[0].token : people_[0].token;
    // Not counted among the joins (and their window) above.
    for (auto& p : late) p.joined = true;
    const auto start = steady::now();
    for (auto& p : people_)
      if (p.conn) p.conn->cut();
    for (std::size_t k = 0; k < late.size(); ++k) {
      auto& p = late[k];
      p.conn = make_link();
      p.conn->on_frame = [this, &p](std::string_view bytes) { on_participant_frame(p, bytes); };
      p.conn->start(source(k), to_, 0, [this, &p, k](bool ok) {
        if (!ok) return problem("after the mass disconnect: " + p.conn->failure());
        v1::ClientMessage m;
        if (k == 0) {
          m.mutable_join()->set_display_name("Newcomer");
          m.mutable_join()->set_resume_token(p.token);
        } else {
          m.mutable_resume()->set_resume_token(p.token);
        }
        request(p, m);
      });
    }
    const bool served = run_until([&] { return late[0].answered != steady::time_point{} && late[1].answered != steady::time_point{}; },
                                  o_.step_deadline);
    if (!served) problem("the newcomer or the returning participant was not served after the mass disconnect");
    if (late[0].answered != steady::time_point{}) add("join_after_disconnect_ms", ms_between(start, late[0].answered));
    if (late[1].answered != steady::time_point{}) add("resume_after_disconnect_ms", ms_between(start, late[1].answered));
    add("facilitator_connected", facilitator_answers() ? 1 : 0);
    for (auto& p : late)
      if (p.conn) p.conn->cut();
  }

  void slow() {
    const unsigned n = o_.participants;
    connect_all(n);
    add("joined", joined_);
    settle();
    if (!ensure_facilitator()) return;
    const auto rss_before = rss_kib(o_.server_pid);
    double rss_peak = rss_before.value_or(0);
    const auto interval = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(1.0 / o_.broadcast_rate));
    const auto count = static_cast<unsigned>(std::max(1.0, o_.broadcast_rate * static_cast<double>(o_.slow_duration.count()) / 1000.0));
    auto next = steady::now();
    for (unsigned b = 0; b < count; ++b) {
      run_until([&] { return steady::now() >= next; }, std::chrono::seconds(60));
      // A broadcast of a realistic full length, so that what a slow reader leaves unread adds up.
      if (facilitator_lost_ || facilitator_answer_ == kind_error) break;
      send_broadcast(1000);
      next += interval;
      if (const auto rss = rss_kib(o_.server_pid)) rss_peak = std::max(rss_peak, *rss);
    }
    const auto last = broadcast_sent_.size() - 1;
    if (facilitator_lost_ || facilitator_answer_ == kind_error)
      problem("the broadcasts stopped: " + facilitator_error_);
    else if (!run_until([&] { return broadcast_delivered_[last] >= open_readers_ || facilitator_lost_; }, o_.step_deadline))
      problem("the last broadcast reached " + std::to_string(broadcast_delivered_[last]) + " of " + std::to_string(open_readers_));
    if (const auto rss = rss_kib(o_.server_pid)) rss_peak = std::max(rss_peak, *rss);
    add("broadcast_p50_ms", percentile(delivery_ms_, 50));
    add("broadcast_p99_ms", percentile(delivery_ms_, 99));
    if (rss_before) add("rss_growth_mib", (rss_peak - *rss_before) / 1024.0);
    add("closed_by_server", closed_by_server_);
    add("facilitator_connected", facilitator_answers() ? 1 : 0);
  }

  const load_options o_;
  asio::io_context ioc_{1};
  std::vector<asio::ip::address> sources_;
  tcp::endpoint to_;
  std::string code_;
  std::string facilitator_token_;
  std::string salt_;
  load_result result_;
  steady::time_point last_frame_{};

  std::shared_ptr<link> facilitator_;
  std::uint64_t facilitator_next_ = 1;
  std::uint64_t facilitator_pending_ = 0;
  std::uint32_t facilitator_answer_ = 0;
  std::string facilitator_error_;
  bool facilitator_lost_ = false;
  unsigned facilitator_drops_ = 0;
  v1::Questionnaire questionnaire_;

  std::vector<participant> people_;
  std::size_t next_ = 0;
  unsigned in_flight_ = 0;
  unsigned joined_ = 0;
  /// Joined, reading, and still connected: who a broadcast should reach.
  unsigned open_readers_ = 0;
  unsigned join_failed_ = 0;
  unsigned closed_by_server_ = 0;
  std::string first_failure_;
  steady::time_point last_join_{};

  std::vector<steady::time_point> broadcast_sent_;
  std::vector<unsigned> broadcast_delivered_;
  std::vector<steady::time_point> broadcast_last_;
  std::vector<double> delivery_ms_;

  unsigned feedback_open_seen_ = 0;
  unsigned acked_ = 0;
  unsigned refused_ = 0;
  unsigned retries_ = 0;
  std::vector<double> ack_ms_;
  steady::time_point last_ack_{};
  steady::time_point resumed_{};
};

}  // namespace

load_result run_load(const load_options& options) { return runner(options).run(); }

}  // namespace dyad::bench
