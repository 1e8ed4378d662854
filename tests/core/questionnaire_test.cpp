#include "core/questionnaire.hpp"

#include <gtest/gtest.h>

#include <string>

#include "feedback_fixtures.hpp"

namespace dyad::core {
namespace {

using namespace dyad::core::test;

// The end-of-day form as a participant meets it, with "useful" capped at ten characters so that
// the length limit can be tested.
Questionnaire form() {
  Questionnaire q = with_questions(
      end_of_day(), {"overall", "cat", "relevance_other", "pace", "useful", "anything"});
  question(q, "useful").mutable_text_answer()->set_max_length(10);
  return q;
}

FeedbackResponse response(const std::string& pb) { return parse<FeedbackResponse>(pb); }

const char* minimal = R"pb(
  answers { question_id: "overall" option_id: "good" }
  answers { question_id: "cat" option_id: "yes" }
)pb";

// The refusal message, or "" when accepted, so that a failed expectation prints it.
std::string refusal(const FeedbackResponse& r) {
  const status s = validate_response(form(), r);
  if (s) return "";
  EXPECT_EQ(s.err().code, errc::invalid_argument) << s.err().message;
  return s.err().message;
}

TEST(Questionnaire, AcceptsCompleteResponse) {
  const auto r = response(R"pb(
    answers { question_id: "overall" option_id: "excellent" }
    answers { question_id: "cat" option_id: "no" }
    answers { question_id: "relevance_other" option_id: "some" }
    answers { question_id: "pace" scale: 4 }
    answers { question_id: "useful" text: "Transcript" }
    answers { question_id: "anything" text: "Thank you." }
  )pb");
  EXPECT_EQ(refusal(r), "");
}

TEST(Questionnaire, AcceptsResponseWithoutOptionalAnswers) {
  EXPECT_EQ(refusal(response(minimal)), "");
}

TEST(Questionnaire, RejectsUnknownQuestion) {
  auto r = response(minimal);
  add_answer(r, choice("venue", "good"));
  const std::string message = refusal(r);
  EXPECT_NE(message.find("\u201cvenue\u201d"), std::string::npos) << message;
  EXPECT_NE(message.find("reload the feedback form"), std::string::npos) << message;
}

TEST(Questionnaire, RejectsAnswerWithoutQuestionId) {
  auto r = response(minimal);
  r.add_answers()->set_scale(3);
  const std::string message = refusal(r);
  EXPECT_NE(message.find("does not say which question"), std::string::npos) << message;
}

TEST(Questionnaire, RejectsSecondAnswerToSameQuestion) {
  auto r = response(minimal);
  add_answer(r, choice("overall", "poor"));
  const std::string message = refusal(r);
  EXPECT_NE(message.find("How would you rate the workshop?"), std::string::npos) << message;
  EXPECT_NE(message.find("more than once"), std::string::npos) << message;
}

TEST(Questionnaire, RejectsAnswerOfWrongKind) {
  const auto r = response(R"pb(
    answers { question_id: "overall" scale: 5 }
    answers { question_id: "cat" option_id: "yes" }
  )pb");
  const std::string message = refusal(r);
  EXPECT_NE(message.find("How would you rate the workshop?"), std::string::npos) << message;
  EXPECT_NE(message.find("wrong kind"), std::string::npos) << message;
  EXPECT_NE(message.find("\u201cExcellent\u201d"), std::string::npos) << message;

  const auto text_for_scale = response(std::string(minimal) +
                                       R"pb(answers { question_id: "pace" text: "fast" })pb");
  const std::string scale_message = refusal(text_for_scale);
  EXPECT_NE(scale_message.find("a whole number from 1 to 5"), std::string::npos)
      << scale_message;
}

TEST(Questionnaire, RejectsAnswerWithoutValue) {
  const auto r = response(std::string(minimal) + R"pb(answers { question_id: "pace" })pb");
  const std::string message = refusal(r);
  EXPECT_NE(message.find("How was the pace of the day?"), std::string::npos) << message;
  EXPECT_NE(message.find("is empty"), std::string::npos) << message;
}

TEST(Questionnaire, RejectsOptionNotOffered) {
  const auto r = response(R"pb(
    answers { question_id: "overall" option_id: "superb" }
    answers { question_id: "cat" option_id: "yes" }
  )pb");
  const std::string message = refusal(r);
  EXPECT_EQ(message,
            "\u201csuperb\u201d is not one of the options for \u201cHow would you rate the "
            "workshop?\u201d; choose \u201cExcellent\u201d, \u201cGood\u201d, \u201cFair\u201d or "
            "\u201cPoor\u201d.");
}

TEST(Questionnaire, RejectsScaleOutsideRangeAndAcceptsItsEnds) {
  for (const int value : {1, 5}) {
    auto r = response(minimal);
    add_answer(r, scale("pace", value));
    EXPECT_EQ(refusal(r), "") << "value " << value;
  }
  for (const int value : {0, 6, -3}) {
    auto r = response(minimal);
    add_answer(r, scale("pace", value));
    const std::string message = refusal(r);
    EXPECT_NE(message.find("must be a whole number from 1 to 5; " + std::to_string(value) +
                           " is outside that range"),
              std::string::npos)
        << message;
  }
}

TEST(Questionnaire, RejectsBlankText) {
  for (const char* blank : {"", "   ", "\n\t ", "\xC2\xA0 "}) {
    auto r = response(minimal);
    add_answer(r, text("anything", blank));
    const std::string message = refusal(r);
    EXPECT_NE(message.find("\u201cAnything else?\u201d is blank"), std::string::npos)
        << "text \"" << blank << "\": " << message;
  }
}

TEST(Questionnaire, RejectsTextLongerThanMaxLengthCountedInCharacters) {
  auto r = response(minimal);
  auto* a = r.add_answers();
  a->set_question_id("useful");
  a->set_text("r\xC3\xA9" "flexions");  // "réflexions": 10 characters, 11 bytes
  EXPECT_EQ(refusal(r), "");

  a->set_text("transcripts");
  const std::string message = refusal(r);
  EXPECT_NE(message.find("is 11 characters long; shorten it to at most 10 characters"),
            std::string::npos)
      << message;
}

TEST(Questionnaire, TextWithoutMaxLengthAllowsTwoThousandCharacters) {
  auto r = response(minimal);
  auto* a = r.add_answers();
  a->set_question_id("anything");
  a->set_text(std::string(2000, 'x'));
  EXPECT_EQ(refusal(r), "");
  a->set_text(std::string(2001, 'x'));
  const std::string message = refusal(r);
  EXPECT_NE(message.find("at most 2000 characters"), std::string::npos) << message;
}

TEST(Questionnaire, RejectsMissingRequiredAnswer) {
  const auto r = response(R"pb(answers { question_id: "cat" option_id: "yes" })pb");
  EXPECT_EQ(refusal(r),
            "Please answer \u201cHow would you rate the workshop?\u201d: it is required before "
            "you can send your feedback.");
}

TEST(Questionnaire, RequiresConditionalQuestionOnlyWhenAsked) {
  const auto not_cat = response(R"pb(
    answers { question_id: "overall" option_id: "good" }
    answers { question_id: "cat" option_id: "no" }
  )pb");
  const std::string message = refusal(not_cat);
  EXPECT_NE(message.find("Please answer \u201cHow relevant was the day to your non-CAT work?"),
            std::string::npos)
      << message;

  // A CAT therapist is not asked, so the required question may stay unanswered.
  EXPECT_EQ(refusal(response(minimal)), "");
}

TEST(Questionnaire, RejectsAnswerToQuestionNotAsked) {
  const auto r = response(R"pb(
    answers { question_id: "overall" option_id: "good" }
    answers { question_id: "cat" option_id: "yes" }
    answers { question_id: "relevance_other" option_id: "extremely" }
  )pb");
  EXPECT_EQ(refusal(r),
            "The question \u201cHow relevant was the day to your non-CAT work?\u201d applies only "
            "when you answer \u201cAre you a CAT therapist?\u201d with \u201cNo\u201d; remove your "
            "answer to it.");
}

TEST(Questionnaire, IsAskedFollowsCondition) {
  const Questionnaire q = form();
  const auto& overall = q.questions(0);
  const auto& conditional = q.questions(2);
  EXPECT_TRUE(is_asked(overall, FeedbackResponse{}));
  EXPECT_FALSE(is_asked(conditional, FeedbackResponse{}));
  EXPECT_FALSE(is_asked(conditional, response(minimal)));
  EXPECT_TRUE(is_asked(conditional,
                       response(R"pb(answers { question_id: "cat" option_id: "no" })pb")));
}

}  // namespace
}  // namespace dyad::core
