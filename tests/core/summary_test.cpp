#include "core/summary.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/tally.hpp"
#include "feedback_fixtures.hpp"

namespace dyad::core {
namespace {

using namespace dyad::core::test;

// The end-of-day form phrased so that the summary reads as organisers publish it.
Questionnaire form() {
  return with_questions(end_of_day(), {"overall", "recommend", "cat", "relevance_other", "useful"});
}

// Eleven responses: 6 excellent and 5 good; 9 definitely and 2 perhaps; `not_cat` of them not
// CAT therapists, of whom all but the last two found the day extremely relevant.
std::vector<FeedbackResponse> eleven(std::size_t not_cat) {
  std::vector<FeedbackResponse> out(11);
  for (std::size_t i = 0; i < out.size(); ++i) {
    add_answer(out[i], choice("overall", i < 6 ? "excellent" : "good"));
    add_answer(out[i], choice("recommend", i < 9 ? "definitely" : "perhaps"));
    const bool cat = i < out.size() - not_cat;
    add_answer(out[i], choice("cat", cat ? "yes" : "no"));
    if (!cat) add_answer(out[i], choice("relevance_other", i < 9 ? "extremely" : "some"));
    add_answer(out[i], text("useful", "the transcripts"));
  }
  return out;
}

// The end-of-day form's pace question alone, rated from 1 to 10 and summarised by `phrase`.
Questionnaire pace_out_of_ten(const std::string& phrase) {
  Questionnaire q = with_questions(end_of_day(), {"pace"});
  question(q, "pace").mutable_scale()->set_max(10);
  question(q, "pace").mutable_scale()->set_summary_phrase(phrase);
  return q;
}

std::string summary_of(const Questionnaire& q, const std::vector<FeedbackResponse>& responses,
                       unsigned k = 3) {
  return summarize(q, tally(q, responses, k, 1));
}

TEST(Summary, ReproducesPublishedFigures) {
  // No one answered the relevance question, so only the two published sentences remain.
  EXPECT_EQ(summary_of(form(), eleven(0)),
            "Of the eleven participants: 6 rated the workshop as excellent, 5 as good. 9 would "
            "definitely recommend the workshop to a colleague, 2 perhaps.");
}

TEST(Summary, ConditionalQuestionOpensWithItsLead) {
  EXPECT_EQ(summary_of(form(), eleven(11)),
            "Of the eleven participants: 6 rated the workshop as excellent, 5 as good. 9 would "
            "definitely recommend the workshop to a colleague, 2 perhaps. And if you are not a "
            "CAT therapist: 9 rated the workshop as extremely relevant to their non-CAT work, 2 "
            "of some relevance.");
}

TEST(Summary, LeavesOutQuestionsHiddenBelowK) {
  // Two non-CAT therapists are too few to show: their question and its lead are left out.
  EXPECT_EQ(summary_of(form(), eleven(2)),
            "Of the eleven participants: 6 rated the workshop as excellent, 5 as good. 9 would "
            "definitely recommend the workshop to a colleague, 2 perhaps.");
}

TEST(Summary, UsesTheQuestionnairesOpening) {
  Questionnaire q = form();
  q.set_summary_opening("{count} people gave feedback.");
  EXPECT_EQ(summary_of(q, eleven(0)),
            "Eleven people gave feedback. 6 rated the workshop as excellent, 5 as good. 9 would "
            "definitely recommend the workshop to a colleague, 2 perhaps.");
}

TEST(Summary, UsesLowerCaseLabelWithoutSummaryLabel) {
  Questionnaire q = form();
  q.mutable_questions(0)->mutable_choice()->mutable_options(1)->set_summary_label("very good");
  q.mutable_questions(1)->mutable_choice()->mutable_options(0)->set_label("DEFINITELY");
  EXPECT_EQ(summary_of(q, eleven(0)),
            "Of the eleven participants: 6 rated the workshop as excellent, 5 as very good. 9 "
            "would definitely recommend the workshop to a colleague, 2 perhaps.");
}

TEST(Summary, DescribesScaleMean) {
  Questionnaire q = pace_out_of_ten("rated the pace {mean} out of {max} on average");
  auto* pace = q.mutable_questions(0);
  std::vector<FeedbackResponse> responses;
  for (const int value : {7, 8, 8, 6}) {  // mean 7.25 → 7.3
    responses.push_back(response_of({scale("pace", value)}));
  }
  EXPECT_EQ(summary_of(q, responses),
            "Of the four participants: 4 rated the pace 7.3 out of 10 on average.");

  pace->mutable_scale()->set_summary_phrase(
      "on a scale of {min} to {max}, {count} gave the pace {mean}");
  EXPECT_EQ(summary_of(q, responses),
            "Of the four participants: on a scale of 1 to 10, 4 gave the pace 7.3.");
}

// Only the summary's very first character is capitalised; a phrase after the opening's colon
// reads as written, keeping a proper noun's capital and a lower-case start alike.
TEST(Summary, CapitalisesOnlyTheFirstCharacter) {
  Questionnaire q = pace_out_of_ten("on a scale of {min} to {max}, {count} gave {mean}");
  q.set_summary_opening("of the {count} participants:");
  auto* pace = q.mutable_questions(0);
  const std::vector<FeedbackResponse> responses = copies(4, response_of({scale("pace", 7)}));
  EXPECT_EQ(summary_of(q, responses),
            "Of the four participants: on a scale of 1 to 10, 4 gave 7.0.");

  pace->mutable_scale()->set_summary_phrase("CAT therapists and others, {count} in all, gave {mean}");
  EXPECT_EQ(summary_of(q, responses),
            "Of the four participants: CAT therapists and others, 4 in all, gave 7.0.");
}

TEST(Summary, SeriesSummarySaysWhatWithheldRunsLeaveOut) {
  const Questionnaire q = form();
  const auto tallies = tally(q, eleven(0), 3, 1);
  EXPECT_EQ(summarize_series(q, tallies, {}), summarize(q, tallies))
      << "nothing left out: the run summary as it is";
  EXPECT_EQ(summarize_series(q, tallies, {1, 1}),
            summarize(q, tallies) +
                " One response from a run whose results are withheld is not counted.");
  EXPECT_EQ(summarize_series(q, tallies, {3, 5}),
            summarize(q, tallies) +
                " Five responses from three runs whose results are withheld are not counted.");

  // Hidden combined tallies must not claim that only the counted people responded.
  EXPECT_EQ(summarize_series(q, tally(q, eleven(0), 12, 1), {1, 2}),
            "Results are withheld: only eleven responses come from runs whose own results are "
            "shown, and at least twelve responses are needed so that no one's answers can be "
            "singled out. Two responses from a run whose results are withheld are not counted.");
  EXPECT_EQ(summarize_series(q, tally(q, {}, 3, 1), {2, 4}),
            "Results are withheld: no run has enough responses to show its own results, and only "
            "runs that do are combined, so that no one's answers can be singled out. Four "
            "responses from two runs whose results are withheld are not counted.");
}

TEST(Summary, SaysResultsAreWithheldBelowK) {
  const std::vector<FeedbackResponse> all = eleven(0);
  const std::vector<FeedbackResponse> two(all.begin(), all.begin() + 2);
  EXPECT_EQ(summary_of(form(), two),
            "Results are withheld: only two people have responded, and at least three responses "
            "are needed so that no one's answers can be singled out.");
  EXPECT_EQ(summary_of(form(), {}, 5),
            "Results are withheld: no one has responded yet, and at least five responses are "
            "needed so that no one's answers can be singled out.");
}

TEST(Summary, SaysHowManyRespondedWhenNothingElseCanBeSaid) {
  Questionnaire q = form();
  for (auto& question : *q.mutable_questions()) {
    if (question.has_choice()) question.mutable_choice()->clear_summary_phrase();
  }
  EXPECT_EQ(summary_of(q, eleven(0)), "Eleven participants responded.");
}

}  // namespace
}  // namespace dyad::core
