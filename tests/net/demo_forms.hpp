#pragma once

// Feedback forms for the demo plan's questionnaire, for tests and the soak that send many.

#include <cstddef>
#include <string>

#include "dyad/v1/feedback.pb.h"

namespace dyad::test {

/// A complete form (every required question of the demo plan answered), varied by `i`.
inline dyad::v1::FeedbackResponse demo_form(std::size_t i) {
  dyad::v1::FeedbackResponse r;
  auto choice = [&](const std::string& q, const std::string& o) {
    auto* a = r.add_answers();
    a->set_question_id(q);
    a->set_option_id(o);
  };
  choice("overall", i % 3 == 0 ? "good" : "excellent");
  choice("recommend", i % 4 == 0 ? "perhaps" : "definitely");
  choice("cat-therapist", i % 2 == 0 ? "yes" : "no");
  choice(i % 2 == 0 ? "relevance-cat" : "relevance-non-cat", "extremely");
  return r;
}

}  // namespace dyad::test
