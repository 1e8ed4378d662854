// GCC 12 reports a "potential null pointer dereference" inside Asio's any_executor comparison
// once it is inlined here; the pointer cannot be null there (a false positive in system headers).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "net/control_socket.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <istream>
#include <stdexcept>

#include "core/clock.hpp"
#include "net/facilitator_links.hpp"
#include "net/secrets.hpp"
#include "net/store_worker.hpp"
#include "net/workshop_host.hpp"
#include "net/workshop_registry.hpp"

namespace dyad::net {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

/// One administrator's request: read a line, answer a line, close.
class control_connection : public std::enable_shared_from_this<control_connection> {
public:
  control_connection(local::socket socket, workshop_registry& registry, store_worker& store, const public_links& links,
                     const control_socket::token_maker& new_admin_token)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        registry_(registry),
        store_(store),
        links_(links),
        new_admin_token_(new_admin_token) {}

  void run() {
    timer_.expires_after(std::chrono::seconds(10));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->socket_.close();
    });
    asio::async_read_until(socket_, buffer_, '\n', [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      if (ec) {
        self->timer_.cancel();
        return;
      }
      std::istream in(&self->buffer_);
      std::string line;
      std::getline(in, line);
      // From here the answer comes when the change is stored, however long the disk takes: a
      // connection closed meanwhile would leave the administrator without the new link.
      self->timer_.cancel();
      self->handle(line);
    });
  }

private:
  void handle(const std::string& line) {
    if (line == "admin-token-reset") {
      // On the store's thread, with the rest of the store's work.
      store_.run([self = shared_from_this()](store::event_log&) {
        auto token = self->new_admin_token_();
        self->answer(token ? "ok " + *token : "error " + token.err().message);
      });
      return;
    }
    constexpr std::string_view command = "facilitator-link ";
    if (line.size() > 256 || !line.starts_with(command))
      return answer("error Unknown request; this socket answers 'facilitator-link CODE' and 'admin-token-reset'.");
    const auto code = normalize_code(std::string_view(line).substr(command.size()));
    auto done = [self = shared_from_this(), code](core::result<std::string> token) {
      if (!token) return self->answer("error " + token.err().message);
      self->answer("ok " + self->links_.facilitator_url(code, *token));
    };
    if (auto host = registry_.find(code)) {
      host->replace_facilitator_token(std::move(done));
      return;
    }
    // Not in memory: a closed workshop, whose report the link still opens. Changed in the log.
    store_.run([done = std::move(done), code](store::event_log& log) {
      static const core::system_clock wall;
      done(replace_facilitator_token_in_log(log, code, wall));
    });
  }

  void answer(std::string text) {
    // Posted: the answer may come from a workshop's strand or the store's thread.
    asio::post(socket_.get_executor(), [self = shared_from_this(), text = std::move(text) + "\n"]() mutable {
      self->out_ = std::move(text);
      asio::async_write(self->socket_, asio::buffer(self->out_), [self](boost::system::error_code, std::size_t) {
        self->timer_.cancel();
        boost::system::error_code ignored;
        self->socket_.shutdown(local::socket::shutdown_both, ignored);
      });
    });
  }

  local::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buffer_{1024};
  std::string out_;
  workshop_registry& registry_;
  store_worker& store_;
  const public_links& links_;
  const control_socket::token_maker& new_admin_token_;
};

}  // namespace

control_socket::control_socket(asio::io_context& ioc, std::filesystem::path path, workshop_registry& registry,
                               store_worker& store, const public_links& links, token_maker new_admin_token)
    : ioc_(ioc),
      path_(std::move(path)),
      acceptor_(asio::make_strand(ioc)),
      registry_(registry),
      store_(store),
      links_(links),
      new_admin_token_(std::move(new_admin_token)) {
  // The data folder's lock is held, so a socket file here is a killed server's leftover.
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  // Owner-only before it listens: a connection before listen() is refused, so no one else
  // can reach it in between (and the process's umask, shared with other threads, is left alone).
  try {
    acceptor_.open(local::endpoint(path_.string()).protocol());
    acceptor_.bind(local::endpoint(path_.string()));
    std::filesystem::permissions(path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    acceptor_.listen();
  } catch (const std::exception& e) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    std::filesystem::remove(path_, ec);
    throw std::runtime_error("Cannot create the control socket " + path_.string() + " (" + e.what() +
                             "): use a shorter --data-dir path on a local disk.");
  }
}

control_socket::~control_socket() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void control_socket::run() { do_accept(); }

void control_socket::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void control_socket::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec, local::socket s) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
      spdlog::warn("control socket: accept failed: {}", ec.message());
    } else {
      std::make_shared<control_connection>(std::move(s), self->registry_, self->store_, self->links_,
                                           self->new_admin_token_)
          ->run();
    }
    self->do_accept();
  });
}

}  // namespace dyad::net
