#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "net/http_routes.hpp"

namespace dyad::net {

/// What every connection needs of the server; outlives every session.
struct session_context {
  http_context http;
  /// Origins allowed to open a WebSocket (exact match, e.g. "http://localhost:8080").
  std::vector<std::string> allowed_origins;
  /// WebSocket idle timeout (server_config::ws_idle_timeout).
  std::chrono::seconds ws_idle_timeout{300};
};

}  // namespace dyad::net
