#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dyad/v1/feedback.pb.h"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// What the statistics say about a run besides its plan and responses.
struct run_info {
  std::string workshop_code;
  /// The run's day, "YYYY-MM-DD"; runs of a series are ordered by it.
  std::string date;
  /// How many took part (joined), which may exceed the number who gave feedback.
  std::uint32_t participants = 0;
};

/// One run of a series, as the organiser's statistics read it back from the store.
struct series_run {
  dyad::v1::Plan plan;
  run_info info;
  std::vector<dyad::v1::FeedbackResponse> responses;
  /// Fixes the order of this run's comments; the same seed gives the same report.
  std::uint64_t seed = 0;
};

/// Statistics of one run: its tallies under the plan's anonymity threshold (3 when unset) and
/// the plain-words summary. `seed` fixes the order of comments. Pure function; thread-safe.
dyad::v1::RunStatistics run_statistics(const dyad::v1::Plan& plan, const run_info& info,
                                       std::span<const dyad::v1::FeedbackResponse> responses,
                                       std::uint64_t seed);

/// Statistics of every run of a series: each run's statistics in date order (ties by workshop
/// code), and the tallies and summary of all responses together.
///
/// Questions are matched by id across runs. The newest run's plan supplies texts, options,
/// phrasing and the summary opening; options an older plan offered and the newest dropped are
/// still counted, under their id and with their last label; questions the newest plan dropped
/// are still tallied (after the newest plan's questions) but left out of the combined summary,
/// which speaks for the current questionnaire. A scale's range widens to cover every run's
/// range. An answer whose kind differs from the newest plan's question is not counted.
/// The combined tallies use the largest threshold of any run, so combining never shows what a
/// run's own rule would protect less. Pure function; thread-safe.
dyad::v1::SeriesStatistics series_statistics(std::string series, std::span<const series_run> runs);

/// The questionnaire that combined statistics count against, built as series_statistics
/// describes from plans given oldest first. Exposed for exports that list combined responses.
dyad::v1::Questionnaire combined_questionnaire(
    std::span<const dyad::v1::Questionnaire* const> oldest_first);

}  // namespace dyad::core
