// The runtime and the WebSocket connection. Socket work happens on the connection's strand;
// the bookkeeping every thread may touch (request ids, unanswered requests, the event queue,
// open/closed) is under the connection's mutex, so a caller can fail or refuse a request at once
// without a round trip through the strand.
#include "dyad_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "error_json.hpp"

namespace dyad::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto connect_timeout = std::chrono::seconds(10);
constexpr auto handshake_timeout = std::chrono::seconds(10);
constexpr auto runtime_drain_limit = std::chrono::seconds(2);
// Snapshots carry the whole plan; generous, but bounded.
constexpr std::uint64_t max_message_bytes = 16U * 1024U * 1024U;
constexpr std::size_t max_queued_events = 4096;
constexpr int clock_probes = 5;

std::int64_t system_us_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

client_error error_with(std::string message) {
  client_error error;
  error.message = std::move(message);
  return error;
}

template <class T>
void fail_promise(std::promise<T>& promise, const client_error& error) {
  promise.set_exception(std::make_exception_ptr(client_exception(error)));
}

}  // namespace

client_exception::client_exception(client_error error) : std::runtime_error(error.message), error_(std::move(error)) {}

// ---------------------------------------------------------------------------------------------
// Server addresses

std::optional<server_address> parse_server_url(std::string_view url, std::string* error) {
  const auto fail = [&](const std::string& what) -> std::optional<server_address> {
    if (error) *error = "'" + std::string(url) + "' " + what + "; write the server as http://HOST:PORT";
    return std::nullopt;
  };
  std::string_view rest = url;
  if (rest.starts_with("https://")) return fail("uses https, which this client does not speak (yet)");
  if (rest.starts_with("http://")) rest.remove_prefix(7);
  if (rest.find("://") != std::string_view::npos) return fail("has a scheme other than http");
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") return fail("has a path; give only the server");
    rest = rest.substr(0, slash);
  }
  server_address address;
  std::string_view port_text;
  if (rest.starts_with('[')) {  // [::1]:8080
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return fail("has an unclosed '['");
    address.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("has something after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = rest.rfind(':');
    address.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (address.host.empty()) return fail("names no host");
  if (port_text.empty()) {
    address.port = 80;
  } else {
    unsigned port = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
    if (ec != std::errc() || ptr != end || port == 0 || port > std::numeric_limits<std::uint16_t>::max()) {
      return fail("has no valid port (1 to 65535)");
    }
    address.port = static_cast<std::uint16_t>(port);
  }
  return address;
}

// ---------------------------------------------------------------------------------------------
// The runtime

struct client_runtime::impl {
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard{asio::make_work_guard(io)};
  std::vector<std::thread> threads;

  std::mutex mutex;
  std::condition_variable threads_done;
  unsigned running = 0;                                    // under mutex
  bool stopped = false;                                    // under mutex
  std::vector<std::weak_ptr<connection::impl>> connections;  // under mutex

  void run_thread() {
    for (;;) {
      try {
        io.run();
        break;
      } catch (...) {
        // A handler threw (the library's own do not; a user's event handler is guarded too).
        // Keep the thread serving the other connections.
      }
    }
    const std::lock_guard lock(mutex);
    --running;
    threads_done.notify_all();
  }
};

// ---------------------------------------------------------------------------------------------
// The connection

struct connection::impl : std::enable_shared_from_this<connection::impl> {
  // An unanswered request: called once, with the answer or with the error.
  using completion = std::function<void(const dyad::v1::ServerMessage*, const client_error*)>;

  impl(std::shared_ptr<client_runtime::impl> runtime, server_address address, std::string code,
       connection_options options)
      : runtime_(std::move(runtime)),
        strand_(asio::make_strand(runtime_->io)),
        resolver_(strand_),
        ws_(strand_),
        address_(std::move(address)),
        target_("/ws?w=" + detail::url_encode(code)),
        options_(options) {
    if (address_.origin.empty()) address_.origin = "http://" + address_.host + ":" + std::to_string(address_.port);
  }

  // --- Called from any thread -------------------------------------------------------------

  void start(std::promise<std::shared_ptr<connection>> promise) {
    {
      const std::lock_guard lock(mutex_);
      open_promise_ = std::move(promise);
    }
    asio::post(strand_, [self = shared_from_this()] { self->do_resolve(); });
  }

  void send_request(dyad::v1::ClientMessage message, completion done) {
    {
      std::unique_lock lock(mutex_);
      if (!open_) {
        const auto error = error_with(closed_message_locked());
        lock.unlock();
        done(nullptr, &error);
        return;
      }
      const auto id = next_request_id_++;
      message.set_request_id(id);
      pending_.emplace(id, std::move(done));
    }
    enqueue(message.SerializeAsString());
  }

  void enqueue(std::string bytes) {
    auto frame = std::make_shared<const std::string>(std::move(bytes));
    asio::post(strand_, [self = shared_from_this(), frame = std::move(frame)]() mutable {
      if (self->socket_done_ || self->close_requested_) return;
      self->write_queue_.push_back(std::move(frame));
      if (!self->writing_) self->do_write();
    });
  }

  void set_handler(event_handler handler) {
    auto shared = handler ? std::make_shared<const event_handler>(std::move(handler)) : nullptr;
    const std::lock_guard lock(mutex_);
    handler_ = std::move(shared);
  }

  std::optional<dyad::v1::ServerMessage> wait_for_event(
      const std::function<bool(const dyad::v1::ServerMessage&)>& predicate, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    for (;;) {
      while (!events_.empty()) {
        auto event = std::move(events_.front());
        events_.pop_front();
        if (predicate(event)) return event;
      }
      if (finished_) return std::nullopt;  // nothing more will arrive
      if (events_cv_.wait_until(lock, deadline) == std::cv_status::timeout && events_.empty()) return std::nullopt;
    }
  }

  void close() {
    {
      const std::lock_guard lock(mutex_);
      if (!open_) return;
      open_ = false;
      close_reason_ = "the client closed the connection";
    }
    asio::post(strand_, [self = shared_from_this()] {
      self->close_requested_ = true;
      if (!self->writing_ && !self->socket_done_) self->do_close();
    });
  }

  void drop(const std::string& reason) {
    finish(reason);
    asio::post(strand_, [self = shared_from_this()] { self->cut_socket(); });
  }

  bool is_open() const {
    const std::lock_guard lock(mutex_);
    return open_;
  }

  std::string close_reason() const {
    const std::lock_guard lock(mutex_);
    return open_ ? std::string() : closed_message_locked();
  }

  // Marks the connection finished and fails whatever waits on it: the unanswered requests, an
  // unfinished open(), and wait_for_event. The first reason given is the one kept.
  void finish(const std::string& reason) {
    std::unordered_map<std::uint64_t, completion> pending;
    std::optional<std::promise<std::shared_ptr<connection>>> open_promise;
    client_error error;
    {
      const std::lock_guard lock(mutex_);
      if (finished_) return;
      finished_ = true;
      open_ = false;
      if (close_reason_.empty()) close_reason_ = reason;
      pending.swap(pending_);
      open_promise.swap(open_promise_);
      error = handshake_error_ ? *handshake_error_ : error_with(close_reason_);
    }
    events_cv_.notify_all();
    if (open_promise) fail_promise(*open_promise, error);
    for (auto& [id, done] : pending) done(nullptr, &error);
  }

  // Pings one after another (clock_probes of them); the shortest round trip bounds the error best.
  struct clock_probe {
    std::promise<std::chrono::milliseconds> promise;
    int remaining = clock_probes;
    std::int64_t best_round_trip_us = std::numeric_limits<std::int64_t>::max();
    double best_offset_ms = 0;
  };

  void probe_clock(std::shared_ptr<clock_probe> probe) {
    const auto sent_us = system_us_now();
    const auto sent_steady = std::chrono::steady_clock::now();
    dyad::v1::ClientMessage ping;
    ping.mutable_ping()->set_client_ms(sent_us / 1000);
    // The completion holds the impl only until it runs or the connection finishes.
    send_request(std::move(ping), [self = shared_from_this(), probe, sent_us, sent_steady](
                                      const dyad::v1::ServerMessage* answer, const client_error* error) {
      if (error) return fail_promise(probe->promise, *error);
      if (!answer->has_pong()) {
        auto unexpected = error_with(answer->has_error() ? "the server refused the Ping: " + answer->error().message()
                                                         : "the server answered a Ping without a Pong");
        if (answer->has_error()) unexpected.server_code = answer->error().code();
        return fail_promise(probe->promise, unexpected);
      }
      const auto round_trip_us =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - sent_steady).count();
      // The server stamped its answer somewhere in the round trip; the midpoint halves the error.
      const double midpoint_ms = static_cast<double>(sent_us + round_trip_us / 2) / 1000.0;
      if (round_trip_us < probe->best_round_trip_us) {
        probe->best_round_trip_us = round_trip_us;
        probe->best_offset_ms = static_cast<double>(answer->server_ms()) - midpoint_ms;
      }
      if (--probe->remaining > 0) return self->probe_clock(probe);
      probe->promise.set_value(std::chrono::milliseconds(std::llround(probe->best_offset_ms)));
    });
  }

  // --- On the strand ------------------------------------------------------------------------

  void do_resolve() {
    if (finished()) return;
    resolver_.async_resolve(address_.host, std::to_string(address_.port),
                            [self = shared_from_this()](beast::error_code ec, const tcp::resolver::results_type& results) {
                              self->on_resolve(ec, results);
                            });
  }

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail_connecting("cannot resolve '" + address_.host + "' (" + ec.message() + "); check the server's name");
    auto& socket = beast::get_lowest_layer(ws_);
    socket.expires_after(connect_timeout);
    socket.async_connect(results, [self = shared_from_this()](beast::error_code connect_ec, const tcp::endpoint&) {
      self->on_connect(connect_ec);
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec) {
      return fail_connecting("cannot connect to " + address_.host + ":" + std::to_string(address_.port) + " (" +
                             ec.message() + "); check that the server runs and the address is right");
    }
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket stream keeps its own timeouts now
    // Small frames answered at once: Nagle's algorithm would hold them back behind delayed ACKs.
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = handshake_timeout;
    // Beast pings after half of the idle timeout without a frame and gives up after the whole.
    timeouts.idle_timeout = options_.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([origin = address_.origin, cookie = address_.cookie](websocket::request_type& request) {
      request.set(beast::http::field::origin, origin);
      if (!cookie.empty()) request.set(beast::http::field::cookie, cookie);
      request.set(beast::http::field::user_agent, "dyad-client/0.1");
    }));
    ws_.read_message_max(max_message_bytes);
    ws_.binary(true);
    ws_.async_handshake(upgrade_response_, address_.host + ":" + std::to_string(address_.port), target_,
                        [self = shared_from_this()](beast::error_code handshake_ec) { self->on_handshake(handshake_ec); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec == websocket::error::upgrade_declined) {
      auto error = detail::error_from_http(static_cast<int>(upgrade_response_.result_int()), upgrade_response_.body());
      error.message = "the server refused the WebSocket connection (HTTP " +
                      std::to_string(upgrade_response_.result_int()) + "): " + error.message;
      {
        const std::lock_guard lock(mutex_);
        handshake_error_ = error;
      }
      finish(error.message);
      cut_socket();
      return;
    }
    if (ec) return fail_connecting("the WebSocket handshake with the server failed (" + ec.message() + ")");
    std::optional<std::promise<std::shared_ptr<connection>>> promise;
    {
      const std::lock_guard lock(mutex_);
      if (finished_) return;  // dropped (or the runtime stopped) while connecting
      open_ = true;
      promise.swap(open_promise_);
    }
    do_read();
    if (promise) promise->set_value(std::shared_ptr<connection>(new connection(shared_from_this())));
  }

  void fail_connecting(const std::string& message) {
    finish(message);
    cut_socket();
  }

  void do_read() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::closed) {
        const auto& reason = ws_.reason().reason;
        finish(reason.empty() ? std::string("the server closed the connection")
                              : "the server closed the connection: " + std::string(reason.c_str()));
      } else {
        finish("the connection to the server was lost (" + ec.message() + ")");
      }
      cut_socket();
      return;
    }
    dyad::v1::ServerMessage message;
    const auto data = read_buffer_.cdata();
    const bool parsed = message.ParseFromArray(data.data(), static_cast<int>(data.size()));
    read_buffer_.consume(read_buffer_.size());
    // A frame that is not a ServerMessage cannot be matched to anything; skipping it keeps the
    // connection usable, and the request it was meant to answer fails at close.
    if (parsed) deliver(std::move(message));
    do_read();
  }

  void deliver(dyad::v1::ServerMessage message) {
    completion done;
    std::shared_ptr<const event_handler> handler;
    {
      const std::lock_guard lock(mutex_);
      if (message.request_id() != 0) {
        if (const auto it = pending_.find(message.request_id()); it != pending_.end()) {
          done = std::move(it->second);
          pending_.erase(it);
        }
      }
      if (!done) {
        if (events_.size() >= max_queued_events) events_.pop_front();
        events_.push_back(message);
        handler = handler_;
      }
    }
    if (done) {
      done(&message, nullptr);
      return;
    }
    events_cv_.notify_all();
    if (handler) {
      try {
        (*handler)(message);
      } catch (...) {
        // A throwing handler must not take down the runtime's thread or the read loop.
      }
    }
  }

  void do_write() {
    writing_ = true;
    ws_.async_write(asio::buffer(*write_queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      finish("sending to the server failed (" + ec.message() + ")");
      cut_socket();
      return;
    }
    write_queue_.pop_front();
    if (socket_done_) {  // cut while this write was in flight: drop the rest
      write_queue_.clear();
      return;
    }
    if (!write_queue_.empty()) {
      do_write();
    } else if (close_requested_ && !socket_done_) {
      do_close();
    }
  }

  void do_close() {
    socket_done_ = true;  // no more writes; the read loop sees the server's close frame
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
      // On success the read loop ends with error::closed and finishes the connection.
      if (ec) {
        self->finish("the client closed the connection");
        self->cut_socket();
      }
    });
  }

  void cut_socket() {
    socket_done_ = true;
    if (!writing_) write_queue_.clear();  // an in-flight write still reads its buffer
    resolver_.cancel();
    // Beast leaves its keep-alive timer armed after a failed read; turning the timeouts off is
    // what cancels it, so the runtime's threads are not held for up to idle_timeout.
    websocket::stream_base::timeout off{};
    off.handshake_timeout = websocket::stream_base::none();
    off.idle_timeout = websocket::stream_base::none();
    off.keep_alive_pings = false;
    ws_.set_option(off);
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    if (socket.is_open()) {
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }
  }

  bool finished() const {
    const std::lock_guard lock(mutex_);
    return finished_;
  }

  std::string closed_message_locked() const {
    return close_reason_.empty() ? std::string("the connection is not open") : close_reason_;
  }

  const std::shared_ptr<client_runtime::impl> runtime_;  // keeps the io_context alive
  asio::strand<asio::io_context::executor_type> strand_;

  // On the strand only.
  tcp::resolver resolver_;
  websocket::stream<beast::tcp_stream> ws_;
  server_address address_;
  std::string target_;
  connection_options options_;
  websocket::response_type upgrade_response_;
  beast::flat_buffer read_buffer_;
  std::deque<std::shared_ptr<const std::string>> write_queue_;
  bool writing_ = false;
  bool close_requested_ = false;
  bool socket_done_ = false;

  // Under mutex_.
  mutable std::mutex mutex_;
  std::condition_variable events_cv_;
  bool open_ = false;
  bool finished_ = false;
  std::string close_reason_;
  std::optional<client_error> handshake_error_;
  std::optional<std::promise<std::shared_ptr<connection>>> open_promise_;
  std::uint64_t next_request_id_ = 1;
  std::unordered_map<std::uint64_t, completion> pending_;
  std::deque<dyad::v1::ServerMessage> events_;
  std::shared_ptr<const event_handler> handler_;
};

// ---------------------------------------------------------------------------------------------
// client_runtime

client_runtime::client_runtime(unsigned threads) : impl_(std::make_shared<impl>()) {
  const unsigned count = std::max(1U, threads);
  impl_->running = count;
  impl_->threads.reserve(count);
  for (unsigned i = 0; i < count; ++i) impl_->threads.emplace_back([runtime = impl_.get()] { runtime->run_thread(); });
}

client_runtime::~client_runtime() {
  std::vector<std::weak_ptr<connection::impl>> connections;
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopped = true;
    connections.swap(impl_->connections);
  }
  for (const auto& weak : connections) {
    if (const auto c = weak.lock()) c->drop("the client runtime stopped");
  }
  impl_->guard.reset();
  {
    // Let the drops and the handlers they complete run, but never hang on a stuck operation.
    std::unique_lock lock(impl_->mutex);
    impl_->threads_done.wait_for(lock, runtime_drain_limit, [&] { return impl_->running == 0; });
  }
  impl_->io.stop();
  for (auto& thread : impl_->threads) thread.join();
}

// ---------------------------------------------------------------------------------------------
// connection

connection::connection(std::shared_ptr<impl> state) : impl_(std::move(state)) {}

connection::~connection() {
  impl_->set_handler(nullptr);  // the owner is gone: nobody left to call
  impl_->close();
}

std::future<std::shared_ptr<connection>> connection::open(client_runtime& runtime, server_address address,
                                                          std::string workshop_code, connection_options options) {
  std::promise<std::shared_ptr<connection>> promise;
  auto future = promise.get_future();
  const auto& rt = runtime.impl_;
  auto c = std::make_shared<impl>(rt, std::move(address), std::move(workshop_code), options);
  {
    const std::lock_guard lock(rt->mutex);
    if (rt->stopped) {
      fail_promise(promise, error_with("the client runtime stopped"));
      return future;
    }
    std::erase_if(rt->connections, [](const auto& weak) { return weak.expired(); });
    rt->connections.push_back(c);
  }
  c->start(std::move(promise));
  return future;
}

std::future<dyad::v1::ServerMessage> connection::request(dyad::v1::ClientMessage message) {
  auto promise = std::make_shared<std::promise<dyad::v1::ServerMessage>>();
  auto future = promise->get_future();
  impl_->send_request(std::move(message), [promise](const dyad::v1::ServerMessage* answer, const client_error* error) {
    if (answer) {
      promise->set_value(*answer);
    } else {
      fail_promise(*promise, *error);
    }
  });
  return future;
}

std::future<dyad::v1::ServerMessage> connection::join(std::string display_name, std::string email) {
  dyad::v1::ClientMessage message;
  message.mutable_join()->set_display_name(std::move(display_name));
  message.mutable_join()->set_email(std::move(email));
  return request(std::move(message));
}

std::future<dyad::v1::ServerMessage> connection::resume(std::string resume_token) {
  dyad::v1::ClientMessage message;
  message.mutable_resume()->set_resume_token(std::move(resume_token));
  return request(std::move(message));
}

std::future<dyad::v1::ServerMessage> connection::attach_facilitator(std::string facilitator_token) {
  dyad::v1::ClientMessage message;
  message.mutable_attach()->set_facilitator_token(std::move(facilitator_token));
  return request(std::move(message));
}

std::future<dyad::v1::ServerMessage> connection::submit_feedback(std::string submission_id,
                                                                 dyad::v1::FeedbackResponse response) {
  dyad::v1::ClientMessage message;
  message.mutable_submit_feedback()->set_submission_id(std::move(submission_id));
  *message.mutable_submit_feedback()->mutable_response() = std::move(response);
  return request(std::move(message));
}

void connection::send_raw(std::string bytes) {
  if (impl_->is_open()) impl_->enqueue(std::move(bytes));
}

void connection::on_event(event_handler handler) { impl_->set_handler(std::move(handler)); }

std::optional<dyad::v1::ServerMessage> connection::wait_for_event(
    const std::function<bool(const dyad::v1::ServerMessage&)>& predicate, std::chrono::milliseconds timeout) {
  return impl_->wait_for_event(predicate, timeout);
}

std::future<std::chrono::milliseconds> connection::measure_clock_offset() {
  auto probe = std::make_shared<impl::clock_probe>();
  auto future = probe->promise.get_future();
  impl_->probe_clock(std::move(probe));
  return future;
}

void connection::close() { impl_->close(); }

void connection::drop() { impl_->drop("the client dropped the connection"); }

bool connection::is_open() const { return impl_->is_open(); }

std::string connection::close_reason() const { return impl_->close_reason(); }

}  // namespace dyad::client
