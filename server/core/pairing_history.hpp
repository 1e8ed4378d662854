#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pairing_group.hpp"

namespace dyad::core {

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
  /// How many rounds were recorded.
  std::size_t rounds() const noexcept { return rounds_; }
  /// Whether every round so far had exactly these people (and nothing changed within a round):
  /// attendance has been stable. True before any round.
  bool stable_for(const std::vector<std::string>& present) const;

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
  std::size_t rounds_ = 0;
  // The people of every round so far, sorted, while attendance has been stable.
  std::vector<std::string> stable_set_;
  bool stable_ = true;
};

}  // namespace dyad::core
