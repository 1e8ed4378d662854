#pragma once

// A small in-test server on 127.0.0.1:0 speaking just enough of Dyad's protocol to test the
// client library against real sockets: HTTP requests and the WebSocket upgrade on one port,
// as the real server does. One io thread; every session's work runs there.
//
// WebSocket answers, per request:
//   Ping           → Pong with the same client_ms (server_ms = this machine's clock)
//   Broadcast{t}   → first an event (request_id 0) BroadcastMessage{t}, then the Ack
//   AskForHelp     → nothing: the request stays unanswered (for drop/close tests)
//   CloseWorkshop  → Ack, then a Goodbye event, then a close frame with reason "the workshop closed"
//   Join{name}     → a ParticipantSnapshot, then an Assignment event (round 1, Room 1) and a
//                    FeedbackState event, open, with a questionnaire: choice "overall"
//                    (excellent, good, poor), scale "pace" 1–5, free text "comments"
//   SubmitFeedback → recorded, Ack, then Goodbye and a close frame as for CloseWorkshop
//   anything else  → Ack
//   a frame that is not a ClientMessage → Error MALFORMED with request_id 0
// The upgrade of workshop code "refuse" is declined with 403 and a dyad.v1.Error JSON body.
//
// HTTP answers:
//   GET  /healthz                          → 200 "ok"
//   POST /api/workshops (Bearer admin-secret) → 201 CreateWorkshopResponse JSON (plus an unknown
//        field); a body containing "broken" → 400 Error with two lines; a wrong token → 401 Error
//   GET  /api/workshops/CODE/statistics?format=F → 200 "statistics of CODE as F"
//   anything else                          → 404 Error

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dyad::test {

/// What the server saw of one HTTP request (including WebSocket upgrades).
struct seen_request {
  std::string method;
  std::string target;
  std::string origin;
  std::string authorization;
  std::string content_type;
  std::string body;
};

/// How a WebSocket session ended, as the server saw it.
enum class session_end { close_frame, cut };

class fake_server {
public:
  fake_server();
  ~fake_server();
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  std::uint16_t port() const { return port_; }

  /// The requests seen so far, in order.
  std::vector<seen_request> requests() const;

  /// Waits (up to `timeout`) until `count` WebSocket sessions have ended; how each ended.
  std::optional<std::vector<session_end>> wait_for_ended_sessions(std::size_t count,
                                                                  std::chrono::milliseconds timeout) const;

  /// The feedback submitted so far, each as "SUBMISSION_ID RESPONSE" (text format, one line).
  std::vector<std::string> feedback() const;

  // Called by the server's own sessions, on its io thread.
  void record_request(seen_request request);
  void record_feedback(std::string feedback);
  void record_end(session_end end);

  struct impl;

private:

  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<seen_request> requests_;
  std::vector<session_end> ended_;
  std::vector<std::string> feedback_;
};

}  // namespace dyad::test
