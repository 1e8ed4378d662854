#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan_validator.hpp"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// How a plan is written: protobuf text format or protobuf's JSON mapping.
enum class plan_format {
  text,
  json,
};

/// A plan larger than this is refused before parsing. Real plans, transcripts included, are a
/// few hundred kilobytes; the bound keeps an uploaded file from holding the server's memory.
inline constexpr std::size_t max_plan_bytes = 8 * 1024 * 1024;

/// The format a file name implies: `.json` (any case) is the JSON mapping; anything else,
/// e.g. `.textproto`, `.txtpb` or `.plan`, is text format.
plan_format plan_format_for_path(std::string_view path);

/// What loading a plan gave: the plan when it parsed and passed validation, otherwise every
/// problem found.
struct plan_load_result {
  /// Present only when `diagnostics` is empty.
  std::optional<dyad::v1::Plan> plan;
  std::vector<diagnostic> diagnostics;
  /// The plan as parsed, problems and all: absent only when it did not parse (a syntax error,
  /// an empty or oversized text). What the editor's text view hands back to the form.
  std::optional<dyad::v1::Plan> parsed;

  /// True when the plan loaded.
  bool ok() const noexcept { return plan.has_value(); }
};

/// Parses and validates a plan held in memory. `file_name` is only used to name the source in
/// diagnostics. A syntax error stops parsing (the parsers do not recover), so it comes alone; a
/// plan that parses is validated and gets every problem reported. For text format each
/// diagnostic carries the line and column; for JSON, a syntax error's line is recovered from the
/// parser's message when it allows, and validation diagnostics name the field path only.
/// Keeps no state: safe to call from several threads at once.
plan_load_result parse_plan(std::string_view text, std::string_view file_name, plan_format format);

/// `message` in protobuf's text format, indented `indent` levels, with strings as people write
/// them: only what the format requires is escaped (protobuf's own printer turns every "don't"
/// into "don\'t" and every letter outside ASCII into octal, noise in a file people edit by hand).
/// What the plan library exports; it parses back to the same message.
std::string readable_text(const google::protobuf::Message& message, int indent = 0);

/// Reads, parses and validates the plan file at `path`, choosing the format from its extension
/// (see `plan_format_for_path`). A file that cannot be read gives one diagnostic saying why.
plan_load_result load_plan_file(const std::string& path);

}  // namespace dyad::core
