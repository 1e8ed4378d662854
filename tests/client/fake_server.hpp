#pragma once

// A small in-test server on 127.0.0.1:0 for what the real dyad-server cannot be made to do:
// stall (read requests and answer none), stop reading altogether (so never answer a ping), and
// play a participant's whole day the moment they join, for `dyad simulate`. One io thread; every
// session's work runs there.
//
// Whatever it shares with the real server answers as the real one does, word for word, and
// FakeServer.AnswersWhatItSharesWithTheRealServerAsItDoes (fake_server_test.cpp) checks so
// against a real dyad-server:
//   GET /livez                 → 200 "ok\n"; any other path → 404 "Not found: PATH\n"
//   an upgrade not at /ws      → 404; from an origin other than http://127.0.0.1:PORT or
//                                http://localhost:PORT → 403; each with the real server's
//                                plain-text sentence
//   a WebSocket for a code other than code() → accepted; its first request is answered with
//                                Error NO_SUCH_WORKSHOP, then a close frame with the reason
//                                "no such open workshop"; nothing more is read
//   a frame that is not a ClientMessage → Error MALFORMED with request_id 0
//   a ClientMessage with no request in it → Error UNKNOWN_MESSAGE with its request_id
//   any request but Join before the connection has joined → Error UNAUTHORIZED (Resume and
//                                AttachFacilitator are not part of it: they are refused so too)
//   Join on a connection that has joined → Error WRONG_STATE
//   Ping (once joined)         → Pong with the same client_ms
//   a server-side close        → a Goodbye event, then a close frame (code normal, no reason)
//
// Its own script, which the real server reaches only with a facilitator driving it:
//   Join{name}     → a ParticipantSnapshot, then an Assignment event (round 1, Room 1) and a
//                    FeedbackState event, open, with a questionnaire: choice "overall"
//                    (excellent, good, poor), scale "pace" 1–5, free text "comments"
//   SubmitFeedback → recorded, Ack, then the Goodbye of a closed workshop and the close
//   anything else, once joined → Ack
// It never pings and has no idle timeout: it answers a client's pings while it reads.

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

/// How a WebSocket session ended, as the server saw it.
enum class session_end { close_frame, cut };

class fake_server {
public:
  /// The real server's sentence of farewell when a workshop closes.
  static constexpr const char* closed_goodbye = "The workshop has closed. Thank you for taking part.";

  fake_server();
  ~fake_server();
  fake_server(const fake_server&) = delete;
  fake_server& operator=(const fake_server&) = delete;

  std::uint16_t port() const { return port_; }
  /// The one workshop it serves, shaped as the real server's codes are.
  static std::string code() { return "K7QZ-2PMX"; }

  /// From now on every session reads frames (and counts them) but answers none: a server stuck
  /// behind something slow. Pings are still answered, as Beast answers them while reading.
  void stall();
  /// Connections upgraded from now on are never read: no request is answered and no ping either,
  /// as a server that vanished without closing its sockets.
  void stop_reading();
  /// Sends every open session a Goodbye event with `goodbye`, then a close frame (code normal, no
  /// reason), as the real server does to participants when their workshop closes.
  void close_all(const std::string& goodbye);

  /// TCP connections accepted so far.
  std::size_t accepted() const;
  /// Waits (up to `timeout`) until the sessions together have read `count` data frames (requests,
  /// answered or not); false if they have not.
  bool wait_for_frames(std::size_t count, std::chrono::milliseconds timeout) const;
  /// Waits (up to `timeout`) until the sessions together have received `count` pings.
  bool wait_for_pings(std::size_t count, std::chrono::milliseconds timeout) const;
  /// Waits (up to `timeout`) until `count` WebSocket sessions have ended; how each ended.
  std::optional<std::vector<session_end>> wait_for_ended_sessions(std::size_t count,
                                                                  std::chrono::milliseconds timeout) const;

  /// The feedback submitted so far, each as "SUBMISSION_ID RESPONSE" (text format, one line).
  std::vector<std::string> feedback() const;

  struct impl;

  // Called by the server's own sessions, on its io thread.
  void record_accept();
  void record_frame();
  void record_ping();
  void record_feedback(std::string feedback);
  void record_end(session_end end);

private:
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::size_t accepted_ = 0;
  std::size_t frames_ = 0;
  std::size_t pings_ = 0;
  std::vector<session_end> ended_;
  std::vector<std::string> feedback_;
};

}  // namespace dyad::test
