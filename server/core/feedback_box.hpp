#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/result.hpp"
#include "core/seeded_rng.hpp"
#include "dyad/v1/feedback.pb.h"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// What became of a submission that was not refused.
enum class submit_outcome {
  accepted,   ///< stored now and counted
  duplicate,  ///< a retry of a submission already stored: acknowledged again, counted once
};

/// The feedback of one run: anonymous responses, and apart from them the record of who has
/// submitted. Responses carry no participant, connection or time, and are kept in an order
/// unrelated to arrival (each goes in at a seeded random position), so neither their content nor
/// their position ties one to a person.
///
/// Responses are *released* into the figures in batches (see workshop::submit_feedback for the
/// rule): until then a response is held back, counted in count() but not in released(). Each
/// response is named by a random key its submission carries, so that a FeedbackReleased event
/// can say which responses it released without saying anything else about them.
///
/// Not thread-safe: it belongs to its workshop and is used only on that workshop's strand.
class feedback_box {
public:
  /// `seed` fixes where each response is placed, so a rebuild from the event log with the same
  /// seed gives the same order.
  feedback_box(dyad::v1::Questionnaire questionnaire, std::uint64_t seed);

  /// Whether submit would take this feedback, without taking it: submit_outcome::duplicate for a
  /// retry of a submission already stored, otherwise the refusals submit gives.
  result<submit_outcome> check(const std::string& participant_id, const std::string& submission_id,
                               const dyad::v1::FeedbackResponse& response) const;

  /// Takes one participant's feedback, held back until released. `submission_id` is chosen by
  /// the participant's page and reused when it resends, so a retried send returns
  /// submit_outcome::duplicate and is counted once. `response_key` names the response (1 to
  /// 2^63 - 1, drawn at random, not used before). Refuses with errc::invalid_argument (and stores
  /// nothing) when an id is empty, the key is out of range or taken, or the response does not fit
  /// the questionnaire, and with errc::already_submitted when the participant has already sent
  /// feedback under another submission id.
  result<submit_outcome> submit(const std::string& participant_id, const std::string& submission_id,
                                const dyad::v1::FeedbackResponse& response, std::uint64_t response_key);

  /// The released responses, in their arrival-independent order: the ones every figure counts.
  /// The view is invalidated by the next change.
  std::span<const dyad::v1::FeedbackResponse> released() const { return released_; }

  /// How many responses are stored, released or not.
  std::size_t count() const { return released_.size() + held_.size(); }

  /// How many are held back, not yet released.
  std::size_t held_back() const { return held_.size(); }

  /// The keys of the `n` responses held back longest (fewer if fewer are held), oldest first.
  std::vector<std::uint64_t> oldest_held(std::size_t n) const;

  /// Releases the responses named by `keys`. A key not stored yet (a rebuild restores responses
  /// after the events that release them) is remembered and releases its response when it comes.
  void release(std::span<const std::uint64_t> keys);

  /// Releases every response, now and to come (the workshop has closed).
  void release_all();

  /// Whether the participant has sent feedback (so the page can show "thank you" rather than the
  /// form).
  bool has_submitted(const std::string& participant_id) const;

  /// Rebuilding from the event log: puts back a response that was stored earlier, without a
  /// participant, under its key (0 for one stored with none, which only release_all releases).
  /// It is not validated again, because a plan edited since must not lose feedback already
  /// acknowledged.
  void restore_response(const dyad::v1::FeedbackResponse& response, std::uint64_t response_key);

  /// Rebuilding from the event log: records that `participant_id` submitted under
  /// `submission_id`, so that a retry is still recognised and a second submission still refused.
  /// errc::invalid_argument for an empty id or a participant already recorded with another id.
  status restore_submitted(const std::string& participant_id, const std::string& submission_id);

private:
  void add(std::uint64_t key, dyad::v1::FeedbackResponse response);
  void put_released(dyad::v1::FeedbackResponse response);

  struct held_response {
    std::uint64_t key = 0;
    dyad::v1::FeedbackResponse response;
  };

  dyad::v1::Questionnaire questionnaire_;
  seeded_rng rng_;
  // What was submitted. No element holds anything that names who submitted it.
  std::vector<dyad::v1::FeedbackResponse> released_;
  // Held back, oldest first (after a rebuild, in the store's random order).
  std::vector<held_response> held_;
  // Every key in use, and those released before their response was restored.
  std::unordered_set<std::uint64_t> keys_;
  std::unordered_set<std::uint64_t> released_ahead_;
  bool all_released_ = false;
  // Who has submitted: participant id -> submission id. Never linked to a position above.
  std::unordered_map<std::string, std::string> submitted_;
};

}  // namespace dyad::core
