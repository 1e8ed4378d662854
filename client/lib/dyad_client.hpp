#pragma once

// The C++ client library of Dyad: one WebSocket connection to a workshop, speaking the protocol
// of proto/dyad/v1/wire.proto, plus the HTTP API (creating workshops, exporting statistics).
//
// Asio and Beast stay behind this header: include it without paying for them.
//
// Threading: a `client_runtime` owns an io_context and the threads that run it; every
// connection made from it does its I/O there. The public member functions of `connection` are
// thread-safe (they post onto the connection's strand). Event handlers run on the runtime's
// threads, one at a time per connection: keep them short.

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
};

/// An error from the client library: a failed connection, a closed socket, a timeout, or the
/// server's own Error (then `server_code` is set).
struct client_error {
  std::string message;
  dyad::v1::ErrorCode server_code = dyad::v1::ERROR_CODE_UNSPECIFIED;
};

/// The io_context and its threads. Destroying it stops every connection made from it.
class client_runtime {
public:
  explicit client_runtime(unsigned threads = 1);
  ~client_runtime();
  client_runtime(const client_runtime&) = delete;
  client_runtime& operator=(const client_runtime&) = delete;

  struct impl;
  impl& get() { return *impl_; }

private:
  std::unique_ptr<impl> impl_;
};

/// One WebSocket connection to /ws?w=CODE.
class connection {
public:
  using event_handler = std::function<void(const dyad::v1::ServerMessage&)>;

  /// Connects and completes the WebSocket handshake. The future holds the connection or the
  /// error (e.g. the server refused the Origin).
  static std::future<std::shared_ptr<connection>> open(client_runtime& runtime, server_address address,
                                                       std::string workshop_code);

  ~connection();

  /// Sends a request (its request_id is filled in) and completes with the server's answer:
  /// an Ack, an Error, or the answer named for the request. Fails (the future throws
  /// client_error-carrying std::runtime_error) if the connection closes first.
  std::future<dyad::v1::ServerMessage> request(dyad::v1::ClientMessage message);

  // Convenience wrappers around `request`.
  std::future<dyad::v1::ServerMessage> join(std::string display_name, std::string email = {});
  std::future<dyad::v1::ServerMessage> resume(std::string resume_token);
  std::future<dyad::v1::ServerMessage> attach_facilitator(std::string facilitator_token);
  std::future<dyad::v1::ServerMessage> submit_feedback(std::string submission_id,
                                                       dyad::v1::FeedbackResponse response);

  /// Sends raw bytes as one binary frame: for tests of malformed input.
  void send_raw(std::string bytes);

  /// Called for every event the server sends on its own (request_id 0), in order.
  void on_event(event_handler handler);

  /// Waits until an event matching `predicate` has arrived (including ones that arrived before
  /// the call and were not yet consumed), or the timeout passes. Consumes events up to it.
  std::optional<dyad::v1::ServerMessage> wait_for_event(
      const std::function<bool(const dyad::v1::ServerMessage&)>& predicate, std::chrono::milliseconds timeout);

  /// The measured offset of the server's clock from ours (server − local), from Ping/Pong.
  std::future<std::chrono::milliseconds> measure_clock_offset();

  /// Closes politely (WebSocket close frame).
  void close();
  /// Cuts the TCP connection without a close frame, as a dropped Wi-Fi does.
  void drop();
  /// Whether the connection is still open.
  bool is_open() const;

  struct impl;

private:
  explicit connection(std::shared_ptr<impl> impl);
  std::shared_ptr<impl> impl_;
};

/// The HTTP API, synchronous (these are rare, one-off calls).
class http_api {
public:
  explicit http_api(server_address address);

  /// POST /api/workshops with the plan's text; the admin token authorises it.
  std::optional<dyad::v1::CreateWorkshopResponse> create_workshop(const std::string& plan_text, bool plan_is_json,
                                                                   const std::string& admin_token,
                                                                   client_error* error = nullptr);

  /// GET /api/workshops/CODE/statistics?format=FORMAT (csv, json or summary) with the
  /// facilitator's or the admin token; the body as text.
  std::optional<std::string> export_statistics(const std::string& code, const std::string& format,
                                               const std::string& token, client_error* error = nullptr);

  /// GET PATH, for health and metrics: status code and body.
  std::pair<int, std::string> get(const std::string& path, const std::string& bearer_token = {});

private:
  server_address address_;
};

}  // namespace dyad::client
