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

// Each submission under a fresh key, as the host draws them.
std::uint64_t next_key() {
  static std::uint64_t key = 1000;
  return ++key;
}

result<submit_outcome> submit(feedback_box& box, const std::string& participant, const std::string& submission,
                              const FeedbackResponse& r) {
  return box.submit(participant, submission, r, next_key());
}

// The comments in the order the box keeps them, every response released first.
std::vector<std::string> comments_in_order(feedback_box box) {
  box.release_all();
  std::vector<std::string> out;
  for (const auto& r : box.released()) out.push_back(r.answers(1).text());
  return out;
}

std::vector<std::string> released_comments(const feedback_box& box) {
  std::vector<std::string> out;
  for (const auto& r : box.released()) out.push_back(r.answers(1).text());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FeedbackBox, AcceptsFirstSubmission) {
  feedback_box box(form(), 1);
  const auto r = submit(box, "participant-7", "sub-1", response("pairs"));
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(*r, submit_outcome::accepted);
  EXPECT_EQ(box.count(), 1U);
  EXPECT_TRUE(box.has_submitted("participant-7"));
  EXPECT_FALSE(box.has_submitted("participant-8"));
}

TEST(FeedbackBox, RetryWithSameSubmissionIdIsCountedOnce) {
  feedback_box box(form(), 1);
  ASSERT_TRUE(submit(box, "participant-7", "sub-1", response("pairs")));
  const auto retry = submit(box, "participant-7", "sub-1", response("pairs"));
  ASSERT_TRUE(retry) << message_of(retry);
  EXPECT_EQ(*retry, submit_outcome::duplicate);
  EXPECT_EQ(box.count(), 1U);
}

TEST(FeedbackBox, SecondSubmissionIsRefusedAndChangesNothing) {
  feedback_box box(form(), 1);
  ASSERT_TRUE(submit(box, "participant-7", "sub-1", response("pairs", "good")));
  ASSERT_TRUE(submit(box, "participant-8", "sub-9", response("timer", "excellent")));
  const std::vector<std::string> before = comments_in_order(box);

  const auto second = submit(box, "participant-7", "sub-2", response("again", "excellent"));
  ASSERT_FALSE(second) << "a second submission was accepted";
  EXPECT_EQ(second.err().code, errc::already_submitted) << second.err().message;
  EXPECT_NE(second.err().message.find("You have already sent your feedback"), std::string::npos)
      << second.err().message;
  EXPECT_EQ(box.count(), 2U);
  EXPECT_EQ(comments_in_order(box), before);

  // The first submission is still recognised as such on a late retry.
  const auto retry = submit(box, "participant-7", "sub-1", response("pairs", "good"));
  ASSERT_TRUE(retry) << message_of(retry);
  EXPECT_EQ(*retry, submit_outcome::duplicate);
}

TEST(FeedbackBox, InvalidResponseIsRefusedAndNothingStored) {
  feedback_box box(form(), 1);
  const auto bad = submit(box, "participant-7", "sub-1", response("pairs", "superb"));
  ASSERT_FALSE(bad) << "a response with an unknown option was accepted";
  EXPECT_EQ(bad.err().code, errc::invalid_argument) << bad.err().message;
  EXPECT_NE(bad.err().message.find("How would you rate the workshop?"), std::string::npos)
      << bad.err().message;
  EXPECT_EQ(box.count(), 0U);
  EXPECT_FALSE(box.has_submitted("participant-7"));

  // Having been refused, the participant can correct the answer and send it.
  const auto corrected = submit(box, "participant-7", "sub-1", response("pairs", "good"));
  ASSERT_TRUE(corrected) << message_of(corrected);
  EXPECT_EQ(*corrected, submit_outcome::accepted);
}

TEST(FeedbackBox, EmptyIdsAreRefused) {
  feedback_box box(form(), 1);
  const auto no_participant = submit(box, "", "sub-1", response("pairs"));
  ASSERT_FALSE(no_participant) << "accepted without a participant id";
  EXPECT_EQ(no_participant.err().code, errc::invalid_argument) << no_participant.err().message;
  EXPECT_NE(no_participant.err().message.find("rejoin"), std::string::npos)
      << no_participant.err().message;

  const auto no_submission = submit(box, "participant-7", "", response("pairs"));
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
    ASSERT_TRUE(submit(box, id, "submission-" + id, r));
  }
  box.release_all();
  for (const auto& stored : box.released()) {
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
      ASSERT_TRUE(submit(box, "p" + std::to_string(i), "s", response(arrival[i])));
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
    ASSERT_TRUE(submit(one, "p" + std::to_string(i), "s", response(comment)));
    ASSERT_TRUE(submit(two, "p" + std::to_string(i), "s", response(comment)));
  }
  EXPECT_EQ(comments_in_order(one), comments_in_order(two));
}

TEST(FeedbackBox, StoresAnswersInQuestionnaireOrder) {
  feedback_box box(form(), 1);
  const FeedbackResponse reversed =
      response_of({text("useful", "pairs"), choice("overall", "good")});
  ASSERT_TRUE(submit(box, "p", "s", reversed));
  box.release_all();
  ASSERT_EQ(box.released()[0].answers_size(), 2);
  EXPECT_EQ(box.released()[0].answers(0).question_id(), "overall");
  EXPECT_EQ(box.released()[0].answers(1).question_id(), "useful");
}

TEST(FeedbackBox, RestoresFromStoredState) {
  feedback_box original(form(), 5);
  ASSERT_TRUE(original.submit("participant-1", "sub-1", response("one"), 11));
  ASSERT_TRUE(original.submit("participant-2", "sub-2", response("two"), 12));

  // The event log holds responses and the submitted record as separate events.
  feedback_box rebuilt(form(), 5);
  rebuilt.restore_response(response("two"), 12);
  rebuilt.restore_response(response("one"), 11);
  ASSERT_TRUE(rebuilt.restore_submitted("participant-1", "sub-1"));
  ASSERT_TRUE(rebuilt.restore_submitted("participant-2", "sub-2"));

  EXPECT_EQ(rebuilt.count(), 2U);
  EXPECT_TRUE(rebuilt.has_submitted("participant-1"));
  const auto retry = submit(rebuilt, "participant-1", "sub-1", response("one"));
  ASSERT_TRUE(retry) << message_of(retry);
  EXPECT_EQ(*retry, submit_outcome::duplicate);
  const auto second = submit(rebuilt, "participant-2", "sub-3", response("again"));
  ASSERT_FALSE(second) << "a second submission was accepted after a restore";
  EXPECT_EQ(second.err().code, errc::already_submitted) << second.err().message;
  ASSERT_TRUE(submit(rebuilt, "participant-3", "sub-4", response("three")));
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

TEST(FeedbackBox, HoldsResponsesBackUntilReleasedByKey) {
  feedback_box box(form(), 3);
  ASSERT_TRUE(box.submit("p1", "s1", response("one"), 101));
  ASSERT_TRUE(box.submit("p2", "s2", response("two"), 102));
  ASSERT_TRUE(box.submit("p3", "s3", response("three"), 103));
  EXPECT_EQ(box.count(), 3U);
  EXPECT_EQ(box.held_back(), 3U);
  EXPECT_TRUE(box.released().empty()) << "a response counted before its release";
  EXPECT_EQ(box.oldest_held(2), (std::vector<std::uint64_t>{101, 102})) << "oldest first";

  const std::uint64_t first_two[] = {101, 102};
  box.release(first_two);
  EXPECT_EQ(released_comments(box), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(box.held_back(), 1U);
  EXPECT_EQ(box.oldest_held(5), (std::vector<std::uint64_t>{103}));

  box.release_all();
  EXPECT_EQ(released_comments(box), (std::vector<std::string>{"one", "three", "two"}));
  EXPECT_EQ(box.held_back(), 0U);
  // Once everything is released (the workshop closed), nothing more is held back.
  box.restore_response(response("late"), 104);
  EXPECT_EQ(box.held_back(), 0U);
  EXPECT_EQ(box.count(), 4U);
}

TEST(FeedbackBox, AReleaseReplayedBeforeItsResponsesReleasesThemWhenTheyCome) {
  // The log gives the ordinary events (the releases among them) before the restored responses.
  feedback_box box(form(), 3);
  const std::uint64_t keys[] = {7, 9};
  box.release(keys);
  box.restore_response(response("nine"), 9);
  box.restore_response(response("eight"), 8);
  box.restore_response(response("seven"), 7);
  EXPECT_EQ(released_comments(box), (std::vector<std::string>{"nine", "seven"}));
  EXPECT_EQ(box.oldest_held(3), (std::vector<std::uint64_t>{8}));
}

TEST(FeedbackBox, RefusesAKeyOutOfRangeOrTakenAndStoresNothing) {
  feedback_box box(form(), 3);
  ASSERT_TRUE(box.submit("p1", "s1", response("one"), 5));
  for (const std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{5}, std::uint64_t{1} << 63}) {
    const auto r = box.submit("p2", "s2", response("two"), bad);
    ASSERT_FALSE(r) << "key " << bad << " was taken";
    EXPECT_EQ(r.err().code, errc::invalid_argument) << r.err().message;
    EXPECT_EQ(box.count(), 1U);
    EXPECT_FALSE(box.has_submitted("p2")) << "a refused submission was recorded";
  }
  EXPECT_TRUE(box.submit("p2", "s2", response("two"), 6));
}

TEST(FeedbackBox, CheckTakesNothing) {
  feedback_box box(form(), 3);
  const auto checked = box.check("p1", "s1", response("one"));
  ASSERT_TRUE(checked) << message_of(checked);
  EXPECT_EQ(*checked, submit_outcome::accepted);
  EXPECT_EQ(box.count(), 0U);
  EXPECT_FALSE(box.has_submitted("p1"));
}

}  // namespace
}  // namespace dyad::core
