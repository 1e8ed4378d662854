#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>

#include <memory>
#include <optional>

#include "net/http_routes.hpp"
#include "net/session_context.hpp"
#include "net/trusted_proxies.hpp"

namespace dyad::net {

/// One HTTP connection: reads requests one at a time (keep-alive), answers them through the
/// routes, or hands the socket to a websocket_session on an upgrade to /ws.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, const session_context& ctx);
  void run();

private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void upgrade(const client_info& client);
  void open_websocket(http_request req, const client_info& client, const std::string& normalized, const std::string& code,
                      bool signed_in_facilitator);
  void send(http_response response);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void do_close();
  void fail(boost::beast::error_code ec, const char* what);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  const session_context& ctx_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<http_response> pending_;
  /// The TCP peer's address, read once at accept.
  std::string peer_;
};

}  // namespace dyad::net
