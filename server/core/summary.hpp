#pragma once

#include <cstdint>
#include <string>

#include "dyad/v1/feedback.pb.h"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// The plain-words summary organisers publish, e.g. "Of the eleven participants: 6 rated the
/// workshop as excellent, 5 as good. 9 would definitely recommend the workshop to a colleague,
/// 2 perhaps."
///
/// - Opening: Questionnaire.summary_opening (default "Of the {count} participants:") with
///   "{count}" replaced by the number of responses in words.
/// - Each shown choice question with a summary_phrase, in questionnaire order: its options with a
///   non-zero count in plan order, the first as "N <summary_phrase>", the rest as
///   ", N <summary_continuation>" (the label alone when the continuation is empty), ending with a
///   full stop; "{option}" is the option's summary_label, or its label in lower case. The
///   question's summary_lead, when set, comes first.
/// - Each shown scale question with a summary_phrase: "N <summary_phrase>" with "{mean}" (one
///   decimal), "{min}" and "{max}"; when the phrase itself holds "{count}" it is replaced there
///   instead of being put in front.
/// - Hidden questions, questions without a phrase and free-text questions are left out.
/// When the whole tally is hidden, a sentence saying the results are withheld and why.
/// Leads and phrases are used as written, so a phrase may start in lower case after a colon
/// ("Of the four participants: on a scale of 1 to 10, …") or with a proper noun ("CAT …"); only
/// the very first character of the whole summary is capitalised.
/// Pure function; thread-safe.
std::string summarize(const dyad::v1::Questionnaire& questionnaire,
                      const dyad::v1::Tallies& tallies);

/// Runs of a series whose own results are withheld, and so are left out of the combined tallies.
struct withheld_runs {
  /// Runs that had at least one response; runs without any leave nothing out.
  std::uint32_t runs = 0;
  std::uint32_t responses = 0;
};

/// The summary of a series' combined tallies, which count only what each run shows on its own
/// (see series_statistics()). With nothing `left_out`, exactly summarize(). Otherwise the
/// summary ends with a sentence saying how many responses of withheld runs are not counted, so
/// that "Of the ten participants" is not read as everyone who responded; and when the combined
/// tallies are hidden, the withheld sentence speaks of responses from runs whose own results are
/// shown rather than of everyone who responded. Pure function; thread-safe.
std::string summarize_series(const dyad::v1::Questionnaire& questionnaire,
                             const dyad::v1::Tallies& combined, const withheld_runs& left_out);

}  // namespace dyad::core
