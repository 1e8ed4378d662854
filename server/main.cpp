// dyad-server: read the configuration, start the server, print where it listens, serve until
// SIGINT/SIGTERM. Everything else lives in server/net.

#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>

#include "net/admin_commands.hpp"
#include "net/logging.hpp"
#include "net/server.hpp"
#include "net/server_config.hpp"

namespace {

/// The pages of an installed server, beside it (PREFIX/bin/dyad-server serves
/// PREFIX/share/dyad/web); otherwise those built in this checkout.
std::filesystem::path default_web_root() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "dyad" / "web";
    if (std::filesystem::is_regular_file(installed / "index.html", ec)) return installed;
  }
  return DYAD_DEFAULT_WEB_ROOT;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dyad::net;
  if (auto status = run_admin_command(argc, argv, std::cout, std::cerr)) return *status;
  parsed_args args;
  try {
    args = parse_args(argc, argv, default_web_root());
  } catch (const config_error& e) {
    std::cerr << "dyad-server: " << e.what() << '\n';
    return 2;
  }
  if (args.show_help) {
    std::cout << help_text();
    return 0;
  }
  setup_logging(args.config.logs);
  for (const auto& w : args.warnings) {
    std::cerr << "dyad-server: " << w << '\n';
    spdlog::warn("{}", w);
  }
  try {
    const auto bind = args.config.bind;
    server s(std::move(args.config));
    const auto links = s.open_demo_workshop();
    // Exactly this line: scripts and tests read the port from it.
    std::cout << "dyad-server listening on http://" << bind << ':' << s.port() << '\n';
    // The links last, set apart, where someone who just started it looks.
    std::cout << links << std::flush;
    return s.run();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    std::cerr << "dyad-server: " << e.what() << '\n';
    return 1;
  }
}
