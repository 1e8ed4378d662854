#pragma once

// What each page is shown of one workshop: the snapshots a participant or the facilitator gets
// on joining, a participant's assignment, the rooms' statuses, the feedback form's state, the
// message showing now and a round's preview, as the wire carries them. Pure functions of the
// workshop as it stands: no I/O, no connections, no time but the workshop's own clock.

#include <optional>
#include <string>

#include "core/pairing.hpp"
#include "dyad/v1/wire.pb.h"

namespace dyad::core {
class workshop;
}

namespace dyad::net {

struct public_links;

/// What a participant's page starts from after a Join or Resume (without the resume token,
/// which only the answer to the request carries).
dyad::v1::ParticipantSnapshot participant_snapshot(const core::workshop& w, const std::string& participant_id);

/// What the facilitator's dashboard starts from after it attaches.
dyad::v1::FacilitatorSnapshot facilitator_snapshot(const core::workshop& w, const public_links& links);

/// A participant's assignment now, names for ids; nothing when they are in no group of the
/// current round.
std::optional<dyad::v1::Assignment> assignment_for(const core::workshop& w, const std::string& participant_id);

/// The current round's groups and what each room has said (done, asking for help and who).
dyad::v1::GroupStatuses group_statuses(const core::workshop& w);

/// The feedback form as a participant sees it: open or not, and whether they have sent theirs.
dyad::v1::FeedbackState feedback_state_for(const core::workshop& w, const std::string& participant_id);
/// The feedback form as the facilitator sees it: how many responses the figures count, and how.
dyad::v1::FeedbackState feedback_state_for_facilitator(const core::workshop& w);

/// The message showing now (an empty text: none).
dyad::v1::BroadcastMessage broadcast_now(const core::workshop& w);

/// The answer to a PreviewRound: the groups a round of `exercise` would have.
dyad::v1::RoundPreview round_preview(const dyad::v1::Exercise& exercise, const core::pairing_result& preview);

}  // namespace dyad::net
