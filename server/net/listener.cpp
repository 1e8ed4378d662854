// GCC 12 reports a "potential null pointer dereference" inside Asio's any_executor comparison
// once it is inlined here; the pointer cannot be null there (a false positive in system headers
// that the usual system-header suppression misses after inlining).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "net/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "net/http_session.hpp"

namespace dyad::net {

namespace asio = boost::asio;

listener::listener(asio::io_context& ioc, asio::ip::tcp::endpoint endpoint, const session_context& ctx)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), ctx_(ctx) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void listener::run() { do_accept(); }

void listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void listener::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                             asio::ip::tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void listener::on_accept(boost::system::error_code ec, asio::ip::tcp::socket socket) {
  if (ec) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;  // stopping
    spdlog::warn("accept failed: {}", ec.message());
  } else {
    std::make_shared<http_session>(std::move(socket), ctx_)->run();
  }
  do_accept();
}

}  // namespace dyad::net
