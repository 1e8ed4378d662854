// dyad-server: read the configuration, start the server, print where it listens, serve until
// SIGINT/SIGTERM. Everything else lives in server/net.

#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "net/logging.hpp"
#include "net/server.hpp"
#include "net/server_config.hpp"

int main(int argc, char** argv) {
  using namespace dyad::net;
  parsed_args args;
  try {
    args = parse_args(argc, argv, DYAD_DEFAULT_WEB_ROOT);
  } catch (const config_error& e) {
    std::cerr << "dyad-server: " << e.what() << '\n';
    return 2;
  }
  if (args.show_help) {
    std::cout << help_text();
    return 0;
  }
  setup_logging(args.config.logs);
  try {
    const auto bind = args.config.bind;
    server s(std::move(args.config));
    std::cout << s.open_demo_workshop();
    // Exactly this line: scripts and tests read the port from it.
    std::cout << "dyad-server listening on http://" << bind << ':' << s.port() << std::endl;
    return s.run();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    std::cerr << "dyad-server: " << e.what() << '\n';
    return 1;
  }
}
