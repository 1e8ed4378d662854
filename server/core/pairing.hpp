#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/pairing_group.hpp"
#include "core/pairing_history.hpp"
#include "core/result.hpp"

namespace dyad::core {

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
  /// Everyone on the roster, present or not. The round-robin runs over them, so a round with
  /// people missing does not throw the rotation away. Empty: the people present and those seen
  /// in earlier rounds.
  std::vector<std::string> everyone = {};
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
/// among the groupings that remain, observer duty goes to those who have observed least; roles
/// rotate so that each person's therapist and client counts stay within one of each other where
/// the grouping allows. Under stable attendance, once a repeat is unavoidable anyway, balanced
/// roles come before fewer repeats. Groups of three are searched exhaustively for up to 64
/// people (within a budget of steps); above that the guarantee for triad exercises is
/// best-effort.
result<pairing_result> make_groups(const pairing_request& request, const pairing_history& history);

/// Slots a late joiner (or someone back) into a running round: with someone left alone if there
/// is one, otherwise as observer in a pair they have not met (or the pair where they repeat
/// least); never as a fourth in a group of three. When every group has three, the observer they
/// have met least leaves their group to practise with them in a new room. Returns the index of
/// the group they joined.
std::size_t slot_in(std::vector<pairing_group>& groups, const std::string& newcomer,
                    const pairing_history& history,
                    const std::vector<std::vector<std::string>>& keep_apart);

/// Takes `gone` out of the running round's groups and makes sure no one is left alone: a
/// remaining observer takes over a missing therapist or client, two people left alone pair up,
/// and a single one joins another group as observer. Groups left empty disappear.
void remove_and_regroup(std::vector<pairing_group>& groups, const std::vector<std::string>& gone,
                        const pairing_history& history,
                        const std::vector<std::vector<std::string>>& keep_apart);

}  // namespace dyad::core
