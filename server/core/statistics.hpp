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
/// code), and the combined tallies and summary of what those runs show.
///
/// The combination counts only what each run shows on its own, so that no one can subtract a
/// run's published figures from the combined ones to recover what anonymity hides (run A with 2
/// responses hidden below k, run B with 10 shown: a combined 12 minus B's 10 would be A):
/// - a run whose tallies are hidden contributes nothing, not even to `combined.responses`;
/// - a question hidden within a shown run contributes nothing to that question's combined
///   figures (answered count, option counts, scale, comments), though the run's responses still
///   count in `combined.responses`;
/// - an answer its own run did not count (wrong kind, out of its scale's range, blank, a second
///   answer to one question) is not counted either.
/// The combined figures are therefore the sum of the runs' published figures, and may be fewer
/// than the responses given. The combined summary says how many responses of withheld runs are
/// not counted (summarize_series()), and a combined `hidden_reason` speaks of responses from runs
/// whose own results are shown. No field of SeriesStatistics marks this; this comment is where
/// the rule is stated.
///
/// Questions are matched by id across runs. The newest run's plan supplies texts, options,
/// phrasing and the summary opening; options an older plan offered and the newest dropped are
/// still counted, under their id and with their last label; questions the newest plan dropped
/// are still tallied (after the newest plan's questions) but left out of the combined summary,
/// which speaks for the current questionnaire. A scale's range widens to cover every run's
/// range. An answer whose kind differs from the newest plan's question is not counted.
/// The combined tallies use the largest threshold of any run, withheld runs included, so
/// combining never shows what a run's own rule would protect less. Pure function; thread-safe.
dyad::v1::SeriesStatistics series_statistics(std::string series, std::span<const series_run> runs);

/// The questionnaire that combined statistics count against, built as series_statistics
/// describes from plans given oldest first. Exposed for exports that list combined responses.
dyad::v1::Questionnaire combined_questionnaire(
    std::span<const dyad::v1::Questionnaire* const> oldest_first);

}  // namespace dyad::core
