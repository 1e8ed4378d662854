#include "transcript_command.hpp"



#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>

#include "core/plan_loader.hpp"
#include "core/transcript_import.hpp"

namespace dyad::cli {
namespace {

constexpr std::string_view usage = R"(Usage: dyad transcript import FILE --id ID [--title TITLE] [--source TEXT]
                              [--excerpt ID:FIRST-LAST[:TITLE]]...

Reads a plain-text transcript and prints it as a plan's `transcripts { ... }` block in protobuf
text format, ready to paste into a plan.

Each turn starts with a line naming the speaker, optionally with the time into the recording
("Alice, 2:53", "Alice 2:53", "Alice, 1:02:03" or just "Alice"), followed by the turn's
paragraphs, separated by blank lines. Text before the first speaker line is a preamble, not a
turn; its first line becomes the title unless --title is given.

Options:
  --id ID            The transcript's id in the plan, e.g. withdrawal-session (required).
  --title TITLE      Shown above the excerpt.
  --source TEXT      Where the transcript comes from and with what consent.
  --excerpt ID:FIRST-LAST[:TITLE]
                     Add an excerpt of turns FIRST to LAST (numbered from 1, inclusive) for
                     exercises to refer to, e.g. --excerpt withdrawal-rupture:3-9. Repeatable.
  -h, --help         Show this help.

Prints the block on standard output and the speakers found on standard error.
Exit status: 0 printed; 1 the file cannot be read or imported, or a range does not fit it;
2 wrong usage.
)";

constexpr std::string_view command_name = "dyad transcript import";

struct excerpt_request {
  std::string id;
  std::string title;
  unsigned first_turn = 0;
  unsigned last_turn = 0;
};

struct arguments {
  std::string file;
  core::transcript_import_options options;
  std::vector<excerpt_request> excerpts;
  bool help = false;
};

int usage_error(const std::string& message) {
  std::cerr << command_name << ": " << message << "\nRun `" << command_name
            << " --help` for the options.\n";
  return 2;
}

int input_error(const std::string& message) {
  std::cerr << command_name << ": " << message << '\n';
  return 1;
}

std::optional<unsigned> parse_turn_number(std::string_view s) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

// "ID:FIRST-LAST" with an optional ":TITLE"; the title may itself hold colons.
std::optional<excerpt_request> parse_excerpt(std::string_view spec) {
  const std::size_t id_end = spec.find(':');
  if (id_end == std::string_view::npos || id_end == 0) return std::nullopt;
  excerpt_request request;
  request.id = std::string(spec.substr(0, id_end));
  std::string_view range = spec.substr(id_end + 1);
  if (const std::size_t title_start = range.find(':'); title_start != std::string_view::npos) {
    request.title = std::string(range.substr(title_start + 1));
    range = range.substr(0, title_start);
  }
  const std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto first = parse_turn_number(range.substr(0, dash));
  const auto last = parse_turn_number(range.substr(dash + 1));
  if (!first || !last) return std::nullopt;
  request.first_turn = *first;
  request.last_turn = *last;
  return request;
}

// Accepts "--name VALUE" and "--name=VALUE". Returns the error exit code, or nothing on success.
std::optional<int> parse_arguments(const std::vector<std::string>& args, arguments& out) {
  bool have_id = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      return std::nullopt;
    }
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (!out.file.empty()) {
        return usage_error("one FILE only, but got '" + out.file + "' and '" + arg + "'.");
      }
      out.file = arg;
      continue;
    }
    std::optional<std::string> value;
    if (const std::size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    if (arg != "--id" && arg != "--title" && arg != "--source" && arg != "--excerpt") {
      return usage_error("unknown option '" + arg + "'.");
    }
    if (!value) {
      if (i + 1 == args.size()) return usage_error("option " + arg + " needs a value.");
      value = args[++i];
    }
    if (arg == "--id") {
      out.options.id = *value;
      have_id = true;
    } else if (arg == "--title") {
      out.options.title = *value;
    } else if (arg == "--source") {
      out.options.source = *value;
    } else {
      auto request = parse_excerpt(*value);
      if (!request) {
        return usage_error("--excerpt '" + *value +
                           "' is not of the form ID:FIRST-LAST (e.g. withdrawal-rupture:3-9), "
                           "optionally followed by :TITLE.");
      }
      out.excerpts.push_back(std::move(*request));
    }
  }
  if (out.file.empty()) return usage_error("give the transcript FILE to import.");
  if (!have_id || out.options.id.empty()) {
    return usage_error("give the transcript an id with --id ID, e.g. --id withdrawal-session.");
  }
  return std::nullopt;
}

std::optional<std::string> read_whole_file(const std::string& path, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "'" + path + "' is a folder; give the transcript's text file.";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "': " + std::strerror(errno) + ".";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = "cannot read '" + path + "': the read failed part way.";
    return std::nullopt;
  }
  return text.str();
}

// Which speakers the importer found, so a person can see at once whether a bare name was
// misread, without scanning the printed block.
std::string speaker_summary(const dyad::v1::Transcript& transcript) {
  std::vector<std::string> order;
  std::map<std::string, int> counts;
  for (const auto& turn : transcript.turns()) {
    if (counts[turn.speaker()]++ == 0) order.push_back(turn.speaker());
  }
  std::string out = std::to_string(transcript.turns_size()) +
                    (transcript.turns_size() == 1 ? " turn" : " turns") + " by ";
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i > 0) out += ", ";
    out += order[i] + " (" + std::to_string(counts[order[i]]) + ")";
  }
  if (transcript.excerpts_size() > 0) {
    out += "; " + std::to_string(transcript.excerpts_size()) +
           (transcript.excerpts_size() == 1 ? " excerpt" : " excerpts");
  }
  return out + ".";
}


}  // namespace

int transcript_import(const std::vector<std::string>& args) {
  arguments parsed;
  if (auto failed = parse_arguments(args, parsed)) return *failed;
  if (parsed.help) {
    std::cout << usage;
    return 0;
  }

  std::string read_error;
  const auto text = read_whole_file(parsed.file, read_error);
  if (!text) return input_error(read_error);

  auto transcript = core::import_transcript(*text, parsed.options);
  if (!transcript) return input_error(parsed.file + ": " + transcript.err().message);

  for (auto& request : parsed.excerpts) {
    auto excerpt = core::make_excerpt(*transcript, std::move(request.id), std::move(request.title),
                                      request.first_turn, request.last_turn);
    if (!excerpt) return input_error(parsed.file + ": " + excerpt.err().message);
    *transcript->add_excerpts() = std::move(*excerpt);
  }

  const auto body = core::readable_text(*transcript, 1);
  std::cout << "transcripts {\n" << body << "}\n";
  std::cerr << command_name << ": " << speaker_summary(*transcript) << '\n';
  return 0;
}

}  // namespace dyad::cli
