#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "dyad/v1/feedback.pb.h"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// The longest free-text answer when a TextQuestion leaves max_length at 0, in characters.
inline constexpr std::size_t default_text_max_length = 2000;

/// Whether `question` is put to a participant whose answers so far are `response`: true when it
/// has no condition, or when the response answers the condition's question with one of the
/// condition's options. Pure function; thread-safe.
bool is_asked(const dyad::v1::Question& question, const dyad::v1::FeedbackResponse& response);

/// Checks one participant's response against the questionnaire it answers: every answer names a
/// known question at most once, has the kind of value the question asks for (an offered option,
/// a whole number within the scale, non-blank text within the length limit), every asked
/// required question is answered and no question that is not asked is answered.
/// Returns errc::invalid_argument with a sentence naming the question and what to change.
/// Pure function; thread-safe.
status validate_response(const dyad::v1::Questionnaire& questionnaire,
                         const dyad::v1::FeedbackResponse& response);

/// True when `text` holds nothing but white space (ASCII white space and no-break spaces).
/// Such an answer says nothing and would show as an empty comment.
bool is_blank(std::string_view text);

/// The number of characters (Unicode code points) in UTF-8 `text`: what a participant counts,
/// unlike bytes.
std::size_t count_characters(std::string_view text);

/// How messages and summaries name a question: its text, or its id when the plan gives no text.
std::string question_name(const dyad::v1::Question& question);

}  // namespace dyad::core
