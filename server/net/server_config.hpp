#pragma once

// The server's configuration, from flags and the environment. Parsing throws: configuration is
// start-up, where exceptions are the rule (STYLE.md §5).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/public_url.hpp"
#include "net/trusted_proxies.hpp"

namespace dyad::net {

enum class log_format { text, json };

/// Everything the server reads at start. Defaults suit a facilitator running Dyad on a laptop.
struct server_config {
  std::string bind = "127.0.0.1";
  /// 0: the operating system picks a free port (tests read it from the "listening on" line).
  std::uint16_t port = 8080;
  std::filesystem::path data_dir = "dyad-data";
  /// Origins allowed to open a WebSocket. Empty: the server's own http://HOST:PORT and
  /// http://localhost:PORT, filled in once the port is known.
  std::vector<std::string> allowed_origins;
  log_format logs = log_format::text;
  /// Empty: one is generated at start and printed.
  std::string admin_token;
  std::filesystem::path web_root;
  /// A plan to open at start unless a workshop of its series is already open.
  std::filesystem::path demo_plan;
  /// The organiser made (with a one-time link printed) while no one has a password yet.
  std::string first_organiser;
  unsigned threads = 2;
  /// Where people reach this server (--public-url): every link printed, returned or drawn starts
  /// with it, and its origin is allowed to open WebSockets. Absent: http://BIND:PORT, which on a
  /// loopback address works only on this computer (and the start-up output says so).
  std::optional<public_url> public_address;
  /// Deprecated (--public-host): the host of http://HOST:PORT links. --public-url replaces it.
  std::string public_host;
  /// Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (--trusted-proxy).
  trusted_proxies proxies;
  /// WebSocket idle timeout: the server pings a silent peer after half of it and closes one that
  /// stays silent for all of it. Default: Beast's suggested server value.
  std::chrono::seconds ws_idle_timeout{300};
  /// WebSocket upgrades one client address may open per second, with a burst of 30 seconds'
  /// worth: enough for a venue behind one address, a stop for a runaway script. Raised for load
  /// tests that open thousands of connections from a few loopback addresses.
  double ws_connect_rate = 10;
};

/// A configuration mistake, with a sentence saying what to fix.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What the command line asked for.
struct parsed_args {
  server_config config;
  bool show_help = false;
  /// Sentences for the operator about options that still work but should change.
  std::vector<std::string> warnings;
};

/// Reads flags (`--port 8080` or `--port=8080`) over environment variables (DYAD_PORT, DYAD_BIND,
/// DYAD_DATA_DIR, DYAD_ALLOWED_ORIGINS comma-separated, DYAD_LOG_FORMAT, DYAD_ADMIN_TOKEN,
/// DYAD_WEB_ROOT, DYAD_DEMO_PLAN, DYAD_WS_IDLE_TIMEOUT, DYAD_WS_CONNECT_RATE, DYAD_PUBLIC_URL, DYAD_TRUSTED_PROXIES
/// comma-separated) over defaults. `default_web_root` is the repository's web/.
/// Throws config_error.
parsed_args parse_args(int argc, const char* const argv[], const std::filesystem::path& default_web_root);

/// The text of --help.
std::string help_text();

}  // namespace dyad::net
