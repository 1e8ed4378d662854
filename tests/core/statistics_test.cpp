#include "core/statistics.hpp"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "feedback_fixtures.hpp"

namespace dyad::core {
namespace {

using namespace dyad::core::test;
using dyad::v1::Plan;

// The plan of the first runs: the end-of-day form's two ratings and a question about the online
// room.
Plan first_plan() {
  Plan plan = parse<Plan>(R"pb(
    title: "Resolving ruptures in the therapeutic relationship"
    series: "ruptures-one-day"
  )pb");
  *plan.mutable_questionnaire() = with_questions(end_of_day(), {"overall", "recommend"});
  plan.mutable_questionnaire()->MergeFrom(parse<Questionnaire>(R"pb(
    questions {
      id: "room" text: "How well did the online room work?"
      scale { min: 1 max: 5 summary_phrase: "rated the online room {mean} out of {max}" }
    }
  )pb"));
  return plan;
}

// The newest plan: "poor" dropped, "good" reworded, the room question gone.
Plan newest_plan() {
  Plan plan = first_plan();
  plan.set_title("Understanding and resolving ruptures");
  Questionnaire& form = *plan.mutable_questionnaire();
  form = with_questions(form, {"overall", "recommend"});
  Question& overall = question(form, "overall");
  overall.set_text("How would you rate the day overall?");
  EXPECT_EQ(overall.choice().options(3).id(), "poor");
  overall.mutable_choice()->mutable_options()->RemoveLast();
  overall.mutable_choice()->mutable_options(1)->set_label("Very good");
  question(form, "recommend").set_text("Would you recommend the day to a colleague?");
  return plan;
}

FeedbackResponse answer(const std::string& overall, const std::string& recommend, int room = 0) {
  FeedbackResponse r = response_of({choice("overall", overall), choice("recommend", recommend)});
  if (room != 0) add_answer(r, scale("room", room));
  return r;
}

// The first plan with a free-text question, for the comments a combination must not leak.
Plan plan_with_comments() {
  Plan plan = first_plan();
  plan.mutable_questionnaire()->MergeFrom(with_questions(end_of_day(), {"useful"}));
  return plan;
}

FeedbackResponse with_comment(FeedbackResponse r, const std::string& comment) {
  add_answer(r, text("useful", comment));
  return r;
}

// Whether two tallies are the same, comments compared as sets: the combined comments are
// shuffled with the series' seed, a run's with its own.
::testing::AssertionResult same_tallies(const google::protobuf::Message& a,
                                        const google::protobuf::Message& b) {
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.TreatAsSet(dyad::v1::QuestionTally::descriptor()->FindFieldByName("comments"));
  differencer.ReportDifferencesToString(&difference);
  if (differencer.Compare(a, b)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << difference;
}

// The September run: 6 excellent, 5 good; 9 definitely, 2 perhaps; the room rated 4 by all.
std::vector<FeedbackResponse> september() {
  std::vector<FeedbackResponse> out;
  for (int i = 0; i < 11; ++i) {
    out.push_back(answer(i < 6 ? "excellent" : "good", i < 9 ? "definitely" : "perhaps", 4));
  }
  return out;
}

TEST(Statistics, RunCarriesTalliesAndSummary) {
  const auto responses = september();
  const auto stats = run_statistics(first_plan(), {"RUPT-0918", "2018-09-18", 12}, responses, 7);
  EXPECT_EQ(stats.workshop_code(), "RUPT-0918");
  EXPECT_EQ(stats.title(), "Resolving ruptures in the therapeutic relationship");
  EXPECT_EQ(stats.series(), "ruptures-one-day");
  EXPECT_EQ(stats.date(), "2018-09-18");
  EXPECT_EQ(stats.participants(), 12U);
  EXPECT_EQ(stats.tallies().responses(), 11U);
  EXPECT_EQ(stats.tallies().anonymity_threshold(), 3U);
  EXPECT_EQ(stats.tallies().questions(0).options(0).count(), 6U);
  EXPECT_EQ(stats.summary(),
            "Of the eleven participants: 6 rated the workshop as excellent, 5 as good. 9 would "
            "definitely recommend the workshop to a colleague, 2 perhaps. 11 rated the online "
            "room 4.0 out of 5.");
}

TEST(Statistics, RunUsesThePlansThreshold) {
  Plan plan = first_plan();
  plan.set_anonymity_threshold(5);
  const std::vector<FeedbackResponse> four = copies(4, answer("good", "definitely"));
  const auto stats = run_statistics(plan, {"RUPT-1", "2024-01-01", 4}, four, 1);
  EXPECT_TRUE(stats.tallies().hidden());
  EXPECT_EQ(stats.tallies().anonymity_threshold(), 5U);
  EXPECT_EQ(stats.summary(),
            "Results are withheld: only four people have responded, and at least five responses "
            "are needed so that no one's answers can be singled out.");
}

TEST(Statistics, SeriesCombinesThreeRuns) {
  std::vector<series_run> runs(3);
  // Given out of date order; the statistics put them in order.
  runs[0] = {newest_plan(), {"RUPT-2411", "2024-11-20", 3},
             {answer("excellent", "definitely"), answer("excellent", "perhaps")}, 3};
  runs[1] = {first_plan(), {"RUPT-1809", "2018-09-18", 12}, september(), 1};
  runs[2] = {first_plan(),
             {"RUPT-2403", "2024-03-10", 5},
             {answer("excellent", "definitely", 5), answer("excellent", "definitely", 3),
              answer("good", "definitely", 4), answer("good", "definitely"),
              answer("poor", "definitely", 2)},
             2};

  const auto stats = series_statistics("ruptures-one-day", runs);
  EXPECT_EQ(stats.series(), "ruptures-one-day");
  ASSERT_EQ(stats.runs_size(), 3);
  EXPECT_EQ(stats.runs(0).workshop_code(), "RUPT-1809");
  EXPECT_EQ(stats.runs(1).workshop_code(), "RUPT-2403");
  EXPECT_EQ(stats.runs(2).workshop_code(), "RUPT-2411");

  // The newest run alone is below k: hidden on its own, and so left out of the combined figures,
  // which would otherwise give its answers away to anyone subtracting the other two runs.
  EXPECT_TRUE(stats.runs(2).tallies().hidden());
  EXPECT_NE(stats.runs(2).summary().find("Results are withheld"), std::string::npos)
      << stats.runs(2).summary();
  EXPECT_FALSE(stats.runs(1).tallies().hidden());

  const auto& combined = stats.combined();
  EXPECT_FALSE(combined.hidden()) << combined.hidden_reason();
  EXPECT_EQ(combined.responses(), 16U) << "11 + 5; the newest run's 2 are withheld";
  ASSERT_EQ(combined.questions_size(), 3);

  const auto& overall = combined.questions(0);
  EXPECT_EQ(overall.text(), "How would you rate the day overall?")
      << "texts come from the newest plan, even when its run is withheld";
  EXPECT_EQ(overall.answered(), 16U);
  ASSERT_EQ(overall.options_size(), 4);
  EXPECT_EQ(overall.options(0).option_id(), "excellent");
  EXPECT_EQ(overall.options(0).count(), 8U);
  EXPECT_DOUBLE_EQ(overall.options(0).percent(), 50.0);
  EXPECT_EQ(overall.options(1).label(), "Very good");
  EXPECT_EQ(overall.options(1).count(), 7U);
  EXPECT_DOUBLE_EQ(overall.options(1).percent(), 43.8);
  EXPECT_EQ(overall.options(2).option_id(), "fair");
  EXPECT_EQ(overall.options(2).count(), 0U);
  // "poor" was dropped by the newest plan but its answer still counts, under its old label.
  EXPECT_EQ(overall.options(3).option_id(), "poor");
  EXPECT_EQ(overall.options(3).label(), "Poor");
  EXPECT_EQ(overall.options(3).count(), 1U);
  EXPECT_DOUBLE_EQ(overall.options(3).percent(), 6.3);

  const auto& recommend = combined.questions(1);
  EXPECT_EQ(recommend.options(0).count(), 14U);
  EXPECT_EQ(recommend.options(1).count(), 2U);

  // The room question, dropped by the newest plan, is still tallied over the runs that asked it.
  const auto& room = combined.questions(2);
  EXPECT_EQ(room.question_id(), "room");
  EXPECT_EQ(room.answered(), 15U);
  EXPECT_DOUBLE_EQ(room.scale().mean(), (11.0 * 4 + 5 + 3 + 4 + 2) / 15.0);

  EXPECT_EQ(stats.summary(),
            "Of the sixteen participants: 8 rated the workshop as excellent, 7 as very good, 1 as "
            "poor. 14 would definitely recommend the workshop to a colleague, 2 perhaps. Two "
            "responses from a run whose results are withheld are not counted.");
}

// Run A's 2 responses are hidden below k = 3, run B's 10 are shown. Were A counted, combined
// minus B would be A's answers; instead the combined figures are exactly B's.
TEST(Statistics, SeriesCombinedLeavesOutARunWhoseTalliesAreHidden) {
  const Plan plan = plan_with_comments();
  std::vector<FeedbackResponse> a_responses{
      with_comment(answer("poor", "no", 1), "Only the first of A would write this"),
      with_comment(answer("poor", "no", 2), "Only the second of A would write this")};
  std::vector<FeedbackResponse> b_responses;
  for (int i = 0; i < 10; ++i) {
    b_responses.push_back(with_comment(
        answer(i < 7 ? "excellent" : "good", i < 8 ? "definitely" : "perhaps", 3 + i % 3),
        "B comment " + std::to_string(i)));
  }
  std::vector<series_run> runs(2);
  runs[0] = {plan, {"A", "2024-01-01", 2}, a_responses, 1};
  runs[1] = {plan, {"B", "2024-02-01", 10}, b_responses, 2};

  const auto stats = series_statistics("ruptures-one-day", runs);
  ASSERT_EQ(stats.runs_size(), 2);
  ASSERT_TRUE(stats.runs(0).tallies().hidden());
  ASSERT_FALSE(stats.runs(1).tallies().hidden());
  const auto& b = stats.runs(1).tallies();
  const auto& combined = stats.combined();

  EXPECT_TRUE(same_tallies(combined, b)) << "the combined figures must be exactly B's";
  EXPECT_EQ(combined.responses(), 10U);
  EXPECT_EQ(combined.questions(0).options(3).option_id(), "poor");
  EXPECT_EQ(combined.questions(0).options(3).count(), 0U) << "only A rated the day poor";
  EXPECT_EQ(combined.questions(1).options(2).count(), 0U) << "only A would not recommend it";
  EXPECT_EQ(combined.questions(2).scale().counts(0), 0U) << "only A rated the room 1";
  for (const auto& comment : combined.questions(3).comments()) {
    EXPECT_EQ(comment.find("of A"), std::string::npos) << comment;
  }

  // The summary is B's, and says that A's responses are not in it.
  EXPECT_EQ(stats.summary(), stats.runs(1).summary() +
                                 " Two responses from a run whose results are withheld are not "
                                 "counted.");
}

// Run A is shown, but only 2 of its 10 answered the room and the comment question, so both are
// hidden within A; B's 5 room answers and 4 comments are shown. Were A's counted, the combined
// room figures minus B's would be A's two ratings, and the extra comments would be A's.
TEST(Statistics, SeriesCombinedLeavesOutAQuestionHiddenWithinItsRun) {
  const Plan plan = plan_with_comments();
  std::vector<FeedbackResponse> a_responses;
  for (int i = 0; i < 10; ++i) {
    FeedbackResponse r = answer("excellent", "definitely", i < 2 ? 1 : 0);
    if (i < 2) r = with_comment(std::move(r), "A's rare comment " + std::to_string(i));
    a_responses.push_back(std::move(r));
  }
  std::vector<FeedbackResponse> b_responses;
  const int b_rooms[] = {4, 4, 5, 5, 3};
  for (int i = 0; i < 10; ++i) {
    FeedbackResponse r = answer("good", "perhaps", i < 5 ? b_rooms[i] : 0);
    if (i < 4) r = with_comment(std::move(r), "B's comment " + std::to_string(i));
    b_responses.push_back(std::move(r));
  }
  std::vector<series_run> runs(2);
  runs[0] = {plan, {"A", "2024-01-01", 10}, a_responses, 1};
  runs[1] = {plan, {"B", "2024-02-01", 10}, b_responses, 2};

  const auto stats = series_statistics("ruptures-one-day", runs);
  const auto& a = stats.runs(0).tallies();
  const auto& b = stats.runs(1).tallies();
  ASSERT_FALSE(a.hidden());
  ASSERT_TRUE(a.questions(2).hidden()) << "A's room question: 2 answers, below k";
  ASSERT_TRUE(a.questions(3).hidden()) << "A's comments: 2, below k";
  ASSERT_FALSE(b.questions(2).hidden());
  ASSERT_FALSE(b.questions(3).hidden());

  const auto& combined = stats.combined();
  EXPECT_EQ(combined.responses(), 20U) << "both runs are shown";
  EXPECT_EQ(combined.questions(0).answered(), 20U);
  EXPECT_EQ(combined.questions(0).options(0).count(), 10U);
  EXPECT_EQ(combined.questions(0).options(1).count(), 10U);

  EXPECT_TRUE(same_tallies(combined.questions(2), b.questions(2)))
      << "the room's combined figures must be exactly B's";
  EXPECT_EQ(combined.questions(2).answered(), 5U);
  EXPECT_DOUBLE_EQ(combined.questions(2).scale().mean(), 4.2);
  EXPECT_TRUE(same_tallies(combined.questions(3), b.questions(3)))
      << "the combined comments must be exactly B's";
  for (const auto& comment : combined.questions(3).comments()) {
    EXPECT_EQ(comment.find("A's"), std::string::npos) << comment;
  }

  EXPECT_EQ(stats.summary(),
            "Of the twenty participants: 10 rated the workshop as excellent, 10 as good. 10 would "
            "definitely recommend the workshop to a colleague, 10 perhaps. 5 rated the online "
            "room 4.2 out of 5.");
}

TEST(Statistics, SeriesCombinedSetBelowKIsHidden) {
  std::vector<series_run> runs(2);
  runs[0] = {first_plan(), {"A", "2024-01-01", 1}, {answer("good", "definitely")}, 1};
  runs[1] = {first_plan(), {"B", "2024-02-01", 1}, {answer("excellent", "perhaps")}, 2};
  const auto stats = series_statistics("ruptures-one-day", runs);
  EXPECT_TRUE(stats.runs(0).tallies().hidden());
  EXPECT_TRUE(stats.runs(1).tallies().hidden());
  EXPECT_TRUE(stats.combined().hidden());
  EXPECT_EQ(stats.combined().responses(), 0U) << "withheld runs contribute nothing";
  EXPECT_EQ(stats.combined().hidden_reason(),
            "Combined results appear once 3 responses come from runs whose own results are "
            "shown, so that no one's answers can be singled out.");
  EXPECT_EQ(stats.summary(),
            "Results are withheld: no run has enough responses to show its own results, and only "
            "runs that do are combined, so that no one's answers can be singled out. Two "
            "responses from two runs whose results are withheld are not counted.");
}

TEST(Statistics, SeriesCombinedUsesTheLargestThreshold) {
  std::vector<series_run> runs(2);
  Plan strict = first_plan();
  strict.set_anonymity_threshold(6);
  const FeedbackResponse good = answer("good", "definitely");
  runs[0] = {first_plan(), {"A", "2024-01-01", 3}, copies(3, good), 1};
  runs[1] = {strict, {"B", "2024-02-01", 2}, copies(2, good), 2};
  const auto stats = series_statistics("ruptures-one-day", runs);
  EXPECT_FALSE(stats.runs(0).tallies().hidden());
  EXPECT_EQ(stats.combined().anonymity_threshold(), 6U);
  EXPECT_TRUE(stats.combined().hidden()) << "three responses shown under a plan that asks for six";
  EXPECT_EQ(stats.summary(),
            "Results are withheld: only three responses come from runs whose own results are "
            "shown, and at least six responses are needed so that no one's answers can be singled "
            "out. Two responses from a run whose results are withheld are not counted.");
}

}  // namespace
}  // namespace dyad::core
