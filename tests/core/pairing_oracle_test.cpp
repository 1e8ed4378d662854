// Pairing's promises checked against an exhaustive search over every grouping of the people
// present: a repeat only when no repeat-free grouping exists; among repeat-free groupings,
// observer duty to those who have observed least; keep-apart sets honoured whenever they can be.

#include "core/pairing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace dyad::core {
namespace {

std::string describe(const std::vector<pairing_group>& groups) {
  std::string s;
  for (const auto& g : groups) {
    for (const auto& m : g.members)
      s += " " + m.participant + "/" +
           (m.role == role_kind::therapist ? "T" : m.role == role_kind::client ? "C" : "O");
    s += ";";
  }
  return s;
}

/// How many groups of three and of two a round of `n` people makes.
struct group_counts {
  int triads = 0;
  int pairs = 0;
};

group_counts counts_for(std::size_t n, group_shape shape) {
  const int k = static_cast<int>(n);
  if (shape == group_shape::pairs) return k % 2 == 0 ? group_counts{0, k / 2} : group_counts{1, (k - 3) / 2};
  if (k % 3 == 0) return {k / 3, 0};
  if (k % 3 == 2) return {k / 3, 1};
  return k >= 4 ? group_counts{(k - 4) / 3, 2} : group_counts{0, 0};
}

/// The exhaustive search. People are 0..n-1 (n ≤ 20); `ok[i]` is the set of people i may share a
/// group with. With `duty`, triads must be able to give observer duty to the least-observed:
/// everyone who has observed less than the t-th least-observed (t = number of triads) is in a
/// triad with no other such person, and every triad holds someone at or below that level.
class grouping_oracle {
public:
  grouping_oracle(std::vector<std::uint32_t> ok, group_counts counts, std::vector<int> duty_level)
      : ok_(std::move(ok)), counts_(counts), level_(std::move(duty_level)) {}

  /// duty_level: -1 below the boundary, 0 at it, 1 above; empty: no duty constraint.
  bool exists() {
    failed_.clear();
    const std::uint32_t all = (1U << ok_.size()) - 1U;
    return search(all, counts_.triads, counts_.pairs);
  }

private:
  bool search(std::uint32_t left, int triads, int pairs) {
    if (left == 0) return triads == 0 && pairs == 0;
    const std::uint64_t key = (std::uint64_t{left} << 8) | static_cast<std::uint64_t>(triads);
    if (failed_.contains(key)) return false;
    const int v = __builtin_ctz(left);
    const std::uint32_t rest = left & ~(1U << v);
    const std::uint32_t mates = rest & ok_[static_cast<std::size_t>(v)];
    for (std::uint32_t m1 = mates; m1 != 0; m1 &= m1 - 1) {
      const int u = __builtin_ctz(m1);
      const std::uint32_t rest2 = rest & ~(1U << u);
      if (pairs > 0 && pair_allowed(v, u) && search(rest2, triads, pairs - 1)) return true;
      if (triads == 0) continue;
      for (std::uint32_t m2 = rest2 & mates & ok_[static_cast<std::size_t>(u)] & ~((2U << u) - 1U); m2 != 0;
           m2 &= m2 - 1) {
        const int w = __builtin_ctz(m2);
        if (triad_allowed(v, u, w) && search(rest2 & ~(1U << w), triads - 1, pairs)) return true;
      }
    }
    failed_.insert(key);
    return false;
  }

  bool pair_allowed(int a, int b) const { return level_.empty() || (lvl(a) >= 0 && lvl(b) >= 0); }
  bool triad_allowed(int a, int b, int c) const {
    if (level_.empty()) return true;
    const int below = (lvl(a) < 0) + (lvl(b) < 0) + (lvl(c) < 0);
    const int eligible = (lvl(a) <= 0) + (lvl(b) <= 0) + (lvl(c) <= 0);
    return below <= 1 && eligible >= 1;
  }
  int lvl(int i) const { return level_[static_cast<std::size_t>(i)]; }

  std::vector<std::uint32_t> ok_;
  group_counts counts_;
  std::vector<int> level_;
  std::unordered_set<std::uint64_t> failed_;
};

bool kept_apart(const std::vector<std::vector<std::string>>& sets, const std::string& a, const std::string& b) {
  for (const auto& s : sets)
    if (std::find(s.begin(), s.end(), a) != s.end() && std::find(s.begin(), s.end(), b) != s.end()) return true;
  return false;
}

enum class attendance { stable, churn };

struct scenario {
  group_shape shape;
  attendance people;
  std::size_t n;
  std::uint64_t seed;
  bool with_keep_apart;
};

std::string name(const scenario& s) {
  return std::string(s.shape == group_shape::pairs ? "pairs" : "triads") +
         (s.people == attendance::stable ? " stable" : " churn") + " n=" + std::to_string(s.n) +
         " seed=" + std::to_string(s.seed) + (s.with_keep_apart ? " keep-apart" : "");
}

struct tally {
  std::size_t rounds = 0;
  std::size_t oracle_rounds = 0;
  std::size_t unavoidable_repeats = 0;
  std::vector<std::string> failures;
};

constexpr std::size_t oracle_limit = 20;

/// Runs up to n + 2 rounds of one scenario and checks each round's groups.
void run(const scenario& s, tally& t) {
  std::vector<std::string> pool;
  for (std::size_t i = 1; i <= s.n; ++i) pool.push_back("p" + std::to_string(i));
  std::vector<std::vector<std::string>> keep_apart;
  if (s.with_keep_apart && s.n >= 6) keep_apart = {{"p1", "p2"}, {"p3", "p4", "p5"}};
  std::mt19937_64 churn(s.seed * 1'000'003ULL + s.n);
  std::set<std::string> present(pool.begin(), pool.end());
  pairing_history h;
  auto fail = [&](std::size_t round, const std::string& what, const std::vector<pairing_group>& groups) {
    t.failures.push_back(name(s) + " round " + std::to_string(round) + ": " + what + " —" + describe(groups));
  };
  for (std::size_t round = 1; round <= s.n + 2; ++round) {
    if (s.people == attendance::churn && round > 1) {
      for (const auto& p : pool)
        if (churn() % 5 == 0) {
          if (present.contains(p)) present.erase(p); else present.insert(p);
        }
      if (present.size() < 2) present.insert(pool.begin(), pool.begin() + 2);
    }
    std::vector<std::string> here(present.begin(), present.end());
    const auto r = make_groups({here, s.shape, false, keep_apart, {}, s.seed}, h);
    ASSERT_TRUE(r.ok()) << name(s) << " round " << round << ": " << r.err().message;
    ++t.rounds;
    const auto& groups = r->groups;

    // Everyone present exactly once, no one alone, the right number of groups of each size.
    std::multiset<std::string> placed;
    group_counts made;
    bool shape_ok = true;
    for (const auto& g : groups) {
      for (const auto& m : g.members) placed.insert(m.participant);
      if (g.members.size() == 3) ++made.triads;
      else if (g.members.size() == 2) ++made.pairs;
      else shape_ok = false;
      if (g.members.size() >= 2 && (g.members[0].role != role_kind::therapist || g.members[1].role != role_kind::client))
        shape_ok = false;
      if (g.members.size() == 3 && g.members[2].role != role_kind::observer) shape_ok = false;
    }
    const auto want = counts_for(here.size(), s.shape);
    if (placed != std::multiset<std::string>(here.begin(), here.end())) fail(round, "not everyone placed once", groups);
    if (!shape_ok || made.triads != want.triads || made.pairs != want.pairs)
      fail(round, "wrong group sizes or roles", groups);

    // What the groups repeat or break.
    bool repeats = false, breaks_apart = false;
    for (const auto& g : groups)
      for (std::size_t i = 0; i < g.members.size(); ++i)
        for (std::size_t j = i + 1; j < g.members.size(); ++j) {
          const auto& a = g.members[i].participant;
          const auto& b = g.members[j].participant;
          repeats = repeats || h.times_met(a, b) > 0;
          breaks_apart = breaks_apart || kept_apart(keep_apart, a, b);
        }

    if (here.size() <= oracle_limit) {
      ++t.oracle_rounds;
      const std::size_t k = here.size();
      std::vector<std::uint32_t> fresh(k, 0), apart_ok(k, 0);
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < k; ++j) {
          if (i == j || kept_apart(keep_apart, here[i], here[j])) continue;
          apart_ok[i] |= 1U << j;
          if (h.times_met(here[i], here[j]) == 0) fresh[i] |= 1U << j;
        }
      if (breaks_apart && grouping_oracle(apart_ok, want, {}).exists())
        fail(round, "a keep-apart set broken although a grouping honouring all exists", groups);
      const bool fresh_exists = grouping_oracle(fresh, want, {}).exists();
      if (!fresh_exists) ++t.unavoidable_repeats;
      if (fresh_exists && (repeats || breaks_apart))
        fail(round, "a partner repeated although a repeat-free grouping exists", groups);

      // Observer duty among repeat-free groupings: observers are the least-observed whenever a
      // repeat-free grouping allows it.
      if (fresh_exists && want.triads > 0) {
        std::vector<unsigned> observed;
        for (const auto& p : here) observed.push_back(h.count(p, role_kind::observer));
        auto sorted = observed;
        std::sort(sorted.begin(), sorted.end());
        const unsigned boundary = sorted[static_cast<std::size_t>(want.triads - 1)];
        std::vector<int> level;
        for (unsigned o : observed) level.push_back(o < boundary ? -1 : o == boundary ? 0 : 1);
        if (grouping_oracle(fresh, want, level).exists()) {
          std::vector<unsigned> chosen;
          for (const auto& g : groups)
            for (const auto& m : g.members)
              if (m.role == role_kind::observer) chosen.push_back(h.count(m.participant, role_kind::observer));
          std::sort(chosen.begin(), chosen.end());
          const std::vector<unsigned> least(sorted.begin(), sorted.begin() + want.triads);
          if (chosen != least) fail(round, "observer duty not given to the least-observed", groups);
        }
      }
    } else if (s.people == attendance::stable && s.shape == group_shape::pairs && keep_apart.empty() &&
               here.size() % 2 == 0 && round < here.size() && repeats) {
      fail(round, "a repeat within the round-robin", groups);
    }
    h.record(groups);
  }
}

TEST(PairingOracle, RepeatOnlyWhenNoRepeatFreeGroupingExists) {
  tally t;
  for (group_shape shape : {group_shape::pairs, group_shape::triads})
    for (attendance people : {attendance::stable, attendance::churn})
      for (std::size_t n = 3; n <= 20; ++n)
        for (std::uint64_t seed = 1; seed <= 12; ++seed) {
          run({shape, people, n, seed, false}, t);
          if (seed <= 4) run({shape, people, n, seed, true}, t);
        }
  // Beyond the oracle's reach: the shape of every round, and the round-robin of a stable even group.
  for (group_shape shape : {group_shape::pairs, group_shape::triads})
    for (attendance people : {attendance::stable, attendance::churn})
      for (std::size_t n : {24U, 31U, 40U})
        for (std::uint64_t seed = 1; seed <= 3; ++seed) run({shape, people, n, seed, seed == 1}, t);
  EXPECT_GT(t.unavoidable_repeats, 0U) << "the scenarios should reach rounds where a repeat is unavoidable";
  std::string examples;
  for (std::size_t i = 0; i < t.failures.size() && i < 15; ++i) examples += "\n  " + t.failures[i];
  EXPECT_TRUE(t.failures.empty()) << t.failures.size() << " of " << t.rounds << " rounds (" << t.oracle_rounds
                                  << " checked by the oracle) break a promise:" << examples;
}

// The odd person out practising with the facilitator: everyone else pairs up without a repeat
// whenever someone's turn allows it.
TEST(PairingOracle, FacilitatorTurnLeavesNoRepeatWhileAnyTurnAvoidsOne) {
  std::size_t rounds = 0;
  std::vector<std::string> failures;
  for (attendance people : {attendance::stable, attendance::churn})
    for (std::size_t n = 3; n <= 20; ++n)
      for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        std::vector<std::string> pool;
        for (std::size_t i = 1; i <= n; ++i) pool.push_back("p" + std::to_string(i));
        std::mt19937_64 churn(seed * 7'919ULL + n);
        std::set<std::string> present(pool.begin(), pool.end());
        pairing_history h;
        for (std::size_t round = 1; round <= n + 2; ++round) {
          if (people == attendance::churn && round > 1) {
            for (const auto& p : pool)
              if (churn() % 5 == 0) {
                if (present.contains(p)) present.erase(p); else present.insert(p);
              }
            if (present.size() < 2) present.insert(pool.begin(), pool.begin() + 2);
          }
          const std::vector<std::string> here(present.begin(), present.end());
          const auto r = make_groups({here, group_shape::pairs, true, {}, {}, seed}, h);
          ASSERT_TRUE(r.ok()) << r.err().message;
          ++rounds;
          const std::string ctx = std::string(people == attendance::stable ? "stable" : "churn") + " n=" +
                                  std::to_string(n) + " seed=" + std::to_string(seed) + " round " +
                                  std::to_string(round) + ":" + describe(r->groups);
          std::multiset<std::string> placed;
          std::size_t solo = 0;
          bool repeats = false;
          for (const auto& g : r->groups) {
            for (const auto& m : g.members) placed.insert(m.participant);
            if (g.members.size() == 1 && g.with_facilitator) ++solo;
            else if (g.members.size() != 2) failures.push_back("a group of " + std::to_string(g.members.size()) + ": " + ctx);
            if (g.members.size() == 2) repeats = repeats || h.times_met(g.members[0].participant, g.members[1].participant) > 0;
          }
          if (placed != std::multiset<std::string>(here.begin(), here.end())) failures.push_back("not everyone placed once: " + ctx);
          if (solo != here.size() % 2) failures.push_back("not one person with the facilitator: " + ctx);
          if (repeats) {
            // Would anyone's turn with the facilitator leave the rest a repeat-free pairing?
            for (std::size_t out = 0; out < here.size(); ++out) {
              if (here.size() % 2 == 0 && out > 0) break;
              std::vector<std::string> rest;
              for (std::size_t i = 0; i < here.size(); ++i)
                if (here.size() % 2 == 0 || i != out) rest.push_back(here[i]);
              std::vector<std::uint32_t> fresh(rest.size(), 0);
              for (std::size_t i = 0; i < rest.size(); ++i)
                for (std::size_t j = 0; j < rest.size(); ++j)
                  if (i != j && h.times_met(rest[i], rest[j]) == 0) fresh[i] |= 1U << j;
              if (grouping_oracle(fresh, counts_for(rest.size(), group_shape::pairs), {}).exists()) {
                failures.push_back("a partner repeated although " +
                                   (here.size() % 2 == 0 ? std::string("a repeat-free pairing exists")
                                                         : here[out] + "'s turn leaves a repeat-free pairing") +
                                   ": " + ctx);
                break;
              }
            }
          }
          h.record(r->groups);
        }
      }
  std::string examples;
  for (std::size_t i = 0; i < failures.size() && i < 15; ++i) examples += "\n  " + failures[i];
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << rounds << " rounds break a promise:" << examples;
}

}  // namespace
}  // namespace dyad::core
