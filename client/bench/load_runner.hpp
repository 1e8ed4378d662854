#pragma once

// The load generator behind `dyad bench`: thousands of connections from one thread, speaking
// the wire protocol (proto/dyad/v1/wire.proto) either as WebSocket binary frames (dyad-server,
// the Node.js peer) or as length-prefixed frames over plain TCP (the floor server). Asio and
// Beast stay in load_runner.cpp.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace dyad::bench {

enum class transport { websocket, framed_tcp };

/// What one run measures (see `dyad bench --help`).
enum class scenario {
  /// N join (joins per second), stay idle (server memory per participant), then the facilitator
  /// sends broadcasts one after another (delivery latency, server CPU per 1,000 deliveries).
  hold,
  /// N join, feedback opens, everyone submits at once: acknowledgement latency and rate.
  feedback,
  /// N join, then every connection is cut at once; a newcomer joins and one of them resumes.
  churn,
  /// N join, `slow` of them stop reading while the facilitator broadcasts at a steady rate.
  slow,
};

struct load_options {
  transport via = transport::websocket;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  /// The workshop's code and the facilitator's token. With `admin_token` and `plan_text` the
  /// run creates a fresh workshop on dyad-server and uses its code and token instead.
  std::string code = "BENCH";
  std::string facilitator_token = "bench-facilitator-token";
  std::string admin_token;
  std::string plan_text;
  /// The server's process, for its memory (VmRSS) and CPU time (utime + stime); 0: not read.
  int server_pid = 0;
  scenario what = scenario::hold;
  unsigned participants = 1000;
  /// Connections at most between connecting and their Join being answered.
  unsigned window = 200;
  /// Source addresses 127.0.0.2 … 127.0.0.(1 + sources), used in turn, so that no one address
  /// runs out of ephemeral ports. 0: let the system choose (127.0.0.1).
  unsigned sources = 8;
  /// hold: broadcasts sent one after another, each once the previous one reached everyone.
  unsigned broadcasts = 10;
  /// slow: how many stop reading, the facilitator's broadcasts per second, for how long.
  unsigned slow = 0;
  double broadcast_rate = 10;
  std::chrono::milliseconds slow_duration{10000};
  /// feedback: series exports over HTTP, one a second, while the burst is answered.
  bool export_during_burst = false;
  /// The most any one step (all joins, one broadcast, the burst) may take.
  std::chrono::seconds step_deadline{300};
};

/// One measured figure: a name (e.g. "joins_per_s") and its value.
struct figure {
  std::string name;
  double value = 0;
};

struct load_result {
  std::vector<figure> figures;
  /// What went wrong, a sentence each; empty when the run went as planned.
  std::vector<std::string> problems;
};

/// Runs one scenario to the end on the calling thread (the HTTP export, when asked for, runs on
/// a second thread of its own).
load_result run_load(const load_options& options);

}  // namespace dyad::bench
