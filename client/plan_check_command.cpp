#include "plan_check_command.hpp"

#include <cstddef>
#include <iostream>
#include <string_view>

#include "core/plan_loader.hpp"

namespace dyad::cli {

namespace {

constexpr std::string_view usage = R"(Usage: dyad plan check FILE

Reads a workshop plan (text format: .textproto, .txtpb, .plan; JSON mapping: .json) and checks it
the way the server will when it loads it.

On success prints one line with what the plan holds and exits 0. Otherwise prints every problem
to standard error, one per line as FILE:LINE:COLUMN: FIELD: MESSAGE, and exits 1.
Wrong usage exits 2.

Options:
  -h, --help    Print this help.
)";

std::string plural(std::size_t n, std::string_view singular, std::string_view plural_form) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural_form);
}

// The one line a facilitator reads to see that the right plan passed: its title and how much it
// holds, and the k that protects participants' anonymity.
std::string summary_line(const std::string& file, const dyad::v1::Plan& plan) {
  std::size_t excerpts = 0;
  for (const auto& transcript : plan.transcripts()) excerpts += static_cast<std::size_t>(transcript.excerpts_size());
  return file + ": OK — \"" + plan.title() + "\", " +
         plural(static_cast<std::size_t>(plan.exercises_size()), "exercise", "exercises") + ", " +
         plural(static_cast<std::size_t>(plan.transcripts_size()), "transcript", "transcripts") + " (" +
         plural(excerpts, "excerpt", "excerpts") + "), " +
         plural(static_cast<std::size_t>(plan.questionnaire().questions_size()), "question", "questions") +
         ", k = " + std::to_string(core::anonymity_threshold(plan));
}

}  // namespace

int plan_check(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
  }
  for (const auto& arg : args) {
    if (arg.size() > 1 && arg[0] == '-') {
      std::cerr << "dyad plan check: unknown option '" << arg << "'\n\n" << usage;
      return 2;
    }
    files.push_back(arg);
  }
  if (files.size() != 1) {
    std::cerr << "dyad plan check: " << (files.empty() ? "name the plan file to check" : "check one plan at a time")
              << "\n\n"
              << usage;
    return 2;
  }

  const auto& file = files.front();
  const auto result = core::load_plan_file(file);
  if (result.plan) {
    std::cout << summary_line(file, *result.plan) << '\n';
    return 0;
  }
  for (const auto& d : result.diagnostics) std::cerr << d.to_string() << '\n';
  std::cerr << file << ": " << plural(result.diagnostics.size(), "error", "errors")
            << "; the plan was not loaded\n";
  return 1;
}

}  // namespace dyad::cli
