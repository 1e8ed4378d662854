#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
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
/// Not thread-safe: it belongs to its workshop and is used only on that workshop's strand.
class feedback_box {
public:
  /// `seed` fixes where each response is placed, so a rebuild from the event log with the same
  /// seed gives the same order.
  feedback_box(dyad::v1::Questionnaire questionnaire, std::uint64_t seed);

  /// Takes one participant's feedback. `submission_id` is chosen by the participant's page and
  /// reused when it resends, so a retried send returns submit_outcome::duplicate and is counted
  /// once. Refuses with errc::invalid_argument (and stores nothing) when an id is empty or the
  /// response does not fit the questionnaire, and with errc::already_submitted when the
  /// participant has already sent feedback under another submission id.
  result<submit_outcome> submit(const std::string& participant_id, const std::string& submission_id,
                                const dyad::v1::FeedbackResponse& response);

  /// The stored responses, in their arrival-independent order. The view is invalidated by the
  /// next submit or restore.
  std::span<const dyad::v1::FeedbackResponse> responses() const { return responses_; }

  /// How many responses are stored.
  std::size_t count() const { return responses_.size(); }

  /// Whether the participant has sent feedback (so the page can show "thank you" rather than the
  /// form).
  bool has_submitted(const std::string& participant_id) const;

  /// Rebuilding from the event log: puts back a response that was stored earlier, without a
  /// participant, exactly as submit would store it. It is not validated again, because a plan
  /// edited since must not lose feedback already acknowledged.
  void restore_response(const dyad::v1::FeedbackResponse& response);

  /// Rebuilding from the event log: records that `participant_id` submitted under
  /// `submission_id`, so that a retry is still recognised and a second submission still refused.
  /// errc::invalid_argument for an empty id or a participant already recorded with another id.
  status restore_submitted(const std::string& participant_id, const std::string& submission_id);

private:
  void store(dyad::v1::FeedbackResponse response);

  dyad::v1::Questionnaire questionnaire_;
  seeded_rng rng_;
  // What was submitted. No element holds anything that names who submitted it.
  std::vector<dyad::v1::FeedbackResponse> responses_;
  // Who has submitted: participant id -> submission id. Never linked to a position above.
  std::unordered_map<std::string, std::string> submitted_;
};

}  // namespace dyad::core
