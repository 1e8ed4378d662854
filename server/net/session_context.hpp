#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "net/address_limiter.hpp"
#include "net/http_routes.hpp"
#include "net/trusted_proxies.hpp"

namespace dyad::net {

class account_routes;

/// What every connection needs of the server; outlives every session.
struct session_context {
  http_context http;
  /// Origins allowed to open a WebSocket (exact match, e.g. "http://localhost:8080").
  std::vector<std::string> allowed_origins;
  /// WebSocket idle timeout (server_config::ws_idle_timeout).
  std::chrono::seconds ws_idle_timeout{300};
  /// Whose forwarded headers are believed (server_config::proxies).
  const trusted_proxies& proxies;
  /// Per client address: API requests, and WebSocket upgrades. Generous, because a whole venue
  /// may share one address; they stop one address from flooding the server.
  address_limiter& api_limiter;
  address_limiter& upgrade_limiter;
  /// Signing in and the organisers' people (set before the server accepts connections).
  account_routes* accounts = nullptr;
};

}  // namespace dyad::net
