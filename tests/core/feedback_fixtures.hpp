// The end-of-day feedback form and answer builders shared by the feedback tests.
#pragma once

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dyad/v1/feedback.pb.h"
#include "dyad/v1/plan.pb.h"

namespace dyad::core::test {

/// The messages of the form and its answers, for tests that use this namespace.
using dyad::v1::Answer;
using dyad::v1::FeedbackResponse;
using dyad::v1::Question;
using dyad::v1::Questionnaire;

/// `text`, in protobuf text format, parsed into an `M`; the current test fails if it does not
/// parse.
template <typename M>
M parse(std::string_view text) {
  M message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(std::string(text), &message)) << text;
  return message;
}

/// The end-of-day feedback form, in the order it is asked:
/// - "overall": required choice excellent, good, fair, poor, summarised as "rated the workshop
///   as {option}" then "as {option}";
/// - "recommend": required choice definitely, perhaps, no, summarised as "would {option}
///   recommend the workshop to a colleague";
/// - "cat": required choice yes, no; not summarised;
/// - "relevance_other": required choice asked only when "cat" is "no": extremely, some (summary
///   label "of some relevance"), none; its part of the summary opens "And if you are not a CAT
///   therapist:";
/// - "pace": optional scale from 1 to 5, not summarised;
/// - "useful" and "anything": optional free text without a length limit.
/// A test takes the questions it asks with `with_questions` and states any change it makes.
inline Questionnaire end_of_day() {
  return parse<Questionnaire>(R"pb(
    questions {
      id: "overall" text: "How would you rate the workshop?" required: true
      choice {
        options { id: "excellent" label: "Excellent" }
        options { id: "good" label: "Good" }
        options { id: "fair" label: "Fair" }
        options { id: "poor" label: "Poor" }
        summary_phrase: "rated the workshop as {option}"
        summary_continuation: "as {option}"
      }
    }
    questions {
      id: "recommend" text: "Would you recommend the workshop to a colleague?" required: true
      choice {
        options { id: "definitely" label: "Definitely" }
        options { id: "perhaps" label: "Perhaps" }
        options { id: "no" label: "No" }
        summary_phrase: "would {option} recommend the workshop to a colleague"
      }
    }
    questions {
      id: "cat" text: "Are you a CAT therapist?" required: true
      choice {
        options { id: "yes" label: "Yes" }
        options { id: "no" label: "No" }
      }
    }
    questions {
      id: "relevance_other" text: "How relevant was the day to your non-CAT work?" required: true
      condition { question_id: "cat" option_ids: "no" }
      summary_lead: "And if you are not a CAT therapist:"
      choice {
        options { id: "extremely" label: "Extremely relevant" }
        options { id: "some" label: "Some relevance" summary_label: "of some relevance" }
        options { id: "none" label: "Not relevant" }
        summary_phrase: "rated the workshop as {option} to their non-CAT work"
        summary_continuation: "{option}"
      }
    }
    questions {
      id: "pace" text: "How was the pace of the day?"
      scale { min: 1 max: 5 }
    }
    questions {
      id: "useful" text: "What did you find most useful?"
      text_answer {}
    }
    questions {
      id: "anything" text: "Anything else?"
      text_answer {}
    }
  )pb");
}

/// `form` asking only the questions `ids`, in the order given; the current test fails for an id
/// that `form` lacks.
inline Questionnaire with_questions(const Questionnaire& form,
                                    std::initializer_list<std::string_view> ids) {
  Questionnaire out = form;
  out.clear_questions();
  for (const std::string_view id : ids) {
    bool found = false;
    for (const auto& q : form.questions()) {
      if (q.id() != id) continue;
      *out.add_questions() = q;
      found = true;
      break;
    }
    EXPECT_TRUE(found) << "the form has no question \"" << id << "\"";
  }
  return out;
}

/// The question `id` of `form`, to change it; the current test fails if there is none (and the
/// question returned is then a new one added to `form`).
inline Question& question(Questionnaire& form, std::string_view id) {
  for (auto& q : *form.mutable_questions()) {
    if (q.id() == id) return q;
  }
  ADD_FAILURE() << "the form has no question \"" << id << "\"";
  auto* added = form.add_questions();
  added->set_id(std::string(id));
  return *added;
}

/// An answer choosing `option_id` for the question `question_id`.
inline Answer choice(std::string_view question_id, std::string_view option_id) {
  Answer a;
  a.set_question_id(std::string(question_id));
  a.set_option_id(std::string(option_id));
  return a;
}

/// An answer giving `value` on the scale of the question `question_id`.
inline Answer scale(std::string_view question_id, int value) {
  Answer a;
  a.set_question_id(std::string(question_id));
  a.set_scale(value);
  return a;
}

/// An answer writing `written` for the question `question_id`.
inline Answer text(std::string_view question_id, std::string_view written) {
  Answer a;
  a.set_question_id(std::string(question_id));
  a.set_text(std::string(written));
  return a;
}

/// Adds `answer` after the answers `r` already gives.
inline void add_answer(FeedbackResponse& r, Answer answer) {
  *r.add_answers() = std::move(answer);
}

/// A response giving `answers`, in the order given.
inline FeedbackResponse response_of(std::initializer_list<Answer> answers) {
  FeedbackResponse r;
  for (const auto& a : answers) *r.add_answers() = a;
  return r;
}

/// `n` copies of the response `r`.
inline std::vector<FeedbackResponse> copies(std::size_t n, const FeedbackResponse& r) {
  return std::vector<FeedbackResponse>(n, r);
}

}  // namespace dyad::core::test
