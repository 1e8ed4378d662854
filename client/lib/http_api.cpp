// The HTTP API: one short exchange per call on a private io_context, so a call never depends on
// (or blocks) a client_runtime. Asynchronous operations under the hood because only they honour
// Beast's timeouts; the caller sees a synchronous function.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <google/protobuf/util/json_util.h>

#include <chrono>

#include "dyad_client.hpp"
#include "error_json.hpp"

namespace dyad::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto exchange_timeout = std::chrono::seconds(10);
// Statistics of a long series can be large; anything beyond this is not ours.
constexpr std::uint64_t max_body_bytes = 64U * 1024U * 1024U;

struct http_outcome {
  int status = 0;  // 0: no answer; then `error` says why
  std::string body;
  std::string error;
};

http_outcome exchange(const server_address& address, http::verb verb, const std::string& target,
                      const std::string& bearer_token, const std::string& content_type, std::string body) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, address.host + ":" + std::to_string(address.port));
  request.set(http::field::user_agent, "dyad-client/0.1");
  if (!bearer_token.empty()) request.set(http::field::authorization, "Bearer " + bearer_token);
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  if (verb != http::verb::get || !body.empty()) {
    request.body() = std::move(body);
    request.prepare_payload();
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body_bytes);

  http_outcome outcome;
  const std::string where = address.host + ":" + std::to_string(address.port);
  bool done = false;
  const auto fail = [&](const std::string& what, const beast::error_code& ec) {
    outcome.error = what + " (" + ec.message() + ")";
    done = true;
  };

  stream.expires_after(exchange_timeout);
  resolver.async_resolve(address.host, std::to_string(address.port), [&](beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail("cannot resolve '" + address.host + "'; check the server's name", ec);
    stream.async_connect(results, [&](beast::error_code connect_ec, const tcp::endpoint&) {
      if (connect_ec) return fail("cannot connect to " + where + "; check that the server runs and the address is right", connect_ec);
      http::async_write(stream, request, [&](beast::error_code write_ec, std::size_t) {
        if (write_ec) return fail("sending the request to " + where + " failed", write_ec);
        http::async_read(stream, buffer, parser, [&](beast::error_code read_ec, std::size_t) {
          if (read_ec) return fail("reading the answer from " + where + " failed", read_ec);
          outcome.status = static_cast<int>(parser.get().result_int());
          outcome.body = std::move(parser.get().body());
          done = true;
          beast::error_code ignored;
          stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        });
      });
    });
  });
  // The stream's expiry covers connect, write and read; this also bounds name resolution.
  io.run_for(exchange_timeout);
  if (!done) outcome.error = "the server at " + where + " did not answer within 10 seconds";
  return outcome;
}

void report(client_error* out, client_error error) {
  if (out) *out = std::move(error);
}

client_error transport_error(const http_outcome& outcome) {
  client_error error;
  error.message = outcome.error;
  return error;
}

/// Whether the exchange reached the server and was accepted (2xx); otherwise reports why.
bool succeeded(const http_outcome& outcome, client_error* error) {
  if (outcome.status == 0) {
    report(error, transport_error(outcome));
    return false;
  }
  if (outcome.status < 200 || outcome.status >= 300) {
    report(error, detail::error_from_http(outcome.status, outcome.body));
    return false;
  }
  return true;
}

}  // namespace

http_api::http_api(server_address address) : address_(std::move(address)) {}

std::optional<dyad::v1::CreateWorkshopResponse> http_api::create_workshop(const std::string& plan_text,
                                                                           bool plan_is_json,
                                                                           const std::string& admin_token,
                                                                           client_error* error) {
  const auto outcome = exchange(address_, http::verb::post, "/api/workshops", admin_token,
                                plan_is_json ? "application/json" : "text/plain; charset=utf-8", plan_text);
  if (!succeeded(outcome, error)) return std::nullopt;
  dyad::v1::CreateWorkshopResponse created;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status = google::protobuf::util::JsonStringToMessage(outcome.body, &created, options);
  if (!status.ok() || created.code().empty()) {
    client_error bad;
    bad.http_status = outcome.status;
    bad.message = "the server created something but its answer is not a CreateWorkshopResponse (" +
                  (status.ok() ? std::string("no code in it") : std::string(status.message())) +
                  "); check that the address is a Dyad server";
    report(error, std::move(bad));
    return std::nullopt;
  }
  return created;
}

std::optional<std::string> http_api::export_statistics(const std::string& code, const std::string& format,
                                                       const std::string& token, client_error* error, bool series) {
  const auto target = "/api/workshops/" + detail::url_encode(code) + (series ? "/series-statistics" : "/statistics") +
                      "?format=" + detail::url_encode(format);
  auto outcome = exchange(address_, http::verb::get, target, token, {}, {});
  if (!succeeded(outcome, error)) return std::nullopt;
  return std::move(outcome.body);
}

std::pair<int, std::string> http_api::get(const std::string& path, const std::string& bearer_token) {
  auto outcome = exchange(address_, http::verb::get, path.empty() ? "/" : path, bearer_token, {}, {});
  if (outcome.status == 0) return {0, outcome.error};
  return {outcome.status, std::move(outcome.body)};
}

}  // namespace dyad::client
