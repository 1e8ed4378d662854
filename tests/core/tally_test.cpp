#include "core/tally.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "feedback_fixtures.hpp"

namespace dyad::core {
namespace {

using namespace dyad::core::test;

// The end-of-day form without the recommendation: overall, cat, relevance_other, pace, useful.
Questionnaire form() {
  return with_questions(end_of_day(), {"overall", "cat", "relevance_other", "pace", "useful"});
}

// n responses rating the workshop overall; the first `excellent` say excellent, the rest good.
std::vector<FeedbackResponse> overall_only(std::size_t n, std::size_t excellent) {
  std::vector<FeedbackResponse> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    add_answer(out[i], choice("overall", i < excellent ? "excellent" : "good"));
  }
  return out;
}

TEST(Tally, CountsOptionsInPlanOrderWithPercentages) {
  const auto t = tally(form(), overall_only(11, 6), 3, 1);
  EXPECT_EQ(t.responses(), 11U);
  EXPECT_FALSE(t.hidden()) << t.hidden_reason();
  const auto& overall = t.questions(0);
  EXPECT_EQ(overall.question_id(), "overall");
  EXPECT_EQ(overall.text(), "How would you rate the workshop?");
  EXPECT_EQ(overall.answered(), 11U);
  ASSERT_EQ(overall.options_size(), 4);
  const char* ids[] = {"excellent", "good", "fair", "poor"};
  const unsigned counts[] = {6, 5, 0, 0};
  const double percents[] = {54.5, 45.5, 0.0, 0.0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(overall.options(i).option_id(), ids[i]);
    EXPECT_EQ(overall.options(i).count(), counts[i]) << ids[i];
    EXPECT_DOUBLE_EQ(overall.options(i).percent(), percents[i]) << ids[i];
  }
  EXPECT_EQ(overall.options(0).label(), "Excellent");
}

TEST(Tally, RoundsPercentHalfUpToOneDecimal) {
  // 1 of 8 is 12.5 exactly; 1 of 3 is 33.33…; 2 of 3 is 66.66…; 1 of 16 is 6.25 → 6.3.
  EXPECT_DOUBLE_EQ(tally(form(), overall_only(8, 1), 3, 1).questions(0).options(0).percent(), 12.5);
  const auto thirds = tally(form(), overall_only(3, 1), 3, 1).questions(0);
  EXPECT_DOUBLE_EQ(thirds.options(0).percent(), 33.3);
  EXPECT_DOUBLE_EQ(thirds.options(1).percent(), 66.7);
  EXPECT_DOUBLE_EQ(tally(form(), overall_only(16, 1), 3, 1).questions(0).options(0).percent(), 6.3);
}

TEST(Tally, ScaleHasMeanAndCountPerValue) {
  std::vector<FeedbackResponse> responses(4);
  const int values[] = {5, 4, 4, 2};
  for (std::size_t i = 0; i < responses.size(); ++i) {
    add_answer(responses[i], scale("pace", values[i]));
  }
  const auto t = tally(form(), responses, 3, 1);
  const auto& pace = t.questions(3);
  ASSERT_FALSE(pace.hidden());
  EXPECT_EQ(pace.answered(), 4U);
  EXPECT_EQ(pace.scale().min(), 1);
  EXPECT_EQ(pace.scale().max(), 5);
  EXPECT_DOUBLE_EQ(pace.scale().mean(), 3.75);
  EXPECT_EQ(std::vector<unsigned>(pace.scale().counts().begin(), pace.scale().counts().end()),
            (std::vector<unsigned>{0, 1, 0, 2, 1}));
}

TEST(Tally, CommentsAreTrimmedUnattributedAndOrderedBySeed) {
  std::vector<std::string> written;
  std::vector<FeedbackResponse> responses(8);
  for (std::size_t i = 0; i < responses.size(); ++i) {
    written.push_back("comment " + std::to_string(i));
    add_answer(responses[i], text("useful", "  " + written.back() + "\n"));
  }
  // Text given to a choice question is of the wrong kind and counts for nothing.
  for (std::size_t i = 0; i < 3; ++i) add_answer(responses[i], text("cat", "yes"));

  bool some_order_differs = false;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const auto t = tally(form(), responses, 3, seed);
    const auto& useful = t.questions(4);
    EXPECT_EQ(useful.answered(), 8U);
    std::vector<std::string> shown(useful.comments().begin(), useful.comments().end());
    EXPECT_TRUE(std::is_permutation(shown.begin(), shown.end(), written.begin()))
        << "comments are not exactly the trimmed texts written";
    some_order_differs = some_order_differs || shown != written;
    const auto again = tally(form(), responses, 3, seed);
    EXPECT_EQ(std::vector<std::string>(again.questions(4).comments().begin(),
                                       again.questions(4).comments().end()),
              shown)
        << "the same seed gave another order";
  }
  EXPECT_TRUE(some_order_differs) << "comments follow the order of the responses";
  EXPECT_TRUE(tally(form(), responses, 3, 1).questions(1).hidden())
      << "answers of the wrong kind were counted";
}

TEST(Tally, EverythingHiddenWhenFewerThanKResponses) {
  std::vector<FeedbackResponse> responses = overall_only(2, 1);
  add_answer(responses[0], text("useful", "the transcripts"));
  const auto t = tally(form(), responses, 3, 1);
  EXPECT_TRUE(t.hidden());
  EXPECT_EQ(t.responses(), 2U);
  EXPECT_EQ(t.anonymity_threshold(), 3U);
  EXPECT_EQ(t.hidden_reason(),
            "Results appear once 3 people have responded, so that no one's answers can be "
            "singled out.");
  ASSERT_EQ(t.questions_size(), 5);
  for (const auto& q : t.questions()) {
    EXPECT_TRUE(q.hidden()) << q.question_id();
    EXPECT_EQ(q.answered(), 0U) << q.question_id();
    EXPECT_EQ(q.options_size(), 0) << q.question_id();
    EXPECT_EQ(q.comments_size(), 0) << q.question_id();
    EXPECT_EQ(q.scale().counts_size(), 0) << q.question_id();
  }
}

TEST(Tally, ShownOnceKHaveResponded) {
  const auto t = tally(form(), overall_only(3, 1), 3, 1);
  EXPECT_FALSE(t.hidden()) << t.hidden_reason();
  EXPECT_TRUE(t.hidden_reason().empty());
  EXPECT_FALSE(t.questions(0).hidden());
  EXPECT_EQ(t.questions(0).options(0).count(), 1U);
}

TEST(Tally, QuestionHiddenWhenFewerThanKAnswerIt) {
  std::vector<FeedbackResponse> responses = overall_only(11, 6);
  for (std::size_t i = 0; i < responses.size(); ++i) {
    add_answer(responses[i], choice("cat", i < 9 ? "yes" : "no"));
  }
  add_answer(responses[9], choice("relevance_other", "extremely"));
  add_answer(responses[10], choice("relevance_other", "some"));
  add_answer(responses[3], text("useful", "the role-play"));

  const auto t = tally(form(), responses, 3, 1);
  EXPECT_FALSE(t.hidden());
  EXPECT_FALSE(t.questions(1).hidden());
  const auto& relevance = t.questions(2);
  EXPECT_TRUE(relevance.hidden());
  EXPECT_EQ(relevance.text(), "How relevant was the day to your non-CAT work?");
  EXPECT_EQ(relevance.answered(), 0U) << "a hidden question must not say how many answered";
  EXPECT_EQ(relevance.options_size(), 0);
  EXPECT_TRUE(t.questions(4).hidden());
  EXPECT_EQ(t.questions(4).comments_size(), 0) << "a lone comment was shown";

  // With k = 2 the two answers are enough.
  const auto lower = tally(form(), responses, 2, 1);
  EXPECT_FALSE(lower.questions(2).hidden());
  EXPECT_EQ(lower.questions(2).options(0).count(), 1U);
  EXPECT_DOUBLE_EQ(lower.questions(2).options(1).percent(), 50.0);
}

TEST(Tally, OptionsMissingFromPlanAreCountedAfterPlanOptions) {
  std::vector<FeedbackResponse> responses = overall_only(3, 1);
  responses[2].mutable_answers(0)->set_option_id("outstanding");
  const auto t = tally(form(), responses, 3, 1);
  const auto& overall = t.questions(0);
  ASSERT_EQ(overall.options_size(), 5);
  EXPECT_EQ(overall.options(4).option_id(), "outstanding");
  EXPECT_EQ(overall.options(4).count(), 1U);
  EXPECT_EQ(overall.answered(), 3U);
}

}  // namespace
}  // namespace dyad::core
