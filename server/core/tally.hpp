#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "dyad/v1/feedback.pb.h"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// Counts a set of responses question by question, in the questionnaire's order:
/// - every question: how many answered it;
/// - choice: each option in the plan's order with its count and its share of the question's
///   answers in percent, rounded half up to one decimal; options answered but missing from the
///   plan follow, by id, labelled with their id;
/// - scale: the mean (unrounded) and the count of each value from min to max; values outside the
///   plan's range are not counted (validated responses have none);
/// - free text: the non-blank comments, trimmed, in an order fixed by `comment_seed` and
///   unrelated to the order of `responses`.
///
/// Anonymity: a question answered by fewer than `k` responses is hidden, and a hidden question
/// carries only its id, text and `hidden`: no answered count, counts, mean or comments, since
/// each of those could single a person out. When the whole set has fewer than `k` responses,
/// every question is hidden and `hidden_reason` says why. `k` of 0 is treated as 1; a plan's k
/// comes from anonymity_threshold() in plan_validator.hpp.
/// Answers of the wrong kind for their question are ignored. Pure function; thread-safe.
dyad::v1::Tallies tally(const dyad::v1::Questionnaire& questionnaire,
                        std::span<const dyad::v1::FeedbackResponse> responses, unsigned k,
                        std::uint64_t comment_seed);

/// The sentence shown in place of results while fewer than `k` people have responded.
std::string hidden_reason(unsigned k);

}  // namespace dyad::core
