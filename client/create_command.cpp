#include "create_command.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

#include "dyad_client.hpp"

namespace dyad::cli {

namespace {

constexpr std::string_view usage = R"(Usage: dyad create PLAN --server http://HOST:PORT [--admin-token TOKEN]

Creates a workshop on a Dyad server from a plan file (text format, or JSON when the file ends in
.json) and prints its code, the facilitator's link and the participants' link. Keep the
facilitator's link private: it carries the facilitator's token.

The admin token comes from --admin-token or else the DYAD_ADMIN_TOKEN environment variable.
If the server rejects the plan, every problem it names is printed on its own line.
Exit codes: 0 created, 1 refused or unreachable, 2 wrong usage.

Options:
  --server URL         The server, e.g. http://127.0.0.1:8080.
  --admin-token TOKEN  The server's admin token.
  -h, --help           Print this help.
)";

int usage_error(const std::string& what) {
  std::cerr << "dyad create: " << what << "\n\n" << usage;
  return 2;
}

}  // namespace

int create_workshop(const std::vector<std::string>& args) {
  std::string plan_path;
  std::string server;
  std::string admin_token;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--server" || arg == "--admin-token") {
      if (i + 1 >= args.size()) return usage_error(arg + " needs a value");
      (arg == "--server" ? server : admin_token) = args[++i];
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option '" + arg + "'");
    } else if (plan_path.empty()) {
      plan_path = arg;
    } else {
      return usage_error("create one workshop at a time (one plan file)");
    }
  }
  if (plan_path.empty()) return usage_error("name the plan file");
  if (server.empty()) return usage_error("say which server with --server http://HOST:PORT");
  if (admin_token.empty()) {
    if (const char* from_env = std::getenv("DYAD_ADMIN_TOKEN")) admin_token = from_env;
  }
  if (admin_token.empty()) return usage_error("give the admin token with --admin-token or DYAD_ADMIN_TOKEN");
  std::string url_error;
  const auto address = client::parse_server_url(server, &url_error);
  if (!address) return usage_error(url_error);

  std::ifstream in(plan_path, std::ios::binary);
  if (!in) {
    std::cerr << plan_path << ": cannot read the plan; check the path.\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  const bool is_json = plan_path.size() >= 5 && plan_path.ends_with(".json");

  client::client_error error;
  const auto created = client::http_api(*address).create_workshop(text.str(), is_json, admin_token, &error);
  if (!created) {
    if (error.server_code == v1::ERROR_CODE_INVALID_ARGUMENT) {
      // The server's plan errors, one per line, named after the file the user gave.
      std::cerr << plan_path << ": the server rejected the plan:\n";
      std::istringstream lines(error.message);
      for (std::string line; std::getline(lines, line);) std::cerr << "  " << line << '\n';
    } else if (error.server_code == v1::ERROR_CODE_UNAUTHORIZED) {
      std::cerr << "dyad create: the server refused the admin token (" << error.message
                << "); check --admin-token or DYAD_ADMIN_TOKEN.\n";
    } else {
      std::cerr << "dyad create: " << error.message << '\n';
    }
    return 1;
  }
  std::cout << "Workshop " << created->code() << " created.\n"
            << "Facilitator (keep private): " << created->facilitator_url() << '\n'
            << "Participants:               " << created->participant_url() << '\n';
  return 0;
}

}  // namespace dyad::cli
