#include "net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "net/account_routes.hpp"
#include "net/metrics.hpp"
#include "net/secrets.hpp"
#include "net/websocket_session.hpp"
#include "net/workshop_host.hpp"
#include "net/workshop_registry.hpp"

namespace dyad::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

// Plans, transcripts included, are a few hundred kilobytes; nothing else posts a body.
constexpr std::uint64_t body_limit = 1024 * 1024;
constexpr auto read_timeout = std::chrono::seconds(30);

http_response plain(const http_request& req, http::status status, std::string body) {
  http_response res{status, req.version()};
  res.set(http::field::server, "dyad");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(false);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

/// Every value of a header that may be sent on several lines, joined as one list: a proxy that
/// appends its own X-Forwarded-For line after the client's must be read to its last entry.
std::string all_values(const http_request& req, std::string_view name) {
  std::string out;
  for (auto [it, end] = req.equal_range(name); it != end; ++it) {
    if (!out.empty()) out += ", ";
    out += std::string(it->value());
  }
  return out;
}

/// A path as logs show it: printable ASCII only, and not without end.
std::string loggable(std::string_view path) {
  std::string out;
  for (char c : path.substr(0, 200)) out.push_back(static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e ? '?' : c);
  if (path.size() > 200) out += "...";
  return out;
}

}  // namespace

http_session::http_session(asio::ip::tcp::socket&& socket, const session_context& ctx)
    : stream_(std::move(socket)), ctx_(ctx) {
  beast::error_code ec;
  const auto remote = stream_.socket().remote_endpoint(ec);
  peer_ = ec ? std::string("unknown") : remote.address().to_string();
}

void http_session::run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(body_limit);
  stream_.expires_after(read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) return do_close();
  if (ec == http::error::body_limit) {
    http_request req;
    return send(plain(req, http::status::payload_too_large, "The body is larger than 1 MiB; send a smaller plan.\n"));
  }
  if (ec) return fail(ec, "read");
  const auto& head = parser_->get();
  const auto client = ctx_.proxies.resolve(peer_, all_values(head, "X-Forwarded-For"), all_values(head, "X-Forwarded-Proto"));
  if (beast::websocket::is_upgrade(head)) return upgrade(client);
  const std::string method(head.method_string());
  const std::string target(head.target());
  const std::string raw_path = target.substr(0, target.find('?'));
  const std::string path = loggable(raw_path);
  if (is_api_path(ctx_.http.links, raw_path) && !ctx_.api_limiter.allow(rate_key(client.address))) {
    ctx_.http.counters.rate_limited_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("http {} {} 429 client={}: too many requests from this address", method, path, client.address);
    auto res = plain(head, http::status::too_many_requests, "Too many requests from your address; wait a minute and try again.\n");
    res.set(http::field::retry_after, "60");
    return send(std::move(res));
  }
  auto answered = [self = shared_from_this(), method, path, client](http_response res) {
    // One line per request: where it came from (the participant, never the proxy), what, how it went.
    spdlog::info("http {} {} {} client={}{}", method, path, res.result_int(), client.address, client.https ? " https" : "");
    asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
  };
  if (const auto route = std::string(route_path(ctx_.http.links, raw_path)); ctx_.accounts && account_routes::owns(route))
    return ctx_.accounts->handle(parser_->release(), route, client.address, std::move(answered));
  if (ctx_.accounts && wants_signed_in_export(ctx_.http.links, head)) {
    // An export read by someone signed in: what their session opens is looked up first.
    auto req = parser_->release();
    auto token = session_cookie_value(req);
    const http_context* http = &ctx_.http;
    return ctx_.accounts->access_for(std::move(token), [http, req = std::move(req), answered](std::optional<run_access> access) {
      handle_http(*http, req, answered, std::move(access));
    });
  }
  handle_http(ctx_.http, parser_->release(), std::move(answered));
}

void http_session::upgrade(const client_info& client) {
  auto req = parser_->release();
  const std::string target(req.target());
  const auto q = target.find('?');
  const auto path = route_path(ctx_.http.links, std::string_view(target).substr(0, q));
  if (path != "/ws") {
    spdlog::info("http upgrade {} 404 client={}", loggable(target.substr(0, q)), client.address);
    return send(plain(req, http::status::not_found, "WebSockets are served at /ws?w=CODE.\n"));
  }
  if (!ctx_.upgrade_limiter.allow(rate_key(client.address))) {
    ctx_.http.counters.rate_limited_total.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("WebSocket upgrade refused: too many from client={}", client.address);
    auto res = plain(req, http::status::too_many_requests, "Too many connections from your address; wait a minute and try again.\n");
    res.set(http::field::retry_after, "60");
    return send(std::move(res));
  }
  // Browsers always send Origin; a page from another site must not speak for its visitor.
  const auto origin = std::string(req[http::field::origin]);
  if (!origin.empty() &&
      std::find(ctx_.allowed_origins.begin(), ctx_.allowed_origins.end(), origin) == ctx_.allowed_origins.end()) {
    spdlog::warn("WebSocket upgrade refused: origin '{}' is not allowed (client={})", loggable(origin), client.address);
    return send(plain(req, http::status::forbidden,
                      "This page's origin may not connect; start the server with --allowed-origin " + origin + " if it should.\n"));
  }
  std::string code;
  if (q != std::string::npos) {
    std::string_view query = std::string_view(target).substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      if (pair.starts_with("w=")) code = std::string(pair.substr(2));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  auto token = ctx_.accounts != nullptr ? session_cookie_value(req) : std::string{};
  if (token.empty()) return open_websocket(std::move(req), client, normalize_code(code), code, false);
  // Signed in: whether the session opens this run is looked up first (on the accounts' thread),
  // then the socket is handed over on this connection's own executor.
  ctx_.accounts->access_for(std::move(token), [self = shared_from_this(), req = std::move(req), client, code](std::optional<run_access> access) {
    const auto normalized = normalize_code(code);
    const bool facilitates = access && access->may_open(normalized);
    asio::post(self->stream_.get_executor(), [self, req, client, normalized, code, facilitates]() mutable {
      self->open_websocket(std::move(req), client, normalized, code, facilitates);
    });
  });
}

void http_session::open_websocket(http_request req, const client_info& client, const std::string& normalized,
                                  const std::string& code, bool signed_in_facilitator) {
  auto host = ctx_.http.registry.find(normalized);
  if (!host) {
    // Answered in the protocol the page speaks, so that it can say so and stop retrying. (A
    // workshop that closed since this server started is still served: its dashboard shows the end.)
    const bool closed = ctx_.http.registry.known(normalized);
    spdlog::info("WebSocket to {} workshop '{}' answered with its error (client={})", closed ? "closed" : "no",
                 loggable(code), client.address);
    if (closed)
      return refuse_websocket(std::move(stream_), std::move(req), v1::ERROR_CODE_WORKSHOP_CLOSED,
                              "This workshop has ended. Thank you for taking part; the facilitator's report keeps "
                              "its feedback.",
                              client.address);
    return refuse_websocket(std::move(stream_), std::move(req), v1::ERROR_CODE_NO_SUCH_WORKSHOP,
                            "No open workshop '" + code + "' on this server; check the code you were given, or ask "
                            "your facilitator for the link.",
                            client.address);
  }
  auto session = std::make_shared<websocket_session>(std::move(stream_), std::move(host), ctx_.http.counters,
                                                     ctx_.ws_idle_timeout, client.address);
  if (signed_in_facilitator) session->let_in_as_facilitator();
  session->run(std::move(req));
}

void http_session::send(http_response response) {
  pending_ = std::make_shared<http_response>(std::move(response));
  const bool keep_alive = pending_->keep_alive();
  stream_.expires_after(read_timeout);
  http::async_write(stream_, *pending_, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t n) {
    self->on_write(keep_alive, ec, n);
  });
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec) return fail(ec, "write");
  pending_.reset();
  if (!keep_alive) return do_close();
  do_read();
}

void http_session::do_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

void http_session::fail(beast::error_code ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == beast::error::timeout || ec == asio::error::eof ||
      ec == asio::error::connection_reset)
    return;
  spdlog::info("http {}: {}", what, ec.message());
}

}  // namespace dyad::net
