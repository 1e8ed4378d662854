// The `dyad` command line: offline work on plans, and work with a running server.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/load_command.hpp"
#include "create_command.hpp"
#include "export_command.hpp"
#include "plan_check_command.hpp"
#include "rehearse_command.hpp"
#include "simulate_command.hpp"
#include "transcript_command.hpp"

namespace {

constexpr std::string_view usage = R"(Usage: dyad COMMAND [ARGS]

Commands:
  plan check FILE            Check a workshop plan; print a summary or every error with its line.
  plan rehearse FILE --participants N --rounds R --seed S [--exercise ID]
                [--attendance FILE] --json
                             Print the groups of R rounds as JSON: a preview of the day's rotation.
  transcript import FILE --id ID [--title TITLE] [--source TEXT] [--excerpt ID:FIRST-LAST]...
                             Turn a plain-text transcript ("Name, 12:34" then the turn) into a
                             plan's transcript block, optionally cut into excerpts.

With a server:
  create PLAN --server URL [--admin-token T]
                             Create a workshop from a plan; print its code and links.
  export CODE --server URL --token T --format csv|json|summary
                             Print a workshop's statistics.
  simulate CODE --server URL --participants N [--answers FILE] [--answer Q=OPT:W,...]
                [--seed S] [--leave-after ROUNDS]
                             Simulated participants join, follow the rounds and give feedback.
  bench --target ws://HOST:PORT|tcp://HOST:PORT --scenario hold|feedback|churn|slow
                [--participants N] [--admin-token T --plan FILE] [--server-pid PID]
                             One run of the load benchmark (deploy/bench-load.sh runs them all).

Run `dyad COMMAND --help` for the options of one command.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest2(args.size() >= 2 ? args.begin() + 2 : args.end(), args.end());
  if (args[0] == "plan" && args.size() >= 2 && args[1] == "check") return dyad::cli::plan_check(rest2);
  if (args[0] == "plan" && args.size() >= 2 && args[1] == "rehearse") return dyad::cli::plan_rehearse(rest2);
  if (args[0] == "transcript" && args.size() >= 2 && args[1] == "import") return dyad::cli::transcript_import(rest2);
  const std::vector<std::string> rest1(args.begin() + 1, args.end());
  if (args[0] == "create") return dyad::cli::create_workshop(rest1);
  if (args[0] == "export") return dyad::cli::export_statistics(rest1);
  if (args[0] == "simulate") return dyad::cli::simulate(rest1);
  if (args[0] == "bench") return dyad::cli::bench(rest1);
  std::cerr << "dyad: unknown command '" << args[0] << (args.size() >= 2 ? " " + args[1] : "")
            << "'. Run `dyad --help` for the list of commands.\n";
  return 2;
}
