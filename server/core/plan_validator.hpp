#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/text_format.h>

#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// One problem in a workshop plan, located as precisely as the plan's source allows, so that a
/// facilitator can go to the line and fix it.
struct diagnostic {
  /// The plan's file name as the user gave it; empty when the plan did not come from a file.
  std::string file;
  /// 1-based; 0 when unknown (a JSON plan's fields, a field of a plan built in memory).
  int line = 0;
  /// 1-based; 0 when unknown.
  int column = 0;
  /// The path of the field at fault, e.g. `exercises[1].roles[2].id`; empty for a syntax error.
  std::string field;
  /// What is wrong and what to do about it. One line.
  std::string message;

  /// `file:line:column: field: message`, leaving out the parts that are unknown.
  std::string to_string() const;
};

/// Where the fields of a text-format plan were read from (filled by
/// `TextFormat::Parser::WriteLocationsTo`).
using plan_locations = google::protobuf::TextFormat::ParseInfoTree;

/// Checks everything the rest of Dyad relies on and reports every problem, not just the first.
/// Each diagnostic names the field path and, when `locations` is given (text-format plans), the
/// line and column of that field, or of the nearest enclosing message for a missing field.
/// `file_name` is copied into each diagnostic. An empty result means the plan is valid.
/// Keeps no state: safe to call from several threads at once.
std::vector<diagnostic> validate_plan(const dyad::v1::Plan& plan, std::string_view file_name = {},
                                      const plan_locations* locations = nullptr);

/// k used when a plan leaves `anonymity_threshold` unset.
inline constexpr unsigned default_anonymity_threshold = 3;
/// Grace period used when a plan leaves `grace_period_seconds` at 0.
inline constexpr std::int64_t default_grace_period_ms = 90'000;

/// The plan's k: results of a group of fewer than k responses are never shown. 3 when unset.
/// A 0 (which validation rejects) also gives 3, so an unvalidated plan can never weaken anonymity.
unsigned anonymity_threshold(const dyad::v1::Plan& plan);

/// How long a disconnected participant keeps their partner before the partner is re-paired,
/// in milliseconds; 90 s when the plan says 0.
std::int64_t grace_period_ms(const dyad::v1::Plan& plan);

/// The excerpt with this id in any of the plan's transcripts, or nullptr. When `owner` is given,
/// it receives the transcript holding the excerpt (nullptr when none).
const dyad::v1::Excerpt* find_excerpt(const dyad::v1::Plan& plan, std::string_view id,
                                      const dyad::v1::Transcript** owner = nullptr);

/// The exercise with this id, or nullptr.
const dyad::v1::Exercise* find_exercise(const dyad::v1::Plan& plan, std::string_view id);

}  // namespace dyad::core
