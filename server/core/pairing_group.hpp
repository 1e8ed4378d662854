#pragma once

#include <string>
#include <vector>

namespace dyad::core {

/// The part a person plays in a group. Exercises name their own roles; each role has one of
/// these kinds.
enum class role_kind { therapist, client, observer };

struct group_member {
  std::string participant;
  role_kind role = role_kind::therapist;

  friend bool operator==(const group_member&, const group_member&) = default;
};

/// One breakout room's people, therapist first, then client, then observers.
struct pairing_group {
  /// As Zoom names breakout rooms: "Room 1", "Room 2", …
  std::string room;
  std::vector<group_member> members;
  /// The odd person out practises with the facilitator (plans that ask for it).
  bool with_facilitator = false;

  friend bool operator==(const pairing_group&, const pairing_group&) = default;
};

/// Orders ids the way people read them: "p2" before "p10".
bool natural_less(const std::string& a, const std::string& b);

}  // namespace dyad::core
