#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "dyad/v1/events.pb.h"

namespace dyad::core {

/// The participants of one workshop and their presence, in join order.
///
/// Deterministic: the same joins, adds and presence changes in the same order give the same
/// ids, shown names and presences, so the server rebuilds it from its event log. Not
/// thread-safe: the owning workshop serialises access.
class roster {
public:
  /// Longest display name, in characters (Unicode code points) after trimming.
  static constexpr std::size_t max_name_chars = 40;
  /// Longest email address, in bytes (RFC 5321's limit on a forward path).
  static constexpr std::size_t max_email_chars = 254;

  /// One person on the roster.
  struct participant {
    /// "p1", "p2", … in join order.
    std::string id;
    /// As the person typed it, trimmed.
    std::string display_name;
    /// Unique on this roster: the display name, with " (2)", " (3)" … added for a name already
    /// taken (compared ignoring ASCII case), so that two people called Sam can be told apart.
    std::string shown_name;
    /// Empty when not given. Used only to pre-assign Zoom breakout rooms.
    std::string email;
    millis joined_at = 0;
    dyad::v1::Presence presence = dyad::v1::PRESENCE_PRESENT;
    /// When the current presence started.
    millis since = 0;
    /// Joined after the rounds started, so pairing slots them into the running round.
    bool joined_late = false;

    bool operator==(const participant&) const = default;
  };

  /// Adds a new participant, present from `now`, and returns their id. The display name is
  /// trimmed and must be 1–40 characters of valid UTF-8 with no control characters; the email
  /// may be empty, else it must look like an address (one @, a dot in the domain, ≤ 254).
  result<std::string> join(std::string display_name, std::string email, millis now);

  /// What `join` would add, without adding it: the id, the trimmed name and email. Refused alike.
  /// A workshop records the join as an event and adds it when the event applies. Costs no more
  /// with ten thousand on the roster than with ten.
  struct newcomer {
    std::string id;
    std::string display_name;
    std::string email;
  };
  result<newcomer> prepare_join(std::string display_name, std::string email) const;

  /// Adds a participant under an id already given, when rebuilding from stored events. The name
  /// and email are taken as stored (they passed `join`'s checks when first recorded, and a later
  /// tightening of those checks must not drop someone on restart); only the id is checked: not
  /// empty and not taken. Later joins get ids after the highest "pN" seen.
  status add(std::string id, std::string display_name, std::string email, millis now);

  /// Records a presence change. Setting the presence a participant already has is a no-op
  /// that keeps `since`. PRESENCE_UNSPECIFIED and unknown values are refused.
  status set_presence(std::string_view id, dyad::v1::Presence presence, millis now);

  /// Replaces every participant's names by "Participant 1", "Participant 2", … in join order
  /// (the name `erased_name` gives) and empties their e-mails: what the roster holds once the
  /// workshop's personal data is erased. Ids, presences and times stay.
  void erase_personal_data();
  /// The name a participant has after erasure: "Participant N" for the Nth to join (1-based).
  static std::string erased_name(std::size_t join_number);

  /// Marks that breakout rounds have begun: anyone joining from now on has `joined_late`.
  /// Only the first call counts.
  void mark_rounds_started(millis now);
  /// When the rounds started, if they have.
  std::optional<millis> rounds_started_at() const noexcept { return rounds_started_at_; }

  /// The participant with this id, or nullptr. The pointer is invalidated by the next join/add.
  const participant* find(std::string_view id) const;
  /// When the participant's current presence started; not_found for an unknown id.
  result<millis> since(std::string_view id) const;
  /// Whether the participant joined after the rounds started; not_found for an unknown id.
  result<bool> joined_late(std::string_view id) const;
  /// The participant's distinguishing name; not_found for an unknown id.
  result<std::string> shown_name(std::string_view id) const;

  /// Ids of everyone PRESENT (connected and not away), in join order: the people to pair.
  std::vector<std::string> present_ids() const;
  /// Ids of everyone DISCONNECTED for at least `grace_ms` at `now`, in join order: the people
  /// whose partners should be re-paired.
  std::vector<std::string> disconnected_longer_than(millis grace_ms, millis now) const;
  /// How many participants have this presence.
  std::size_t count(dyad::v1::Presence presence) const;

  /// Everyone who ever joined, in join order, including those who left.
  const std::vector<participant>& participants() const noexcept { return participants_; }
  std::size_t size() const noexcept { return participants_.size(); }

private:
  void insert(std::string id, std::string display_name, std::string email, millis now);
  std::string unique_shown_name(const std::string& display_name);
  participant* find_mutable(std::string_view id);

  std::vector<participant> participants_;
  // Position in participants_ by id.
  std::map<std::string, std::size_t, std::less<>> index_;
  std::uint64_t last_number_ = 0;
  std::optional<millis> rounds_started_at_;
  // Every shown name, case-folded, so a join checks its name in constant time.
  std::unordered_set<std::string> shown_folded_;
  // By folded display name, the suffix to try first for the next person of that name.
  std::unordered_map<std::string, std::size_t> next_suffix_;
};

}  // namespace dyad::core
