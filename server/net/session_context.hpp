#pragma once

#include <string>
#include <vector>

#include "net/http_routes.hpp"

namespace dyad::net {

/// What every connection needs of the server; outlives every session.
struct session_context {
  http_context http;
  /// Origins allowed to open a WebSocket (exact match, e.g. "http://localhost:8080").
  std::vector<std::string> allowed_origins;
};

}  // namespace dyad::net
