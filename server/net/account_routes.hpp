#pragma once

// Signing in and out, one-time links to set a password, and the organisers' list of people:
// the HTTP routes under /api/session, /api/me, /api/links and /api/accounts. Their work (Argon2id,
// the account store) runs on a thread of its own, so a sign-in never holds up a network thread,
// a workshop's strand or a feedback commit.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/accounts.hpp"
#include "core/clock.hpp"
#include "net/http_routes.hpp"
#include "store/account_store.hpp"

namespace boost::asio {
class thread_pool;
}

namespace dyad::net {

struct public_links;
struct run_access;
class workspace_routes;

/// The session cookie's name.
inline constexpr std::string_view session_cookie = "dyad_session";

/// The session cookie's value in the request; empty when there is none.
std::string session_cookie_value(const http_request& req);

/// A one-time link to set a password for `account_id`, valid for core::link_lifetime_ms: its
/// token (256 random bits) is stored only as a hash, replacing the account's earlier link.
/// Answers the URL to pass on (BASE/welcome#t=TOKEN: the token in the fragment never reaches a
/// server's logs) and when it expires.
struct one_time_link {
  std::string url;
  std::int64_t expires_ms = 0;
};
core::result<one_time_link> make_one_time_link(store::account_store& store, const std::string& account_id,
                                               std::int64_t now_ms, const public_links& links);

class account_routes {
public:
  /// `allowed_origins`: the pages allowed to change anything (sign in, invite, …); a request
  /// that changes something must carry one of them as its Origin.
  account_routes(std::unique_ptr<store::account_store> store, const core::clock& clock, const public_links& links,
                 std::vector<std::string> allowed_origins);
  ~account_routes();
  account_routes(const account_routes&) = delete;
  account_routes& operator=(const account_routes&) = delete;

  /// Whether `path` (without the public URL's prefix) is one of these routes.
  static bool owns(std::string_view path);

  /// The workspace's routes, answered on the same thread for the same signed-in people. Set
  /// before the server accepts connections; outlives this.
  void set_workspace(workspace_routes* workspace);

  /// Which runs the holder of session `token` may open; nothing when the session does not hold.
  /// `done` runs on the accounts' thread.
  void access_for(std::string token, std::function<void(std::optional<run_access>)> done);

  /// The accounts' store (thread-safe), for the workspace's routes.
  store::account_store& store();

  /// Runs `job` on the accounts' thread (the workspace's start-up and sweeps).
  void post(std::function<void()> job);

  /// Answers one request; `send` is called once, on the accounts' thread.
  void handle(http_request req, std::string path, std::string client_address, std::function<void(http_response)> send);

  /// Requests waiting for the accounts' thread beyond which more are refused (503) at once.
  static constexpr std::size_t max_pending = 64;

  /// Waits for the work queued so far; later work is dropped.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dyad::net
