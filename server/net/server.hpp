#pragma once

// The application: configuration in, a running server out. main() builds one and runs it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "net/server_config.hpp"

namespace dyad::net {

/// Opens the store, restores open workshops, binds the port; `run` serves until SIGINT or
/// SIGTERM and then stops gracefully. Construction throws on any start-up failure, with a
/// sentence saying what to fix.
class server {
public:
  explicit server(server_config config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The port actually bound (useful with --port 0).
  std::uint16_t port() const noexcept;
  /// "http://HOST:PORT" as links show it.
  const std::string& base_url() const noexcept;
  /// Creates the demo workshop when asked and none of its series is open; returns the lines
  /// to print (empty when nothing was created).
  std::string open_demo_workshop();
  /// Serves until a stop signal; returns the process's exit status.
  int run();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dyad::net
