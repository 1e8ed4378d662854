#pragma once

// The C++ client library of Dyad: one WebSocket connection to a workshop, speaking the protocol
// of proto/dyad/v1/wire.proto, plus the HTTP API (creating workshops, exporting statistics).
//
// Asio and Beast stay behind this header: include it without paying for them.
//
// Threading: a `client_runtime` owns an io_context and the threads that run it; every
// connection made from it does its I/O there. The public member functions of `connection` are
// thread-safe (socket work is posted onto the connection's strand; the bookkeeping of requests
// and events is under a lock). Event handlers run on the runtime's threads, one at a time per
// connection: keep them short, and never wait on a future of the same runtime inside one (with a
// single runtime thread that would wait forever).

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "dyad/v1/api.pb.h"
#include "dyad/v1/wire.pb.h"

namespace dyad::client {

/// Where the server is.
struct server_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  /// Sent as the Origin header on the WebSocket upgrade (the server checks it against its
  /// allowlist). Empty: "http://HOST:PORT".
  std::string origin;
  /// Sent as the Cookie header on the WebSocket upgrade when not empty, e.g.
  /// "dyad_session=…": a signed-in person's dashboard opens without the facilitator token.
  std::string cookie;
};

/// How a connection watches a server that has nothing to say.
struct connection_options {
  /// When nothing has come from the server for half of this, the client pings it; when nothing
  /// has come for all of it, the connection counts as lost: a server gone without a FIN (power
  /// cut, network gone) is noticed, and a quiet one answering the pings keeps the connection.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
};

/// Reads "http://HOST:PORT" (a trailing "/" allowed; the port defaults to 80) into an address.
/// On failure returns nothing and, when `error` is given, a sentence saying what to write.
std::optional<server_address> parse_server_url(std::string_view url, std::string* error = nullptr);

/// An error from the client library: a failed connection, a closed socket, a timeout, or the
/// server's own Error (then `server_code` is set).
struct client_error {
  std::string message;
  dyad::v1::ErrorCode server_code = dyad::v1::ERROR_CODE_UNSPECIFIED;
  /// The HTTP status of a refused HTTP request or WebSocket upgrade; 0 when there was none.
  int http_status = 0;
};

/// What the futures of this library throw when the transport fails (connection refused or
/// closed, handshake declined, runtime stopped). `what()` is the error's message.
class client_exception : public std::runtime_error {
public:
  explicit client_exception(client_error error);
  /// The error, with the server's code or HTTP status when there was one.
  const client_error& error() const noexcept { return error_; }

private:
  client_error error_;
};

/// The io_context and its threads. Destroying it stops every connection made from it: their
/// outstanding futures fail, later calls fail at once. Do not destroy it from one of its own
/// threads (an event handler).
class client_runtime {
public:
  /// Starts `threads` threads (at least one) running the I/O of every connection made from it.
  explicit client_runtime(unsigned threads = 1);
  /// Drops every open connection, lets their handlers finish (bounded by two seconds), then
  /// stops and joins the threads.
  ~client_runtime();
  client_runtime(const client_runtime&) = delete;
  client_runtime& operator=(const client_runtime&) = delete;

  /// Private to the library (defined in dyad_client.cpp).
  struct impl;

private:
  friend class connection;
  std::shared_ptr<impl> impl_;
};

/// One WebSocket connection to /ws?w=CODE. Held by shared_ptr; destroying the last one closes
/// the connection politely and stops calling the event handler.
class connection {
public:
  using event_handler = std::function<void(const dyad::v1::ServerMessage&)>;

  /// Connects and completes the WebSocket handshake (10 s to connect, 10 s to upgrade). The
  /// future holds the connection or throws client_exception (e.g. the server refused the
  /// Origin: `http_status` 403 and the server's message). `options` says how long a quiet server
  /// is given before the client pings it and, unanswered, gives the connection up.
  static std::future<std::shared_ptr<connection>> open(client_runtime& runtime, server_address address,
                                                       std::string workshop_code, connection_options options = {});

  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Sends a request and completes with the server's answer: an Ack, an Error, or the answer
  /// named for the request. Its request_id is assigned here, from 1 upward, whatever it held.
  /// The future throws client_exception if the connection closes (or already has) before the
  /// answer arrives; a server's Error is an answer, not an exception. Thread-safe.
  std::future<dyad::v1::ServerMessage> request(dyad::v1::ClientMessage message);

  // Convenience wrappers around `request`.
  std::future<dyad::v1::ServerMessage> join(std::string display_name, std::string email = {});
  std::future<dyad::v1::ServerMessage> resume(std::string resume_token);
  std::future<dyad::v1::ServerMessage> attach_facilitator(std::string facilitator_token);
  std::future<dyad::v1::ServerMessage> submit_feedback(std::string submission_id,
                                                       dyad::v1::FeedbackResponse response);

  /// Sends raw bytes as one binary frame, in order with requests: for tests of malformed input.
  /// Any answer the server sends with a request_id this connection did not assign is treated
  /// as an event (queued for wait_for_event and given to the handler). Thread-safe.
  void send_raw(std::string bytes);

  /// Called for every event the server sends on its own (request_id 0), in order, on a runtime
  /// thread. Replaces the previous handler; events that arrived before are only in the queue of
  /// wait_for_event. Thread-safe.
  void on_event(event_handler handler);

  /// Waits until an event matching `predicate` has arrived (including ones that arrived before
  /// the call and were not yet consumed), or the timeout passes, or the connection closes.
  /// Consumes the queued events up to and including the match. The queue keeps the latest
  /// 4096 events. `predicate` runs under the connection's lock: keep it a plain test.
  /// Thread-safe.
  std::optional<dyad::v1::ServerMessage> wait_for_event(
      const std::function<bool(const dyad::v1::ServerMessage&)>& predicate, std::chrono::milliseconds timeout);

  /// The measured offset of the server's clock from ours (server − local), from Ping/Pong:
  /// of five round trips, the one with the shortest round trip, taking the server's stamp as
  /// read at its midpoint. Throws client_exception if the connection closes first.
  std::future<std::chrono::milliseconds> measure_clock_offset();

  /// Closes politely: what is queued is sent, then a close frame. Requests still unanswered
  /// when the socket closes fail. Thread-safe; idempotent.
  void close();
  /// Cuts the TCP connection without a close frame, as a dropped Wi-Fi does. Unanswered
  /// requests fail before this returns. Thread-safe; idempotent.
  void drop();
  /// Whether the connection is open: false once close() or drop() is called or the server or
  /// the network ended it. Thread-safe.
  bool is_open() const;
  /// Why the connection is not open: the server's close reason, the network error, or what the
  /// client did; empty while open. Thread-safe.
  std::string close_reason() const;

  /// Private to the library (defined in dyad_client.cpp).
  struct impl;

private:
  explicit connection(std::shared_ptr<impl> state);
  std::shared_ptr<impl> impl_;
};

/// The HTTP API, synchronous (these are rare, one-off calls): each call opens its own
/// connection, with 10 s for the whole exchange. Independent of any client_runtime. Distinct
/// instances may be used from different threads at once; one instance is safe to share too (it
/// holds only the address).
class http_api {
public:
  explicit http_api(server_address address);

  /// POST /api/workshops with the plan's text (text format, or JSON when `plan_is_json`); the
  /// admin token authorises it. On failure returns nothing and fills `error`: the server's
  /// dyad.v1.Error (for a rejected plan, one problem per line of its message) with the HTTP
  /// status, or the transport error.
  std::optional<dyad::v1::CreateWorkshopResponse> create_workshop(const std::string& plan_text, bool plan_is_json,
                                                                   const std::string& admin_token,
                                                                   client_error* error = nullptr);

  /// GET /api/workshops/CODE/statistics?format=FORMAT (csv, json or summary) with the
  /// facilitator's or the admin token; with `series`, .../series-statistics: every run of the
  /// series CODE belongs to, and the combined figures. The body as text. Errors as for
  /// create_workshop.
  std::optional<std::string> export_statistics(const std::string& code, const std::string& format,
                                               const std::string& token, client_error* error = nullptr,
                                               bool series = false);

  /// GET PATH (e.g. "/healthz"), for health and metrics: status code and body. A transport
  /// failure gives status 0 and the error's message as the body.
  std::pair<int, std::string> get(const std::string& path, const std::string& bearer_token = {});

private:
  server_address address_;
};

}  // namespace dyad::client
