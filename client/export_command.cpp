#include "export_command.hpp"

#include <iostream>
#include <string_view>

#include "dyad_client.hpp"

namespace dyad::cli {

namespace {

constexpr std::string_view usage = R"(Usage: dyad export CODE --server http://HOST:PORT --token TOKEN --format csv|json|summary [--series]

Prints the statistics of workshop CODE as the server exports them: a CSV table, the JSON of
dyad.v1.RunStatistics, or the plain-words summary. With --series, those of every run of the
series CODE belongs to, with the combined figures (dyad.v1.SeriesStatistics). Results below the
anonymity threshold are withheld by the server, not here.
Exit codes: 0 printed, 1 refused or unreachable, 2 wrong usage.

Options:
  --server URL      The server, e.g. http://127.0.0.1:8080.
  --token TOKEN     The facilitator's token (from the facilitator's link) or the admin token.
  --format FORMAT   csv, json or summary.
  --series          Every run of the workshop's series, not this run alone.
  -h, --help        Print this help.
)";

int usage_error(const std::string& what) {
  std::cerr << "dyad export: " << what << "\n\n" << usage;
  return 2;
}

}  // namespace

int export_statistics(const std::vector<std::string>& args) {
  std::string code;
  std::string server;
  std::string token;
  std::string format;
  bool series = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--series") {
      series = true;
    } else if (arg == "--server" || arg == "--token" || arg == "--format") {
      if (i + 1 >= args.size()) return usage_error(arg + " needs a value");
      (arg == "--server" ? server : arg == "--token" ? token : format) = args[++i];
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option '" + arg + "'");
    } else if (code.empty()) {
      code = arg;
    } else {
      return usage_error("export one workshop at a time");
    }
  }
  if (code.empty()) return usage_error("name the workshop's code");
  if (server.empty()) return usage_error("say which server with --server http://HOST:PORT");
  if (token.empty()) return usage_error("give the facilitator's or the admin token with --token");
  if (format != "csv" && format != "json" && format != "summary") {
    return usage_error(format.empty() ? "choose --format csv, json or summary"
                                      : "unknown format '" + format + "'; choose csv, json or summary");
  }
  std::string url_error;
  const auto address = client::parse_server_url(server, &url_error);
  if (!address) return usage_error(url_error);

  client::client_error error;
  const auto body = client::http_api(*address).export_statistics(code, format, token, &error, series);
  if (!body) {
    std::cerr << "dyad export: " << error.message << '\n';
    return 1;
  }
  std::cout << *body;
  if (!body->empty() && body->back() != '\n') std::cout << '\n';
  return 0;
}

}  // namespace dyad::cli
