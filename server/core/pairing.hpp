#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

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

/// What pairing remembers of earlier rounds: who has shared a group with whom, and how often
/// each person has played each role. Not thread-safe; owned by one workshop.
class pairing_history {
public:
  /// Counts a launched round: everyone in a group has met everyone else in it, and each
  /// person's role is counted once.
  void record(const std::vector<pairing_group>& groups);

  /// Counts what changed within a running round (a late joiner slotted in, an orphan re-paired):
  /// new meetings, and roles of people not in `before`.
  void record_change(const std::vector<pairing_group>& before,
                     const std::vector<pairing_group>& after);

  unsigned times_met(const std::string& a, const std::string& b) const;
  unsigned count(const std::string& person, role_kind role) const;
  /// therapist count minus client count.
  int balance(const std::string& person) const;
  /// The role played most recently, if any.
  const role_kind* last_role(const std::string& person) const;

private:
  struct person {
    std::vector<std::pair<std::uint32_t, unsigned>> met;  // (person index, times); short
    unsigned roles[3] = {0, 0, 0};
    unsigned with_facilitator = 0;
    bool has_last = false;
    role_kind last = role_kind::therapist;
  };
  friend class pairing_engine;

  std::uint32_t intern(const std::string& id);
  const person* find(const std::string& id) const;
  void meet(std::uint32_t a, std::uint32_t b);
  void play(std::uint32_t who, role_kind role);

  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<person> people_;
};

enum class group_shape {
  /// Therapist and client; an odd count makes one triad with an observer (or a pair with the
  /// facilitator).
  pairs,
  /// Therapist, client and observer; a remainder makes pairs.
  triads,
};

struct pairing_request {
  /// Who is present: connected and not away. Order does not matter.
  std::vector<std::string> present;
  group_shape shape = group_shape::pairs;
  /// For pairs: the odd person practises with the facilitator instead of making a triad.
  bool odd_with_facilitator = false;
  /// Each set holds people who must not share a group (e.g. colleagues from one team).
  std::vector<std::vector<std::string>> keep_apart;
  /// Groups the facilitator locked; kept exactly as they are.
  std::vector<pairing_group> locked;
  /// The workshop's seed: the same request and history give the same groups.
  std::uint64_t seed = 0;
};

struct pairing_result {
  std::vector<pairing_group> groups;
  /// Pairs of people in the same group who had met before; non-zero only when no grouping
  /// without repeats exists.
  unsigned repeated_pairs = 0;
  /// True when no grouping could honour every keep-apart set.
  bool keep_apart_relaxed = false;
};

/// Groups the people present for a new round.
///
/// Rules, in order of precedence: keep-apart sets hold (relaxed only when impossible); no one
/// meets someone they have met while a repeat-free grouping of the people present exists (for a
/// stable even group this follows a round-robin, so N people get N−1 rounds without a repeat);
/// observer duty goes to those who have observed least; roles rotate so that each person's
/// therapist and client counts stay within one of each other under stable attendance.
result<pairing_result> make_groups(const pairing_request& request, const pairing_history& history);

/// Slots a late joiner into a running round: with someone left alone if there is one, otherwise
/// as observer in a pair they have not met (or the group where they repeat least). Returns the
/// index of the group they joined.
std::size_t slot_in(std::vector<pairing_group>& groups, const std::string& newcomer,
                    const pairing_history& history,
                    const std::vector<std::vector<std::string>>& keep_apart);

/// Takes `gone` out of the running round's groups and makes sure no one is left alone: a
/// remaining observer takes over a missing therapist or client, two people left alone pair up,
/// and a single one joins another group as observer. Groups left empty disappear.
void remove_and_regroup(std::vector<pairing_group>& groups, const std::vector<std::string>& gone,
                        const pairing_history& history,
                        const std::vector<std::vector<std::string>>& keep_apart);

/// Orders ids the way people read them: "p2" before "p10".
bool natural_less(const std::string& a, const std::string& b);

}  // namespace dyad::core
