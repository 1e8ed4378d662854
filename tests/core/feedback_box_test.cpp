#include "core/feedback_box.hpp"

#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "feedback_fixtures.hpp"

namespace dyad::core {
namespace {

using namespace dyad::core::test;

// The end-of-day form cut down to the overall rating and one free-text question.
Questionnaire form() { return with_questions(end_of_day(), {"overall", "useful"}); }

// A valid response whose comment tells responses apart.
FeedbackResponse response(const std::string& comment, const std::string& option = "good") {
  return response_of({choice("overall", option), text("useful", comment)});
}

std::string message_of(const result<submit_outcome>& r) {
  return r ? std::string("accepted") : r.err().message;
}

std::vector<std::string> comments_in_order(const feedback_box& box) {
  std::vector<std::string> out;
  for (const auto& r : box.responses()) out.push_back(r.answers(1).text());
  return out;
}

TEST(FeedbackBox, AcceptsFirstSubmission) {
  feedback_box box(form(), 1);
  const auto r = box.submit("participant-7", "sub-1", response("pairs"));
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(*r, submit_outcome::accepted);
  EXPECT_EQ(box.count(), 1U);
  EXPECT_TRUE(box.has_submitted("participant-7"));
  EXPECT_FALSE(box.has_submitted("participant-8"));
}

TEST(FeedbackBox, RetryWithSameSubmissionIdIsCountedOnce) {
  feedback_box box(form(), 1);
  ASSERT_TRUE(box.submit("participant-7", "sub-1", response("pairs")));
  const auto retry = box.submit("participant-7", "sub-1", response("pairs"));
  ASSERT_TRUE(retry) << message_of(retry);
  EXPECT_EQ(*retry, submit_outcome::duplicate);
  EXPECT_EQ(box.count(), 1U);
}

TEST(FeedbackBox, SecondSubmissionIsRefusedAndChangesNothing) {
  feedback_box box(form(), 1);
  ASSERT_TRUE(box.submit("participant-7", "sub-1", response("pairs", "good")));
  ASSERT_TRUE(box.submit("participant-8", "sub-9", response("timer", "excellent")));
  const std::vector<std::string> before = comments_in_order(box);

  const auto second = box.submit("participant-7", "sub-2", response("again", "excellent"));
  ASSERT_FALSE(second) << "a second submission was accepted";
  EXPECT_EQ(second.err().code, errc::already_submitted) << second.err().message;
  EXPECT_NE(second.err().message.find("You have already sent your feedback"), std::string::npos)
      << second.err().message;
  EXPECT_EQ(box.count(), 2U);
  EXPECT_EQ(comments_in_order(box), before);

  // The first submission is still recognised as such on a late retry.
  const auto retry = box.submit("participant-7", "sub-1", response("pairs", "good"));
  ASSERT_TRUE(retry) << message_of(retry);
  EXPECT_EQ(*retry, submit_outcome::duplicate);
}

TEST(FeedbackBox, InvalidResponseIsRefusedAndNothingStored) {
  feedback_box box(form(), 1);
  const auto bad = box.submit("participant-7", "sub-1", response("pairs", "superb"));
  ASSERT_FALSE(bad) << "a response with an unknown option was accepted";
  EXPECT_EQ(bad.err().code, errc::invalid_argument) << bad.err().message;
  EXPECT_NE(bad.err().message.find("How would you rate the workshop?"), std::string::npos)
      << bad.err().message;
  EXPECT_EQ(box.count(), 0U);
  EXPECT_FALSE(box.has_submitted("participant-7"));

  // Having been refused, the participant can correct the answer and send it.
  const auto corrected = box.submit("participant-7", "sub-1", response("pairs", "good"));
  ASSERT_TRUE(corrected) << message_of(corrected);
  EXPECT_EQ(*corrected, submit_outcome::accepted);
}

TEST(FeedbackBox, EmptyIdsAreRefused) {
  feedback_box box(form(), 1);
  const auto no_participant = box.submit("", "sub-1", response("pairs"));
  ASSERT_FALSE(no_participant) << "accepted without a participant id";
  EXPECT_EQ(no_participant.err().code, errc::invalid_argument) << no_participant.err().message;
  EXPECT_NE(no_participant.err().message.find("rejoin"), std::string::npos)
      << no_participant.err().message;

  const auto no_submission = box.submit("participant-7", "", response("pairs"));
  ASSERT_FALSE(no_submission) << "accepted without a submission id";
  EXPECT_EQ(no_submission.err().code, errc::invalid_argument) << no_submission.err().message;
  EXPECT_NE(no_submission.err().message.find("submission id"), std::string::npos)
      << no_submission.err().message;
  EXPECT_EQ(box.count(), 0U);
}

TEST(FeedbackBox, StoredResponsesCarryNoParticipantId) {
  feedback_box box(form(), 1);
  const std::string ids[] = {"participant-3f9a2c", "participant-b7e104", "participant-c0d3e5"};
  for (const auto& id : ids) {
    FeedbackResponse r = response("comment");
    // A hostile page may smuggle its id into a field the schema does not know.
    r.GetReflection()->MutableUnknownFields(&r)->AddLengthDelimited(99, id);
    ASSERT_TRUE(box.submit(id, "submission-" + id, r));
  }
  for (const auto& stored : box.responses()) {
    const std::string bytes = stored.SerializeAsString();
    for (const auto& id : ids) {
      EXPECT_EQ(bytes.find(id), std::string::npos) << "stored response holds " << id;
      EXPECT_EQ(bytes.find("submission-"), std::string::npos)
          << "stored response holds a submission id";
    }
    EXPECT_EQ(stored.GetReflection()->GetUnknownFields(stored).field_count(), 0);
  }
}

TEST(FeedbackBox, StoredOrderIsUnrelatedToArrival) {
  const std::vector<std::string> arrival = {"a", "b", "c", "d", "e", "f"};
  int in_arrival_order = 0;
  std::set<std::size_t> positions_of_first;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    feedback_box box(form(), seed);
    for (std::size_t i = 0; i < arrival.size(); ++i) {
      ASSERT_TRUE(box.submit("p" + std::to_string(i), "s", response(arrival[i])));
    }
    const auto stored = comments_in_order(box);
    ASSERT_TRUE(std::is_permutation(stored.begin(), stored.end(), arrival.begin()));
    if (stored == arrival) ++in_arrival_order;
    positions_of_first.insert(static_cast<std::size_t>(
        std::find(stored.begin(), stored.end(), "a") - stored.begin()));
  }
  // One order in 720 each time: arrival order more than once in twenty seeds means no shuffle.
  EXPECT_LE(in_arrival_order, 1) << "stored order follows arrival";
  EXPECT_GE(positions_of_first.size(), 3U) << "the first arrival keeps landing in the same place";
}

TEST(FeedbackBox, SameSeedGivesSameOrder) {
  feedback_box one(form(), 42);
  feedback_box two(form(), 42);
  for (int i = 0; i < 8; ++i) {
    const std::string comment = "comment " + std::to_string(i);
    ASSERT_TRUE(one.submit("p" + std::to_string(i), "s", response(comment)));
    ASSERT_TRUE(two.submit("p" + std::to_string(i), "s", response(comment)));
  }
  EXPECT_EQ(comments_in_order(one), comments_in_order(two));
}

TEST(FeedbackBox, StoresAnswersInQuestionnaireOrder) {
  feedback_box box(form(), 1);
  const FeedbackResponse reversed =
      response_of({text("useful", "pairs"), choice("overall", "good")});
  ASSERT_TRUE(box.submit("p", "s", reversed));
  ASSERT_EQ(box.responses()[0].answers_size(), 2);
  EXPECT_EQ(box.responses()[0].answers(0).question_id(), "overall");
  EXPECT_EQ(box.responses()[0].answers(1).question_id(), "useful");
}

TEST(FeedbackBox, RestoresFromStoredState) {
  feedback_box original(form(), 5);
  ASSERT_TRUE(original.submit("participant-1", "sub-1", response("one")));
  ASSERT_TRUE(original.submit("participant-2", "sub-2", response("two")));

  // The event log holds responses and the submitted record as separate events.
  feedback_box rebuilt(form(), 5);
  for (const auto& r : original.responses()) rebuilt.restore_response(r);
  ASSERT_TRUE(rebuilt.restore_submitted("participant-1", "sub-1"));
  ASSERT_TRUE(rebuilt.restore_submitted("participant-2", "sub-2"));

  EXPECT_EQ(rebuilt.count(), 2U);
  EXPECT_TRUE(rebuilt.has_submitted("participant-1"));
  const auto retry = rebuilt.submit("participant-1", "sub-1", response("one"));
  ASSERT_TRUE(retry) << message_of(retry);
  EXPECT_EQ(*retry, submit_outcome::duplicate);
  const auto second = rebuilt.submit("participant-2", "sub-3", response("again"));
  ASSERT_FALSE(second) << "a second submission was accepted after a restore";
  EXPECT_EQ(second.err().code, errc::already_submitted) << second.err().message;
  ASSERT_TRUE(rebuilt.submit("participant-3", "sub-4", response("three")));
  EXPECT_EQ(rebuilt.count(), 3U);
}

TEST(FeedbackBox, RestoreRefusesConflictingSubmissionRecord) {
  feedback_box box(form(), 5);
  ASSERT_TRUE(box.restore_submitted("participant-1", "sub-1"));
  EXPECT_TRUE(box.restore_submitted("participant-1", "sub-1")) << "replaying an event twice";
  const status conflicting = box.restore_submitted("participant-1", "sub-2");
  ASSERT_FALSE(conflicting) << "two submission ids for one participant were recorded";
  EXPECT_EQ(conflicting.err().code, errc::invalid_argument) << conflicting.err().message;
  const status empty = box.restore_submitted("", "sub-3");
  ASSERT_FALSE(empty) << "an empty participant id was recorded";
}

}  // namespace
}  // namespace dyad::core
