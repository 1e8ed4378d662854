#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "net/session_context.hpp"

namespace dyad::net {

/// Accepts connections and hands each to an http_session on its own strand.
class listener : public std::enable_shared_from_this<listener> {
public:
  /// Binds and listens; throws boost::system::system_error when the address is taken.
  listener(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint, const session_context& ctx);
  void run();
  /// Stops accepting (thread-safe).
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  const session_context& ctx_;
};

}  // namespace dyad::net
