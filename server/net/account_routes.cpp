#include "net/account_routes.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>

#include "dyad/v1/api.pb.h"
#include "dyad/v1/wire.pb.h"
#include "net/http_replies.hpp"
#include "net/passwords.hpp"
#include "net/public_url.hpp"
#include "net/secrets.hpp"
#include "net/trusted_proxies.hpp"
#include "net/workspace_routes.hpp"

namespace dyad::net {

namespace http = boost::beast::http;
namespace v1 = dyad::v1;
using core::errc;

core::result<one_time_link> make_one_time_link(store::account_store& store, const std::string& account_id,
                                               std::int64_t now_ms, const public_links& links) {
  const auto token = random_hex(32);
  const auto expires = now_ms + core::link_lifetime_ms;
  if (auto added = store.add_link(sha256(token), account_id, expires); !added) return added.err();
  return one_time_link{links.base + "/welcome#t=" + token, expires};
}

namespace {

v1::Me me_of(const store::account_row& a) {
  v1::Me m;
  m.set_account_id(a.id);
  m.set_email(a.email);
  m.set_role(std::string(core::word_of(a.role)));
  return m;
}

v1::AccountEntry entry_of(const store::account_row& a) {
  v1::AccountEntry e;
  e.set_account_id(a.id);
  e.set_email(a.email);
  e.set_role(std::string(core::word_of(a.role)));
  e.set_password_set(!a.password_hash.empty());
  return e;
}

/// What an attacker sent, as a log line may show it: printable ASCII only, at most 100 characters.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 100))
    out.push_back(static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e ? '?' : c);
  return out;
}

}  // namespace

/// The value of one cookie in the request's Cookie headers; empty when absent.
static std::string cookie_of(const http_request& req, std::string_view name) {
  for (const auto& field : req) {
    if (field.name() != http::field::cookie) continue;
    std::string_view rest = field.value();
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=')
        return std::string(pair.substr(name.size() + 1));
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return {};
}

std::string session_cookie_value(const http_request& req) { return cookie_of(req, session_cookie); }

struct account_routes::impl {
  impl(std::unique_ptr<store::account_store> s, const core::clock& c, const public_links& l, std::vector<std::string> o)
      : store(std::move(s)), clock(c), links(l), origins(std::move(o)), pool(std::make_unique<boost::asio::thread_pool>(1)) {}

  std::unique_ptr<store::account_store> store;
  const core::clock& clock;
  const public_links& links;
  std::vector<std::string> origins;
  core::sign_in_throttle throttle;  // used on the pool's one thread only
  std::unique_ptr<boost::asio::thread_pool> pool;
  std::mutex stopping;
  bool stopped = false;
  std::atomic<std::size_t> pending{0};
  workspace_routes* workspace = nullptr;

  bool secure() const { return links.base.starts_with("https://"); }
  std::string cookie_path() const { return links.path_prefix.empty() ? "/" : links.path_prefix + "/"; }

  std::string set_cookie(const std::string& value, bool clear) const {
    std::string c = std::string(session_cookie) + "=" + value + "; Path=" + cookie_path() + "; HttpOnly; SameSite=Strict";
    if (secure()) c += "; Secure";
    // Kept by the browser as long as a session may last; the server ends it sooner when idle.
    c += clear ? "; Max-Age=0" : "; Max-Age=" + std::to_string(core::session_max_ms / 1000);
    return c;
  }

  /// A change must come from one of Dyad's own pages: the Origin every browser sends with a POST.
  bool from_our_pages(const http_request& req) const {
    const auto origin = std::string(req[http::field::origin]);
    return !origin.empty() && std::find(origins.begin(), origins.end(), origin) != origins.end();
  }

  http_response json(const http_request& req, const google::protobuf::Message& m) const {
    return make_response(req, http::status::ok, to_json(m) + "\n", "application/json");
  }

  /// The signed-in account of the request, if its session holds.
  core::result<std::optional<store::account_row>> session_of(const http_request& req) {
    const auto token = cookie_of(req, session_cookie);
    if (token.empty()) return std::optional<store::account_row>{};
    return store->session_account(sha256(token), clock.now());
  }

  http_response start_session(const http_request& req, const store::account_row& account) {
    const auto token = random_hex(32);
    if (auto added = store->add_session(sha256(token), account.id, clock.now()); !added)
      return error_response(req, v1::ERROR_CODE_UNAVAILABLE, added.err().message);
    auto res = json(req, me_of(account));
    res.set(http::field::set_cookie, set_cookie(token, false));
    return res;
  }

  http_response sign_in(const http_request& req, const std::string& address) {
    v1::SignInRequest in;
    if (!from_json(req.body(), in))
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Send your e-mail address and password.");
    // What cannot be an account is answered at once: no hash to run, nothing to remember, and
    // nothing said about which addresses have accounts.
    auto email = core::normalize_email(in.email());
    if (!email) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, email.err().message);
    if (in.password().empty() || in.password().size() > core::max_password_chars)
      return error_response(req, v1::ERROR_CODE_UNAUTHORIZED, "That e-mail address and password do not match an account here; check them and try again.");
    const std::string& key = *email;
    const auto network = rate_key(address);  // an IPv6 network counts as one address
    if (auto allowed = throttle.may_try(key, network, clock.now()); !allowed) {
      spdlog::warn("sign-in refused for now: too many wrong passwords (client={})", address);
      return error_response(req, v1::ERROR_CODE_RATE_LIMITED, allowed.err().message);
    }
    static const std::string wrong = "That e-mail address and password do not match an account here; check them and try again.";
    auto found = store->find_by_email(*email);
    if (!found) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, found.err().message);
    const auto& account = *found;
    // As slow whether or not the address has an account, or a password yet.
    const bool has_password = account && !account->password_hash.empty();
    const bool ok = has_password && password_matches(account->password_hash, in.password());
    if (!has_password) waste_a_password_check(in.password());
    if (!ok) {
      throttle.failed(key, network, clock.now());
      spdlog::info("sign-in failed (client={})", address);
      return error_response(req, v1::ERROR_CODE_UNAUTHORIZED, wrong);
    }
    throttle.succeeded(key, network);
    // A session this browser brought along ends: signing in always starts a fresh one.
    if (const auto old = cookie_of(req, session_cookie); !old.empty()) (void)store->end_session(sha256(old));
    spdlog::info("signed in: account {} (client={})", account->id, address);
    return start_session(req, *account);
  }

  http_response redeem(const http_request& req, const std::string& address) {
    v1::RedeemLinkRequest in;
    if (!from_json(req.body(), in) || in.token().empty())
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Open the whole link you were given, then choose a password.");
    auto owner = store->link_account(sha256(in.token()), clock.now());
    if (!owner) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, owner.err().message);
    if (!*owner)
      return error_response(req, v1::ERROR_CODE_NOT_FOUND, "This link has been used or has expired; ask an organiser for a new one.");
    if (auto good = core::check_new_password(in.password(), (*owner)->email); !good)
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, good.err().message);
    auto hash = hash_password(in.password());
    if (!hash) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, hash.err().message);
    auto account = store->redeem_link(sha256(in.token()), *hash, clock.now());
    if (!account)
      return error_response(req, account.err().code == errc::not_found ? v1::ERROR_CODE_NOT_FOUND : v1::ERROR_CODE_UNAVAILABLE,
                            account.err().message);
    throttle.succeeded(account->email, rate_key(address));
    spdlog::info("password set with a one-time link: account {} (client={})", account->id, address);
    return start_session(req, *account);
  }

  http_response organisers_only(const http_request& req, const std::string& path, const store::account_row& me,
                                const std::string& address) {
    if (me.role != core::account_role::organiser)
      return error_response(req, v1::ERROR_CODE_FORBIDDEN, "Only organisers manage the people who sign in.");
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (path == "/api/accounts" && get) {
      auto all = store->accounts();
      if (!all) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, all.err().message);
      v1::AccountList list;
      for (const auto& a : *all) *list.add_accounts() = entry_of(a);
      return json(req, list);
    }
    if (path == "/api/accounts" && req.method() == http::verb::post) {
      v1::InviteRequest in;
      if (!from_json(req.body(), in))
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Send the e-mail address and the role (organiser or facilitator).");
      auto email = core::normalize_email(in.email());
      if (!email) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, email.err().message);
      const auto role = core::role_from_word(in.role().empty() ? "facilitator" : in.role());
      if (!role) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "The role is organiser or facilitator.");
      auto added = store->add_account(*email, *role, clock.now());
      if (!added)
        return error_response(req, added.err().code == errc::invalid_argument ? v1::ERROR_CODE_WRONG_STATE : v1::ERROR_CODE_UNAVAILABLE,
                              added.err().message);
      spdlog::info("account {} invited as {} by {} (client={})", added->id, core::word_of(*role), me.id, address);
      return link_for(req, *added);
    }
    if (path == "/api/accounts") return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Use GET to list people or POST to invite someone.");
    // /api/accounts/ID and /api/accounts/ID/link
    constexpr std::string_view prefix = "/api/accounts/";
    if (path.size() <= prefix.size()) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such account.");
    const std::string_view rest = std::string_view(path).substr(prefix.size());
    const auto slash = rest.find('/');
    const std::string id(rest.substr(0, slash));
    const std::string_view what = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    auto target = store->find_by_id(id);
    if (!target) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, target.err().message);
    if (!*target) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such account; it may have been removed.");
    if (what == "link" && req.method() == http::verb::post) {
      spdlog::info("new one-time link for account {} by {} (client={})", id, me.id, address);
      return link_for(req, **target);
    }
    if (!what.empty()) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such account endpoint.");
    if (req.method() == http::verb::patch) {
      v1::ChangeRoleRequest in;
      const auto role = from_json(req.body(), in) ? core::role_from_word(in.role()) : std::nullopt;
      if (!role) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "The role is organiser or facilitator.");
      if (id == me.id && *role != core::account_role::organiser)
        return error_response(req, v1::ERROR_CODE_WRONG_STATE, "You cannot take away your own organiser role; ask another organiser.");
      if (auto s = store->set_role(id, *role); !s) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, s.err().message);
      (*target)->role = *role;
      spdlog::info("account {} is now {} (by {})", id, core::word_of(*role), me.id);
      return json(req, entry_of(**target));
    }
    if (req.method() == http::verb::delete_) {
      if (id == me.id) return error_response(req, v1::ERROR_CODE_WRONG_STATE, "You cannot remove yourself; ask another organiser.");
      if (auto s = store->remove_account(id); !s) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, s.err().message);
      spdlog::info("account {} removed by {}; its sessions ended", id, me.id);
      return json(req, entry_of(**target));
    }
    return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Use GET, PATCH or DELETE on an account.");
  }

  http_response link_for(const http_request& req, const store::account_row& account) {
    auto link = make_one_time_link(*store, account.id, clock.now(), links);
    if (!link) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, link.err().message);
    v1::OneTimeLink out;
    *out.mutable_account() = entry_of(account);
    out.set_url(link->url);
    out.set_expires_ms(link->expires_ms);
    return json(req, out);
  }

  http_response answer(const http_request& req, const std::string& path, const std::string& address) {
    const auto method = req.method();
    const bool get = method == http::verb::get || method == http::verb::head;
    if (!get && !from_our_pages(req)) {
      spdlog::warn("http {} {} refused: Origin '{}' is not one of Dyad's pages (client={})", std::string(req.method_string()),
                   printable(path), printable(req[http::field::origin]), address);
      return error_response(req, v1::ERROR_CODE_FORBIDDEN, "Changes are accepted only from Dyad's own pages; open Dyad and try there.");
    }
    if (path == "/api/session" && method == http::verb::post) return sign_in(req, address);
    if (path == "/api/links/redeem" && method == http::verb::post) return redeem(req, address);
    if (path == "/api/links/check" && method == http::verb::post) {
      v1::LinkCheckRequest in;
      if (!from_json(req.body(), in)) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Open the whole link you were given.");
      auto owner = store->link_account(sha256(in.token()), clock.now());
      if (!owner) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, owner.err().message);
      if (!*owner) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "This link has been used or has expired; ask an organiser for a new one.");
      return json(req, me_of(**owner));
    }

    auto session = session_of(req);
    if (!session) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, session.err().message);
    if (!*session) {
      auto res = error_response(req, v1::ERROR_CODE_UNAUTHORIZED, "You are not signed in, or your session has ended; sign in again.");
      res.erase(http::field::www_authenticate);
      return res;
    }
    const auto& me = **session;
    if (path == "/api/me" && get) return json(req, me_of(me));
    if (path == "/api/session" && method == http::verb::delete_) {
      if (auto s = store->end_session(sha256(cookie_of(req, session_cookie))); !s)
        return error_response(req, v1::ERROR_CODE_UNAVAILABLE, s.err().message);
      auto res = json(req, me_of(me));
      res.set(http::field::set_cookie, set_cookie("", true));
      return res;
    }
    if (path == "/api/session/everywhere" && method == http::verb::post) {
      if (auto s = store->end_sessions_of(me.id); !s) return error_response(req, v1::ERROR_CODE_UNAVAILABLE, s.err().message);
      spdlog::info("account {} signed out everywhere", me.id);
      auto res = json(req, me_of(me));
      res.set(http::field::set_cookie, set_cookie("", true));
      return res;
    }
    if (path == "/api/accounts" || path.starts_with("/api/accounts/")) return organisers_only(req, path, me, address);
    if (workspace != nullptr && workspace_routes::owns(path)) return workspace->answer(req, path, me, address);
    return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such API endpoint.");
  }
};

account_routes::account_routes(std::unique_ptr<store::account_store> store, const core::clock& clock,
                               const public_links& links, std::vector<std::string> allowed_origins)
    : impl_(std::make_unique<impl>(std::move(store), clock, links, std::move(allowed_origins))) {}

account_routes::~account_routes() { stop(); }

bool account_routes::owns(std::string_view path) {
  return path == "/api/session" || path == "/api/session/everywhere" || path == "/api/me" ||
         path == "/api/links/check" || path == "/api/links/redeem" || path == "/api/accounts" ||
         path.starts_with("/api/accounts/") || workspace_routes::owns(path);
}

store::account_store& account_routes::store() { return *impl_->store; }

void account_routes::set_workspace(workspace_routes* workspace) { impl_->workspace = workspace; }

void account_routes::post(std::function<void()> job) {
  {
    std::lock_guard lock(impl_->stopping);
    if (impl_->stopped) return;
  }
  boost::asio::post(*impl_->pool, [job = std::move(job)] {
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("accounts: {}", e.what());
    }
  });
}

void account_routes::access_for(std::string token, std::function<void(std::optional<run_access>)> done) {
  post([this, token = std::move(token), done = std::move(done)] {
    std::optional<run_access> out;
    if (!token.empty()) {
      auto session = impl_->store->session_account(sha256(token), impl_->clock.now());
      if (session && *session) {
        if (impl_->workspace != nullptr) {
          out = impl_->workspace->access_of(**session);
        } else {
          out.emplace();
          out->every_run = (*session)->role == core::account_role::organiser;
        }
      }
    }
    done(std::move(out));
  });
}

void account_routes::handle(http_request req, std::string path, std::string client_address,
                            std::function<void(http_response)> send) {
  {
    std::lock_guard lock(impl_->stopping);
    if (impl_->stopped) return send(error_response(req, v1::ERROR_CODE_UNAVAILABLE, "The server is shutting down; try again in a moment."));
  }
  // A bounded queue: each waiting request holds its body, and a flood of sign-ins (each an
  // Argon2id run) must not hold up everyone else's page for ever.
  if (impl_->pending.fetch_add(1) >= max_pending) {
    impl_->pending.fetch_sub(1);
    spdlog::warn("accounts busy: {} requests waiting; refused one (client={})", max_pending, client_address);
    return send(error_response(req, v1::ERROR_CODE_UNAVAILABLE, "The server is busy signing people in; try again in a moment."));
  }
  boost::asio::post(*impl_->pool, [this, req = std::move(req), path = std::move(path), address = std::move(client_address),
                                   send = std::move(send)] {
    impl_->pending.fetch_sub(1);
    http_response res;
    try {
      res = impl_->answer(req, path, address);
    } catch (const std::exception& e) {
      // Whatever went wrong, this thread serves every sign-in: answer, never end the process.
      spdlog::error("accounts: {} {} failed: {}", std::string(req.method_string()), path, e.what());
      res = error_response(req, v1::ERROR_CODE_UNAVAILABLE, "Something went wrong on the server; try again.");
    }
    send(std::move(res));
  });
}

void account_routes::stop() {
  {
    std::lock_guard lock(impl_->stopping);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->pool->join();
}

}  // namespace dyad::net
