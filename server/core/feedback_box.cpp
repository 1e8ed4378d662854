#include "core/feedback_box.hpp"

#include <iterator>
#include <utility>

#include "core/questionnaire.hpp"

namespace dyad::core {
namespace {

void copy_answer(const dyad::v1::Answer& answer, dyad::v1::FeedbackResponse& out) {
  dyad::v1::Answer* copy = out.add_answers();
  copy->set_question_id(answer.question_id());
  switch (answer.value_case()) {
    case dyad::v1::Answer::kOptionId:
      copy->set_option_id(answer.option_id());
      break;
    case dyad::v1::Answer::kScale:
      copy->set_scale(answer.scale());
      break;
    case dyad::v1::Answer::kText:
      copy->set_text(answer.text());
      break;
    case dyad::v1::Answer::VALUE_NOT_SET:
      break;
  }
}

// A copy that holds only the answers, field by field, in the questionnaire's order: unknown
// fields a client may have added (which could carry anything) are dropped, and the answer order,
// which could mark one client's page, is erased. Answers to questions the questionnaire lacks
// (possible only when restoring under an edited plan) follow in their own order.
dyad::v1::FeedbackResponse anonymous_copy(const dyad::v1::Questionnaire& questionnaire,
                                          const dyad::v1::FeedbackResponse& response) {
  dyad::v1::FeedbackResponse out;
  std::vector<bool> copied(static_cast<std::size_t>(response.answers_size()), false);
  for (const auto& question : questionnaire.questions()) {
    for (int i = 0; i < response.answers_size(); ++i) {
      const auto index = static_cast<std::size_t>(i);
      if (copied[index] || response.answers(i).question_id() != question.id()) continue;
      copy_answer(response.answers(i), out);
      copied[index] = true;
    }
  }
  for (int i = 0; i < response.answers_size(); ++i) {
    if (!copied[static_cast<std::size_t>(i)]) copy_answer(response.answers(i), out);
  }
  return out;
}

constexpr std::uint64_t max_response_key = (std::uint64_t{1} << 63) - 1;

}  // namespace

feedback_box::feedback_box(dyad::v1::Questionnaire questionnaire, std::uint64_t seed)
    : questionnaire_(std::move(questionnaire)), rng_(seed) {}

result<submit_outcome> feedback_box::check(const std::string& participant_id,
                                           const std::string& submission_id,
                                           const dyad::v1::FeedbackResponse& response) const {
  if (participant_id.empty()) {
    return make_error(errc::invalid_argument,
                      "Your feedback could not be matched to your place in the workshop; rejoin "
                      "with the workshop code and send it again.");
  }
  if (submission_id.empty()) {
    return make_error(errc::invalid_argument,
                      "Your feedback arrived without a submission id, so a resend could not be "
                      "told apart from a second submission; reload the page and send it again.");
  }
  if (const auto it = submitted_.find(participant_id); it != submitted_.end()) {
    if (it->second == submission_id) return submit_outcome::duplicate;
    return make_error(errc::already_submitted,
                      "You have already sent your feedback for this workshop, and each person "
                      "sends it once; thank you, there is nothing more to do.");
  }
  if (status valid = validate_response(questionnaire_, response); !valid) return valid.err();
  return submit_outcome::accepted;
}

result<submit_outcome> feedback_box::submit(const std::string& participant_id,
                                            const std::string& submission_id,
                                            const dyad::v1::FeedbackResponse& response,
                                            std::uint64_t response_key) {
  auto outcome = check(participant_id, submission_id, response);
  if (!outcome || *outcome == submit_outcome::duplicate) return outcome;
  if (response_key == 0 || response_key > max_response_key || keys_.contains(response_key)) {
    return make_error(errc::invalid_argument,
                      "Your feedback could not be filed under a fresh key; send it again.");
  }
  submitted_.emplace(participant_id, submission_id);
  add(response_key, anonymous_copy(questionnaire_, response));
  return submit_outcome::accepted;
}

bool feedback_box::has_submitted(const std::string& participant_id) const {
  return submitted_.contains(participant_id);
}

void feedback_box::restore_response(const dyad::v1::FeedbackResponse& response,
                                    std::uint64_t response_key) {
  add(response_key, anonymous_copy(questionnaire_, response));
}

status feedback_box::restore_submitted(const std::string& participant_id,
                                       const std::string& submission_id) {
  if (participant_id.empty() || submission_id.empty()) {
    return make_error(errc::invalid_argument,
                      "A stored submission record has an empty participant or submission id; the "
                      "event log is damaged, restore it from a backup.");
  }
  const auto [it, inserted] = submitted_.emplace(participant_id, submission_id);
  if (!inserted && it->second != submission_id) {
    return make_error(errc::invalid_argument,
                      "The event log records two submissions by one participant under different "
                      "ids; the event log is damaged, restore it from a backup.");
  }
  return ok();
}

std::vector<std::uint64_t> feedback_box::oldest_held(std::size_t n) const {
  std::vector<std::uint64_t> keys;
  for (std::size_t i = 0; i < held_.size() && i < n; ++i) keys.push_back(held_[i].key);
  return keys;
}

void feedback_box::release(std::span<const std::uint64_t> keys) {
  std::unordered_set<std::uint64_t> releasing(keys.begin(), keys.end());
  std::vector<held_response> still_held;
  for (auto& h : held_) {
    if (h.key != 0 && releasing.erase(h.key) > 0) put_released(std::move(h.response));
    else still_held.push_back(std::move(h));
  }
  held_ = std::move(still_held);
  released_ahead_.insert(releasing.begin(), releasing.end());
}

void feedback_box::release_all() {
  all_released_ = true;
  for (auto& h : held_) put_released(std::move(h.response));
  held_.clear();
  released_ahead_.clear();
}

void feedback_box::add(std::uint64_t key, dyad::v1::FeedbackResponse response) {
  if (key != 0) keys_.insert(key);
  if (all_released_ || (key != 0 && released_ahead_.erase(key) > 0)) put_released(std::move(response));
  else held_.push_back({key, std::move(response)});
}

void feedback_box::put_released(dyad::v1::FeedbackResponse response) {
  // Put last, then swapped with a uniformly random place (the last one included): the order
  // stays a uniformly random permutation, so position says nothing about who sent first or last,
  // and taking one costs the same however many are in.
  released_.push_back(std::move(response));
  const auto position = rng_.below(released_.size());
  std::swap(released_[position], released_.back());
}

}  // namespace dyad::core
