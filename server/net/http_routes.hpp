#pragma once

// The HTTP side of the one port: health, metrics, the workshop API, exports and static pages.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "net/public_url.hpp"
#include "net/secrets.hpp"

namespace dyad::v1 {
class WorkshopCreated;
}

namespace dyad::net {

class metrics;
class store_worker;
class workshop_registry;

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

/// What the routes need of the server. The references outlive every session.
struct http_context {
  workshop_registry& registry;
  store_worker& store;
  metrics& counters;
  /// The admin token (its hash only: the token itself is not kept once the server has started).
  const admin_credential& admin;
  std::filesystem::path web_root;
  /// What links start with (the public URL), for the links a created workshop returns.
  const public_links& links;
  /// Set when the server is shutting down: readiness fails.
  const std::atomic<bool>& draining;
};

/// Which runs a signed-in person may open (dashboard, report, exports): what their session
/// cookie is worth, found on the accounts' thread.
struct run_access {
  /// An organiser: every run.
  bool every_run = false;
  /// Otherwise the runs they lead or were given.
  std::set<std::string> runs;
  bool may_open(const std::string& code) const { return every_run || runs.contains(code); }
};

/// Answers one request (not a WebSocket upgrade). `send` may be called on another thread, later
/// (store work runs on the store's thread); it is called exactly once. `signed_in`: what the
/// request's session cookie opens, when it carries one that holds (exports without a token).
void handle_http(const http_context& ctx, http_request request, std::function<void(http_response)> send,
                 std::optional<run_access> signed_in = std::nullopt);

/// The day a run's reports give: the one it was planned for, or else the day it was created (UTC).
std::string run_date(const dyad::v1::WorkshopCreated& created);

/// The segments of a path, without empty ones ("//a/b/" gives a, b).
std::vector<std::string_view> split_path(std::string_view path);

/// The value of `name` in a query string ("a=1&b=2"), as written; empty when absent.
std::string query_param(std::string_view query, std::string_view name);

/// Whether the request reads a run's exports (/api/workshops/CODE/…) without a token, so that
/// its session cookie is worth looking up first.
bool wants_signed_in_export(const public_links& links, const http_request& request);

/// A request path as the routes see it: without the public URL's path prefix when it carries
/// one (a proxy that keeps the path), unchanged otherwise (a proxy that strips it, or a visitor
/// on this machine).
std::string_view route_path(const public_links& links, std::string_view path);

/// Whether a request path (as received) is for the API: what the per-address API limit counts.
/// Decided exactly as the routes decide, empty segments ("//api/...") included.
bool is_api_path(const public_links& links, std::string_view path);

/// The Bearer token of a request's Authorization header; empty when there is none.
std::string bearer_token(const http_request& request);

}  // namespace dyad::net
