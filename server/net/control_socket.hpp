#pragma once

// The running server's door for its administrator: a Unix socket in the data folder (mode 0600,
// so only the user that owns the data, or root, can use it), through which `dyad-server
// workshops facilitator-link` reaches the workshop in memory instead of writing behind its back.

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <filesystem>
#include <functional>
#include <memory>

#include "core/result.hpp"
#include "net/public_url.hpp"

namespace dyad::net {

class store_worker;
class workshop_registry;

/// One request line per connection, one answer line: "facilitator-link CODE" is answered
/// "ok FACILITATOR_URL" or "error SENTENCE"; "admin-token-reset" is answered "ok TOKEN" (the old
/// token stops working at once) or "error SENTENCE". Lines longer than 256 bytes are refused.
class control_socket : public std::enable_shared_from_this<control_socket> {
public:
  /// Binds `path` (an old socket file left by a killed server is replaced). Throws
  /// std::runtime_error when it cannot.
  /// Makes, stores and puts in force a new admin token, answering it; run on the store's thread.
  using token_maker = std::function<core::result<std::string>()>;

  control_socket(boost::asio::io_context& ioc, std::filesystem::path path, workshop_registry& registry,
                 store_worker& store, const public_links& links, token_maker new_admin_token);
  ~control_socket();
  void run();
  void stop();

  /// The socket of the server running on a data folder.
  static std::filesystem::path path_in(const std::filesystem::path& data_dir) { return data_dir / "control.sock"; }

private:
  void do_accept();

  boost::asio::io_context& ioc_;
  std::filesystem::path path_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  workshop_registry& registry_;
  store_worker& store_;
  const public_links& links_;
  token_maker new_admin_token_;
};

}  // namespace dyad::net
