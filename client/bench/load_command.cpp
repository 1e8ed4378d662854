#include "load_command.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

#include "load_runner.hpp"

namespace dyad::cli {

namespace {

constexpr std::string_view usage = R"(Usage: dyad bench --target ws://HOST:PORT|tcp://HOST:PORT --scenario NAME [options]

One run of the load benchmark: thousands of connections from one thread, speaking the wire
protocol as WebSocket binary frames (ws://: dyad-server, or client/bench/ws_peer.mjs) or as
length-prefixed frames over TCP (tcp://: the floor server, dyad_floor_server). Prints one
"name value" line per figure; deploy/bench-load.sh runs every scenario against all three
servers and prints the table.

Scenarios:
  hold      N join (joins_per_s), stay idle (rss_kib_per_participant), then the facilitator
            sends --broadcasts broadcasts one after another (broadcast_p50_ms, _p99_ms,
            _last_ms: from sending to each participant's receipt; cpu_ms_per_1k_deliveries).
  feedback  N join, feedback opens, all submit at once (ack_p50_ms, ack_p99_ms, acks_per_s);
            with --export, series exports over HTTP run during the burst (dyad-server only).
  churn     N join, all N connections are cut at once, then a newcomer joins and one of them
            resumes (join_after_disconnect_ms, resume_after_disconnect_ms,
            facilitator_connected).
  slow      N join, --slow of them stop reading while the facilitator broadcasts
            --rate times a second for --duration seconds (the others' broadcast_p99_ms,
            rss_growth_mib: the server's peak memory over its memory before).

Options:
  --target URL            ws://HOST:PORT or tcp://HOST:PORT.
  --scenario NAME         hold, feedback, churn or slow.
  --participants N        Default 1000.
  --admin-token T         dyad-server: create a fresh workshop from --plan with this token.
  --plan FILE             The plan of that workshop (text format).
  --code CODE             Otherwise, the workshop's code (default BENCH) …
  --facilitator-token T   … and the facilitator's token (default bench-facilitator-token).
  --server-pid PID        The server's process, whose memory and CPU time are read in /proc.
  --window N              Connections at most between connecting and being answered (200).
  --sources N             Source addresses 127.0.0.2 … 127.0.0.(N+1) in turn (8; 0: any).
  --broadcasts N          hold: broadcasts sent (default 10; 0: none).
  --slow N                slow: readers that stop (default 0: the run without slow ones).
  --rate R                slow: broadcasts per second (default 10).
  --duration S            slow: seconds of broadcasting (default 10).
  --export                feedback: a series export over HTTP each second of the burst.
  --deadline S            The most one step may take (default 300).
  -h, --help              Print this help.

Exit codes: 0 every figure measured, 1 something went wrong (said on stderr; the figures
measured are printed all the same), 2 wrong usage.
)";

int usage_error(const std::string& what) {
  std::cerr << "dyad bench: " << what << "\n\n" << usage;
  return 2;
}

bool parse_unsigned(const std::string& text, unsigned& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

int bench(const std::vector<std::string>& args) {
  dyad::bench::load_options o;
  std::string target;
  std::string scenario;
  std::string plan_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--export") {
      o.export_during_burst = true;
      continue;
    }
    if (arg.size() < 3 || !arg.starts_with("--")) return usage_error("unexpected argument '" + arg + "'");
    if (i + 1 >= args.size()) return usage_error(arg + " needs a value");
    const std::string& value = args[++i];
    unsigned number = 0;
    const bool numeric = parse_unsigned(value, number);
    auto need_number = [&] { return usage_error(arg + " needs a whole number, not '" + value + "'"); };
    if (arg == "--target") target = value;
    else if (arg == "--scenario") scenario = value;
    else if (arg == "--admin-token") o.admin_token = value;
    else if (arg == "--plan") plan_path = value;
    else if (arg == "--code") o.code = value;
    else if (arg == "--facilitator-token") o.facilitator_token = value;
    else if (!numeric) {
      if (arg == "--participants" || arg == "--server-pid" || arg == "--window" || arg == "--sources" ||
          arg == "--broadcasts" || arg == "--slow" || arg == "--rate" || arg == "--duration" || arg == "--deadline")
        return need_number();
      return usage_error("unknown option '" + arg + "'");
    } else if (arg == "--participants") o.participants = number;
    else if (arg == "--server-pid") o.server_pid = static_cast<int>(number);
    else if (arg == "--window") o.window = std::max(1u, number);
    else if (arg == "--sources") o.sources = number;
    else if (arg == "--broadcasts") o.broadcasts = number;
    else if (arg == "--slow") o.slow = number;
    else if (arg == "--rate") o.broadcast_rate = std::max(1u, number);
    else if (arg == "--duration") o.slow_duration = std::chrono::seconds(number);
    else if (arg == "--deadline") o.step_deadline = std::chrono::seconds(std::max(1u, number));
    else return usage_error("unknown option '" + arg + "'");
  }

  std::string_view rest;
  if (target.starts_with("ws://")) {
    o.via = dyad::bench::transport::websocket;
    rest = std::string_view(target).substr(5);
  } else if (target.starts_with("tcp://")) {
    o.via = dyad::bench::transport::framed_tcp;
    rest = std::string_view(target).substr(6);
  } else {
    return usage_error("say where with --target ws://HOST:PORT or tcp://HOST:PORT");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  unsigned port = 0;
  if (colon == std::string_view::npos || !parse_unsigned(std::string(rest.substr(colon + 1)), port) || port == 0 || port > 65535)
    return usage_error("--target needs a host and a port, e.g. ws://127.0.0.1:8080");
  o.host = std::string(rest.substr(0, colon));
  o.port = static_cast<std::uint16_t>(port);

  if (scenario == "hold") o.what = dyad::bench::scenario::hold;
  else if (scenario == "feedback") o.what = dyad::bench::scenario::feedback;
  else if (scenario == "churn") o.what = dyad::bench::scenario::churn;
  else if (scenario == "slow") o.what = dyad::bench::scenario::slow;
  else return usage_error("--scenario must be hold, feedback, churn or slow");
  if (o.slow > o.participants) return usage_error("--slow cannot be more than --participants");

  if (!o.admin_token.empty()) {
    if (plan_path.empty()) return usage_error("--admin-token creates a workshop: name its plan with --plan");
    std::ifstream in(plan_path, std::ios::binary);
    if (!in) {
      std::cerr << plan_path << ": cannot read the plan; check the path.\n";
      return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    o.plan_text = text.str();
  }

  const auto result = dyad::bench::run_load(o);
  for (const auto& f : result.figures) std::cout << f.name << ' ' << f.value << '\n';
  for (const auto& p : result.problems) std::cerr << "dyad bench: " << p << '\n';
  return result.problems.empty() ? 0 : 1;
}

}  // namespace dyad::cli
