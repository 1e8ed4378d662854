#include "core/pairing.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <unordered_set>
#include <utility>

#include "core/max_matching.hpp"
#include "core/seeded_rng.hpp"

namespace dyad::core {

namespace {

constexpr std::uint32_t no_index = std::numeric_limits<std::uint32_t>::max();

std::string room_name(std::size_t number) { return "Room " + std::to_string(number); }

/// The lowest "Room N" not in use, so rooms that exist keep their names.
std::string free_room(const std::vector<pairing_group>& groups) {
  for (std::size_t n = 1;; ++n) {
    const auto name = room_name(n);
    if (std::none_of(groups.begin(), groups.end(), [&](const pairing_group& g) { return g.room == name; })) return name;
  }
}

std::size_t role_slot(role_kind r) { return static_cast<std::size_t>(r); }

int role_order(role_kind r) {
  switch (r) {
    case role_kind::therapist: return 0;
    case role_kind::client: return 1;
    case role_kind::observer: return 2;
  }
  return 3;
}

void sort_members(pairing_group& g) {
  std::stable_sort(g.members.begin(), g.members.end(), [](const group_member& a, const group_member& b) {
    return role_order(a.role) < role_order(b.role);
  });
}

std::uint64_t hash_ids(const std::vector<std::string>& ids) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const auto& id : ids) {
    for (const char ch : id) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
    h = (h ^ 0xffU) * 1099511628211ULL;
  }
  return h;
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) {
    // Only ids of the same shape with different digit counts compare by length ("p9" < "p10");
    // otherwise plain lexicographic order.
    const auto prefix = [](const std::string& s) { return s.substr(0, s.find_first_of("0123456789")); };
    if (prefix(a) == prefix(b)) return a.size() < b.size();
  }
  return a < b;
}

// ---------------------------------------------------------------------------------------------
// The engine: one grouping computation over local indices 0..n-1.

class pairing_engine {
public:
  pairing_engine(std::vector<std::string> ids, const pairing_history& history,
                 const std::vector<std::vector<std::string>>& keep_apart, std::uint64_t seed,
                 const std::vector<std::string>& everyone)
      : ids_(std::move(ids)),
        history_(history),
        n_(static_cast<int>(ids_.size())),
        stable_(history.stable_for(ids_)) {
    hist_index_.reserve(ids_.size());
    std::unordered_map<std::uint32_t, int> local_of;
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      const auto it = history.index_.find(ids_[i]);
      hist_index_.push_back(it == history.index_.end() ? no_index : it->second);
      if (it != history.index_.end()) local_of.emplace(it->second, static_cast<int>(i));
    }
    // Each person's earlier meetings among the people here, as local indices: checked on every
    // candidate edge, so kept short and flat.
    met_.resize(ids_.size());
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      if (hist_index_[i] == no_index) continue;
      for (const auto& [who, times] : history.people_[hist_index_[i]].met) {
        const auto it = local_of.find(who);
        if (it != local_of.end()) met_[i].emplace_back(it->second, times);
      }
    }
    apart_.resize(ids_.size());
    if (!keep_apart.empty()) {
      std::unordered_map<std::string, int> local;
      for (std::size_t i = 0; i < ids_.size(); ++i) local.emplace(ids_[i], static_cast<int>(i));
      for (std::size_t s = 0; s < keep_apart.size(); ++s)
        for (const auto& id : keep_apart[s]) {
          const auto it = local.find(id);
          if (it != local.end()) apart_[at(it->second)].push_back(static_cast<std::uint32_t>(s));
        }
    }
    const std::size_t rounds_seen = history.people_.empty() ? 0 : total_roles(history);
    rng_seed_ = seeded_rng::mix(seed, rounds_seen);
    balance_.resize(ids_.size());
    for (int i = 0; i < n_; ++i) balance_[at(i)] = compute_balance(i);

    // The round-robin runs over everyone known — here now or seen in an earlier round — so that
    // one round with people missing does not throw the rotation away: their partners are paired
    // with each other that round, and the schedule carries on.
    std::vector<std::string> cohort_ids = ids_;
    for (const auto& [id, index] : history.index_)
      if (local_of.find(index) == local_of.end()) cohort_ids.push_back(id);
    cohort_ids.insert(cohort_ids.end(), everyone.begin(), everyone.end());
    std::sort(cohort_ids.begin(), cohort_ids.end());
    cohort_ids.erase(std::unique(cohort_ids.begin(), cohort_ids.end()), cohort_ids.end());
    std::unordered_map<std::string, int> local;
    for (std::size_t i = 0; i < ids_.size(); ++i) local.emplace(ids_[i], static_cast<int>(i));
    seeded_rng order_rng(seeded_rng::mix(seed, hash_ids(cohort_ids)));
    order_rng.shuffle(cohort_ids);
    for (const auto& id : cohort_ids) {
      const auto it = local.find(id);
      cohort_.push_back(it == local.end() ? -1 : it->second);
    }
    if (cohort_.size() % 2 == 1) cohort_.push_back(-1);  // a bye
  }

  int size() const { return n_; }
  /// Everyone here has been in every round so far, and only they.
  bool stable() const { return stable_; }
  const std::string& id(int i) const { return ids_[at(i)]; }

  unsigned met(int a, int b) const {
    for (const auto& [who, times] : met_[at(a)])
      if (who == b) return times;
    return 0;
  }
  bool apart(int a, int b) const {
    for (auto s : apart_[at(a)])
      for (auto t : apart_[at(b)])
        if (s == t) return true;
    return false;
  }
  bool fresh(int a, int b) const { return a != b && met(a, b) == 0 && !apart(a, b); }

  unsigned observed(int i) const { return count(i, role_kind::observer); }
  unsigned with_facilitator(int i) const {
    return hist_index_[at(i)] == no_index ? 0U : history_.people_[hist_index_[at(i)]].with_facilitator;
  }
  unsigned count(int i, role_kind r) const {
    return hist_index_[at(i)] == no_index ? 0U : history_.people_[hist_index_[at(i)]].roles[role_slot(r)];
  }
  int balance(int i) const { return balance_[at(i)]; }
  const role_kind* last_role(int i) const {
    if (hist_index_[at(i)] == no_index) return nullptr;
    const auto& p = history_.people_[hist_index_[at(i)]];
    return p.has_last ? &p.last : nullptr;
  }

  seeded_rng rng(std::uint64_t salt) const { return seeded_rng(seeded_rng::mix(rng_seed_, salt)); }

  /// Whether two people may practise together without pushing either further from an even
  /// share of therapist and client turns: not both ahead on therapist turns, nor both behind.
  bool compatible(int a, int b) const {
    return !((balance_[at(a)] > 0 && balance_[at(b)] > 0) || (balance_[at(a)] < 0 && balance_[at(b)] < 0));
  }

  /// The first round of the round-robin over everyone known that is repeat-free for the people
  /// here, and the one after it (for role rotation), as mates by local index; empty when none.
  /// Under stable attendance the rounds played so far are exactly the schedule's first ones, so
  /// the first repeat-free round is the next one. People whose scheduled partner is absent are
  /// paired with each other, repeat-free, or the round does not qualify.
  std::pair<std::vector<int>, std::vector<int>> schedule_round() const {
    const int c = static_cast<int>(cohort_.size());
    if (c < 2) return {};
    const int m = c - 1;
    std::size_t budget = 8 * cohort_.size() + 64;
    std::vector<int> orphans;
    auto round = [&](int k, std::vector<int>& mate) {
      mate.assign(at(n_), -1);
      orphans.clear();
      auto link = [&](int pa, int pb) {
        if (budget == 0) return false;
        --budget;
        const int a = cohort_[at(pa)], b = cohort_[at(pb)];
        if (a < 0 || b < 0) {
          if (a >= 0) orphans.push_back(a);
          if (b >= 0) orphans.push_back(b);
          return true;
        }
        if (!fresh(a, b)) return false;
        mate[at(a)] = b;
        mate[at(b)] = a;
        return true;
      };
      if (!link(0, 1 + k % m)) return false;
      for (int i = 1; i < c / 2; ++i)
        if (!link(1 + (k + i) % m, 1 + (k - i + m) % m)) return false;
      if (orphans.empty()) return true;
      if (orphans.size() % 2 == 1 || budget < orphans.size()) return false;
      budget -= orphans.size();
      const auto mates = matching(orphans, 61, tier::fresh);
      for (std::size_t i = 0; i < orphans.size(); ++i) {
        if (mates[i] < 0) return false;
        mate[at(orphans[i])] = orphans[at(mates[i])];
      }
      return true;
    };
    std::vector<int> first, second;
    int k = 0;
    for (; k < m && budget > 0; ++k)
      if (round(k, first)) break;
    if (k >= m || budget == 0) return {};
    for (int k2 = k + 1; k2 < m && budget > 0; ++k2)
      if (round(k2, second)) return {first, second};
    return {first, {}};
  }

  /// How far a matching may go in giving up the rules, from the strictest.
  enum class tier {
    /// Repeat-free, kept apart as asked, and not pairing two people both ahead (or both behind)
    /// on therapist turns.
    fresh_and_balanced,
    /// Repeat-free and kept apart as asked.
    fresh,
    /// Kept apart as asked and role-balanced; repeats allowed.
    apart_and_balanced,
    /// Kept apart as asked; repeats allowed.
    apart,
    /// Anything.
    any,
  };

  /// A maximum matching among `people` under the loosest tier up to `loosest` that is needed to
  /// match everyone: each looser tier starts from the stricter one's matching and only adds what
  /// it must. Mates indexed by position in `people`; `loosened` tells the tier used.
  std::vector<int> matching(const std::vector<int>& people, std::uint64_t salt, tier loosest,
                            tier* loosened = nullptr) const {
    std::vector<int> order(people.size());
    std::iota(order.begin(), order.end(), 0);
    rng(salt).shuffle(order);
    const int k = static_cast<int>(people.size());
    auto person = [&](int i) { return people[at(i)]; };
    auto strict = [&](int a, int b) { return fresh(person(a), person(b)) && compatible(person(a), person(b)); };
    max_matching<decltype(strict)> m1(k, strict);
    std::vector<int> mates = m1.solve(order);
    tier used = tier::fresh_and_balanced;
    auto perfect = [&] { return std::none_of(mates.begin(), mates.end(), [](int x) { return x < 0; }); };
    if (!perfect() && loosest >= tier::fresh) {
      auto edge = [&](int a, int b) { return fresh(person(a), person(b)); };
      max_matching<decltype(edge)> m(k, edge);
      auto unbalanced = m.solve_from(mates, order);
      // Repeat-free beats balanced roles; but once a repeat is unavoidable anyway, the
      // role-balanced start is the better one to build on.
      const bool all_fresh = std::none_of(unbalanced.begin(), unbalanced.end(), [](int x) { return x < 0; });
      if (all_fresh || loosest == tier::fresh) {
        mates = unbalanced;
        used = tier::fresh;
      }
    }
    if (!perfect() && loosest >= tier::apart_and_balanced) {
      auto edge = [&](int a, int b) {
        return a != b && !apart(person(a), person(b)) && compatible(person(a), person(b));
      };
      max_matching<decltype(edge)> m(k, edge);
      mates = m.solve_from(mates, order);
      used = tier::apart_and_balanced;
    }
    if (!perfect() && loosest >= tier::apart) {
      auto edge = [&](int a, int b) { return a != b && !apart(person(a), person(b)); };
      max_matching<decltype(edge)> m(k, edge);
      mates = m.solve_from(mates, order);
      used = tier::apart;
    }
    if (!perfect() && loosest >= tier::any) {
      auto edge = [](int a, int b) { return a != b; };
      max_matching<decltype(edge)> m(k, edge);
      mates = m.solve_from(mates, order);
      used = tier::any;
    }
    if (loosened != nullptr) *loosened = used;
    return mates;
  }

  static std::size_t at(int i) { return static_cast<std::size_t>(i); }

private:
  int compute_balance(int i) const {
    return static_cast<int>(count(i, role_kind::therapist)) - static_cast<int>(count(i, role_kind::client));
  }

  static std::size_t total_roles(const pairing_history& h) {
    std::size_t total = 0;
    for (const auto& p : h.people_) total += p.roles[0] + p.roles[1] + p.roles[2];
    return total;
  }

  std::vector<std::string> ids_;
  const pairing_history& history_;
  int n_;
  std::vector<std::uint32_t> hist_index_;
  std::vector<std::vector<std::pair<int, unsigned>>> met_;
  std::vector<std::vector<std::uint32_t>> apart_;
  std::vector<int> balance_;
  bool stable_;
  // Positions of the round-robin: local index of a person here, or -1 for someone absent (or
  // the bye of an odd roster).
  std::vector<int> cohort_;
  std::uint64_t rng_seed_ = 0;
};

namespace {

using engine = pairing_engine;
constexpr auto at = pairing_engine::at;

struct draft_group {
  std::vector<int> pair;  // the two who practise (or one, with the facilitator)
  int observer = -1;      // -1: none
  std::vector<int> extra_observers;
  bool with_facilitator = false;
};

/// Pairs for an even set of people, loosening the rules only as far as needed: repeat-free
/// and role-balanced, then repeat-free, then with repeats but keep-apart sets honoured, then
/// anything (reported as relaxed).
std::vector<std::pair<int, int>> make_pairs(const engine& e, const std::vector<int>& people, bool& relaxed,
                                            std::uint64_t salt) {
  engine::tier used = engine::tier::fresh_and_balanced;
  const auto mates = e.matching(people, salt, engine::tier::any, &used);
  relaxed = relaxed || used == engine::tier::any;
  std::vector<std::pair<int, int>> pairs;
  for (std::size_t i = 0; i < people.size(); ++i)
    if (mates[i] >= 0 && static_cast<std::size_t>(mates[i]) > i) pairs.emplace_back(people[i], people[at(mates[i])]);
  return pairs;
}

/// Decides who is therapist in each pair: the one who has been therapist less often relative to
/// client; on a tie, the two-colouring of this round and the next keeps everyone within one
/// (see `colour`); failing that, whoever was client most recently; failing that, a coin.
void orient(const engine& e, std::vector<draft_group>& groups, const std::vector<int>& colour,
            seeded_rng& coin) {
  for (auto& g : groups) {
    if (g.pair.size() != 2) continue;
    const int a = g.pair[0], b = g.pair[1];
    bool a_first;
    if (e.balance(a) != e.balance(b)) {
      a_first = e.balance(a) < e.balance(b);
    } else if (!colour.empty() && colour[at(a)] != colour[at(b)]) {
      a_first = colour[at(a)] == 0;
    } else {
      const role_kind* la = e.last_role(a);
      const role_kind* lb = e.last_role(b);
      const bool a_was_client = la != nullptr && *la == role_kind::client;
      const bool b_was_client = lb != nullptr && *lb == role_kind::client;
      if (a_was_client != b_was_client) {
        a_first = a_was_client;
      } else {
        a_first = coin.below(2) == 0;
      }
    }
    if (!a_first) std::swap(g.pair[0], g.pair[1]);
  }
}

/// Two-colours the cycles that this round's pairs and the next round's pairs make together, so
/// that next round every pair joins one person of each colour: this round's therapists are
/// colour 0; next round each pair has one of each, and the lower balance plays therapist.
std::vector<int> colour_cycles(int n, const std::vector<int>& mate, const std::vector<int>& next_mate) {
  std::vector<int> colour(at(n), -1);
  for (int start = 0; start < n; ++start) {
    if (colour[at(start)] != -1 || mate[at(start)] < 0) continue;
    int v = start;
    while (colour[at(v)] == -1) {
      colour[at(v)] = 0;
      const int u = mate[at(v)];
      colour[at(u)] = 1;
      v = next_mate[at(u)];
      if (v < 0) break;
    }
  }
  return colour;
}

std::vector<int> order_by_observer_duty(const engine& e, const std::vector<int>& people, seeded_rng& rng) {
  std::vector<std::pair<std::uint64_t, int>> keyed;
  for (int p : people) keyed.emplace_back(rng.next(), p);
  std::sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    if (e.observed(x.second) != e.observed(y.second)) return e.observed(x.second) < e.observed(y.second);
    return x.first < y.first;
  });
  std::vector<int> out;
  for (auto& [k, p] : keyed) out.push_back(p);
  return out;
}

std::vector<int> without(const std::vector<int>& people, std::initializer_list<int> drop) {
  std::vector<int> out;
  for (int p : people)
    if (std::find(drop.begin(), drop.end(), p) == drop.end()) out.push_back(p);
  return out;
}

/// Pairs with one triad for an odd count. The grouping is repeat-free whenever one exists; among
/// repeat-free groupings the observer is someone who has observed least if one allows it, and
/// the pairs are role-balanced if one allows it. `exhaustive` is cleared when a repeat remains
/// that a search of every grouping might still avoid (large groups, or the budget ran out).
std::vector<draft_group> odd_with_triad(const engine& e, const std::vector<int>& people, bool& relaxed,
                                        bool& exhaustive) {
  exhaustive = true;
  seeded_rng rng = e.rng(17);
  const auto ordered = order_by_observer_duty(e, people, rng);
  auto to_groups = [&](int x, int a, int b, const std::vector<std::pair<int, int>>& rest) {
    std::vector<draft_group> out;
    out.push_back(draft_group{{a, b}, x, {}, false});
    for (auto& [p, q] : rest) out.push_back(draft_group{{p, q}, -1, {}, false});
    return out;
  };
  // Prefer observers whose stepping out leaves as many people ahead on therapist turns as
  // behind, so that every pair can join one of each (stable sort keeps the seeded order).
  auto sign = [&](int p) { return e.balance(p) > 0 ? 1 : e.balance(p) < 0 ? -1 : 0; };
  int skew = 0;
  for (int p : people) skew += sign(p);
  // Candidate observers by how much they have observed: those who observed least first. A
  // repeat-free grouping comes before observer duty, so every level is tried before a repeat.
  std::vector<std::vector<int>> levels;
  for (std::size_t from = 0; from < ordered.size();) {
    std::size_t to = from;
    while (to < ordered.size() && e.observed(ordered[to]) == e.observed(ordered[from])) ++to;
    std::vector<int> level(ordered.begin() + static_cast<std::ptrdiff_t>(from),
                           ordered.begin() + static_cast<std::ptrdiff_t>(to));
    std::stable_sort(level.begin(), level.end(),
                     [&](int a, int b) { return std::abs(skew - sign(a)) < std::abs(skew - sign(b)); });
    levels.push_back(std::move(level));
    from = to;
  }
  engine::tier limit = engine::tier::fresh_and_balanced;
  auto perfect_rest = [&](const std::vector<int>& rest, std::uint64_t salt,
                          std::vector<std::pair<int, int>>& pairs) {
    const auto mates = e.matching(rest, salt, limit);
    pairs.clear();
    for (std::size_t i = 0; i < rest.size(); ++i) {
      if (mates[i] < 0) return false;
      if (static_cast<std::size_t>(mates[i]) > i) pairs.emplace_back(rest[i], rest[at(mates[i])]);
    }
    return true;
  };

  std::vector<std::pair<int, int>> pairs;
  std::size_t budget = 20'000;
  // For groups of up to 90 people, once the fast path fails: every repeat-free triangle whose
  // other people have a repeat-free matching, found once and then searched for each observer.
  struct fresh_triangle {
    std::array<int, 3> who;
    std::vector<std::pair<int, int>> rest;
  };
  std::vector<fresh_triangle> feasible;
  bool enumerated = false;
  auto enumerate = [&] {
    enumerated = true;
    limit = engine::tier::fresh;
    // A repeat-free grouping holds a repeat-free matching that leaves one person out (the
    // triad gives one pair of it); without one, no triangle need be tried.
    const auto mates = e.matching(people, 59, engine::tier::fresh);
    if (std::count(mates.begin(), mates.end(), -1) > 1) return;
    for (const int a : people)
      for (const int b : people) {
        if (b <= a || !e.fresh(a, b)) continue;
        for (const int c : people) {
          if (c <= b || !e.fresh(a, c) || !e.fresh(b, c)) continue;
          if (budget == 0) {
            exhaustive = false;
            return;
          }
          --budget;
          if (perfect_rest(without(people, {a, b, c}), 7, pairs)) feasible.push_back({{a, b, c}, pairs});
        }
      }
  };
  for (const auto& candidates : levels) {
    // Twice: first keeping every pair role-balanced, then repeat-free alone.
    for (engine::tier pass : {engine::tier::fresh_and_balanced, engine::tier::fresh}) {
      limit = pass;
      const bool balanced = pass == engine::tier::fresh_and_balanced;
      // Fast path: take candidates in turn, match everyone else, and look for a pair that the
      // observer has met neither of.
      const std::size_t quick = std::min<std::size_t>(candidates.size(), 8);
      for (std::size_t c = 0; c < quick; ++c) {
        const int x = candidates[c];
        if (!perfect_rest(without(people, {x}), 100 + c, pairs)) continue;
        for (std::size_t i = 0; i < pairs.size(); ++i) {
          auto [a, b] = pairs[i];
          if (e.fresh(x, a) && e.fresh(x, b)) {
            pairs.erase(pairs.begin() + static_cast<std::ptrdiff_t>(i));
            return to_groups(x, a, b, pairs);
          }
        }
      }
      // Exact search for smaller groups. Large groups succeed above in practice.
      if (people.size() > 90) {
        exhaustive = false;
        continue;
      }
      if (!enumerated) enumerate();
      if (feasible.empty()) {
        if (exhaustive) goto fallback;  // no repeat-free grouping exists
        continue;
      }
      for (const int x : candidates)
        for (const auto& t : feasible) {
          if (std::find(t.who.begin(), t.who.end(), x) == t.who.end()) continue;
          int a = -1, b = -1;
          for (const int p : t.who)
            if (p != x) (a < 0 ? a : b) = p;
          if (!balanced) return to_groups(x, a, b, t.rest);
          if (!e.compatible(a, b) || budget == 0) continue;
          --budget;
          limit = pass;
          if (perfect_rest(without(people, {x, a, b}), 7, pairs)) return to_groups(x, a, b, pairs);
        }
    }
  }

fallback:
  // No repeat-free grouping: the least-observed person observes the pair they repeat least with.
  const int x = levels.front().front();
  const auto rest = without(people, {x});
  bool unused = false;
  auto all = make_pairs(e, rest, unused, 3);
  relaxed = relaxed || unused;
  std::size_t best = 0;
  unsigned best_cost = std::numeric_limits<unsigned>::max();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const unsigned cost = e.met(x, all[i].first) + e.met(x, all[i].second) +
                          (e.apart(x, all[i].first) || e.apart(x, all[i].second) ? 1'000'000U : 0U);
    if (cost < best_cost) {
      best_cost = cost;
      best = i;
    }
  }
  auto [a, b] = all[best];
  all.erase(all.begin() + static_cast<std::ptrdiff_t>(best));
  return to_groups(x, a, b, all);
}

/// The odd person out practises with the facilitator and everyone else pairs up: whoever has done
/// so least goes, among those whose going leaves a repeat-free pairing of the rest if anyone's
/// does. Returns who goes; `pairs` are everyone else's.
int facilitator_turn(const engine& e, const std::vector<int>& people, bool& relaxed,
                     std::vector<std::pair<int, int>>& pairs) {
  seeded_rng rng = e.rng(41);
  std::vector<std::pair<std::uint64_t, int>> turns;
  for (int p : people) turns.emplace_back((std::uint64_t{e.with_facilitator(p)} << 32) | (rng.next() >> 32), p);
  std::sort(turns.begin(), turns.end());
  auto repeat_free = [&](const std::vector<std::pair<int, int>>& ps) {
    return std::all_of(ps.begin(), ps.end(), [&](const auto& q) { return e.fresh(q.first, q.second); });
  };
  auto pair_without = [&](int lone, std::vector<std::pair<int, int>>& out) {
    bool loosened = false;
    out = make_pairs(e, without(people, {lone}), loosened, 5);
    return loosened;
  };
  const int first = turns.front().second;
  const bool first_relaxed = pair_without(first, pairs);
  if (repeat_free(pairs)) return first;
  // A maximum repeat-free matching of everyone that leaves one person out shows that someone's
  // turn leaves a repeat-free pairing (theirs, at least); look for the next in turn whose does.
  const auto mates = e.matching(people, 43, engine::tier::fresh);
  if (std::count(mates.begin(), mates.end(), -1) != 1) {
    relaxed = relaxed || first_relaxed;
    return first;
  }
  std::vector<std::pair<int, int>> candidate;
  const std::size_t tries = std::min<std::size_t>(turns.size(), people.size() <= 200 ? people.size() : 16);
  for (std::size_t k = 1; k < tries; ++k) {
    const int p = turns[k].second;
    pair_without(p, candidate);
    if (repeat_free(candidate)) {
      pairs = std::move(candidate);
      return p;
    }
  }
  const int left_out = people[at(static_cast<int>(std::find(mates.begin(), mates.end(), -1) - mates.begin()))];
  pair_without(left_out, pairs);
  return left_out;
}

/// Triads with observers, the fast path: the least-observed observe; everyone else is paired
/// repeat-free where possible; each observer joins a pair they have met neither of where possible
/// (bipartite matching); a remainder of one or two makes pairs. Choosing observers before pairs
/// can miss a repeat-free grouping; `repair` then searches for one.
std::vector<draft_group> make_triads(const engine& e, const std::vector<int>& people, bool& relaxed) {
  const std::size_t n = people.size();
  std::size_t triads = n / 3;
  if (n % 3 == 1) triads = n >= 4 ? (n - 4) / 3 : 0;
  seeded_rng rng = e.rng(29);
  const auto candidates = order_by_observer_duty(e, people, rng);
  // Observers are those who have observed least. Where that leaves a choice (a tie at the
  // boundary), choose so that those left to pair hold as many people ahead on therapist turns as
  // behind: then every pair can join one of each, and everyone's roles stay within one.
  std::vector<int> observers, rest;
  if (triads > 0) {
    const unsigned boundary = e.observed(candidates[triads - 1]);
    std::vector<int> tied;
    for (int p : candidates) {
      if (e.observed(p) < boundary) {
        observers.push_back(p);
      } else if (e.observed(p) == boundary) {
        tied.push_back(p);
      } else {
        rest.push_back(p);
      }
    }
    int skew = 0;  // ahead minus behind among those who will pair
    auto sign = [&](int p) { return e.balance(p) > 0 ? 1 : e.balance(p) < 0 ? -1 : 0; };
    for (int p : rest) skew += sign(p);
    for (int p : tied) skew += sign(p);
    while (observers.size() < triads) {
      // Take the tied person whose leaving best evens the skew; ties keep the seeded order.
      std::size_t pick = 0;
      int best = std::abs(skew - sign(tied[0]));
      for (std::size_t i = 1; i < tied.size(); ++i) {
        const int s = std::abs(skew - sign(tied[i]));
        if (s < best) {
          best = s;
          pick = i;
        }
      }
      skew -= sign(tied[pick]);
      observers.push_back(tied[pick]);
      tied.erase(tied.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    rest.insert(rest.end(), tied.begin(), tied.end());
  } else {
    rest = candidates;
  }
  auto pairs = make_pairs(e, rest, relaxed, 31);

  // Kuhn's augmenting paths: observer -> pair. A greedy start first (each observer takes one of
  // the next free pairs they have met neither of), so that large groups augment only rarely:
  // augmenting from every observer costs a scan of every pair each, quadratic in the group.
  std::vector<int> pair_owner(pairs.size(), -1);
  auto fits = [&](std::size_t o, std::size_t p) {
    return e.fresh(observers[o], pairs[p].first) && e.fresh(observers[o], pairs[p].second);
  };
  std::vector<bool> placed(observers.size(), false);
  std::size_t first_free = 0;
  for (std::size_t o = 0; o < observers.size(); ++o) {
    while (first_free < pairs.size() && pair_owner[first_free] >= 0) ++first_free;
    std::size_t tries = 0;
    for (std::size_t p = first_free; p < pairs.size() && tries < 64; ++p) {
      if (pair_owner[p] >= 0) continue;
      ++tries;
      if (fits(o, p)) {
        pair_owner[p] = static_cast<int>(o);
        placed[o] = true;
        break;
      }
    }
  }
  std::function<bool(std::size_t, std::vector<bool>&)> try_assign = [&](std::size_t o, std::vector<bool>& seen) {
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      if (seen[p] || !fits(o, p)) continue;
      seen[p] = true;
      if (pair_owner[p] < 0 || try_assign(at(pair_owner[p]), seen)) {
        pair_owner[p] = static_cast<int>(o);
        return true;
      }
    }
    return false;
  };
  for (std::size_t o = 0; o < observers.size(); ++o) {
    if (placed[o]) continue;
    std::vector<bool> seen(pairs.size(), false);
    try_assign(o, seen);
  }
  for (std::size_t p = 0; p < pairs.size(); ++p)
    if (pair_owner[p] >= 0) placed[at(pair_owner[p])] = true;
  // Observers with no repeat-free pair take the free pair they repeat least with.
  for (std::size_t o = 0; o < observers.size(); ++o) {
    if (placed[o]) continue;
    std::size_t best = pairs.size();
    unsigned best_cost = std::numeric_limits<unsigned>::max();
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      if (pair_owner[p] >= 0) continue;
      const unsigned cost = e.met(observers[o], pairs[p].first) + e.met(observers[o], pairs[p].second);
      if (cost < best_cost) {
        best_cost = cost;
        best = p;
      }
    }
    pair_owner[best] = static_cast<int>(o);
  }
  std::vector<draft_group> out;
  for (std::size_t p = 0; p < pairs.size(); ++p)
    out.push_back(draft_group{{pairs[p].first, pairs[p].second},
                              pair_owner[p] < 0 ? -1 : observers[at(pair_owner[p])], {}, false});
  return out;
}

/// An exhaustive search for a grouping of up to 64 people into groups of three and pairs in which
/// no two people who may not meet (`may_meet`) share a group. The fast paths above are exact for
/// pairs but not for triads, and a keep-apart set can be broken where a search would honour it;
/// this repairs what they leave, within a budget of steps. Groups are built around the person
/// left with the fewest possible partners, and what was shown impossible for a set of people is
/// remembered.
class exact_grouping {
public:
  static constexpr int any = std::numeric_limits<int>::max();

  struct constraints {
    /// Observer duty goes to those who have observed least: everyone below the level of the
    /// triads-th least-observed observes, and every observer is at or below it.
    bool duty = false;
    /// How many groups may join two people both ahead (or both behind) on therapist turns, one
    /// of whom then moves two away from an even share.
    int unbalanced = any;
  };

  template <class MayMeet>
  exact_grouping(const engine& e, std::vector<int> people, MayMeet may_meet) : e_(e), people_(std::move(people)) {
    ok_.assign(people_.size(), 0);
    for (std::size_t i = 0; i < people_.size(); ++i)
      for (std::size_t j = 0; j < people_.size(); ++j)
        if (i != j && may_meet(people_[i], people_[j])) ok_[i] |= std::uint64_t{1} << j;
  }

  /// The groups (observer chosen, pairs not yet oriented), or empty when none was found: none
  /// exists, or the budget ran out first.
  std::vector<draft_group> find(int triads, int pairs, constraints c, std::size_t budget) {
    c_ = c;
    budget_ = budget;
    exhausted_ = false;
    failed_.clear();
    chosen_.clear();
    level_.assign(people_.size(), 0);
    if (c.duty && triads > 0) {
      std::vector<unsigned> observed;
      for (int p : people_) observed.push_back(e_.observed(p));
      std::sort(observed.begin(), observed.end());
      const unsigned boundary = observed[at(triads - 1)];
      for (std::size_t i = 0; i < people_.size(); ++i) {
        const unsigned o = e_.observed(people_[i]);
        level_[i] = o < boundary ? -1 : o == boundary ? 0 : 1;
      }
    }
    const std::uint64_t all = people_.size() == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << people_.size()) - 1;
    if (!search(all, triads, pairs, c.unbalanced)) return {};
    return chosen_;
  }

private:
  struct state_hash {
    std::size_t operator()(const std::pair<std::uint64_t, int>& s) const {
      constexpr std::uint64_t spread = 0x9e3779b97f4a7c15U;
      return std::hash<std::uint64_t>{}(s.first * spread + static_cast<std::uint64_t>(s.second));
    }
  };

  bool search(std::uint64_t left, int triads, int pairs, int allowance) {
    if (left == 0) return triads == 0 && pairs == 0;
    if (budget_ == 0) {
      exhausted_ = true;
      return false;
    }
    --budget_;
    // The largest allowance shown not to be enough for these people; less cannot do either.
    const auto known = failed_.find({left, triads});
    if (known != failed_.end() && known->second >= allowance) return false;
    // The person with the fewest possible partners left goes first: most dead ends show at once.
    int v = -1, fewest = std::numeric_limits<int>::max();
    for (std::uint64_t bits = left; bits != 0; bits &= bits - 1) {
      const int i = std::countr_zero(bits);
      const int options = std::popcount(ok_[at(i)] & left);
      if (options < fewest) {
        fewest = options;
        v = i;
      }
    }
    if (fewest == 0) {
      failed_[{left, triads}] = any;
      return false;
    }
    const std::uint64_t rest = left & ~(std::uint64_t{1} << v);
    const std::uint64_t mates = rest & ok_[at(v)];
    for (std::uint64_t m1 = mates; m1 != 0; m1 &= m1 - 1) {
      const int u = std::countr_zero(m1);
      const std::uint64_t rest2 = rest & ~(std::uint64_t{1} << u);
      if (pairs > 0 && pair_allowed(v, u)) {
        const int cost = balanced(v, u) ? 0 : 1;
        if (cost <= allowance) {
          chosen_.push_back(draft_group{{people_[at(v)], people_[at(u)]}, -1, {}, false});
          if (search(rest2, triads, pairs - 1, allowance - cost)) return true;
          chosen_.pop_back();
        }
      }
      if (triads == 0) continue;
      const std::uint64_t after_u = u == 63 ? 0 : ~((std::uint64_t{2} << u) - 1);
      for (std::uint64_t m2 = rest2 & mates & ok_[at(u)] & after_u; m2 != 0; m2 &= m2 - 1) {
        const int w = std::countr_zero(m2);
        int cost = 0;
        const auto group = triad(v, u, w, cost);
        if (group.observer < 0 || cost > allowance) continue;
        chosen_.push_back(group);
        if (search(rest2 & ~(std::uint64_t{1} << w), triads - 1, pairs, allowance - cost)) return true;
        chosen_.pop_back();
      }
      if (exhausted_) return false;
    }
    if (!exhausted_) {
      auto& worst = failed_[{left, triads}];
      worst = std::max(worst, allowance);
    }
    return false;
  }

  bool balanced(int a, int b) const { return e_.compatible(people_[at(a)], people_[at(b)]); }

  bool pair_allowed(int a, int b) const { return !c_.duty || (level_[at(a)] >= 0 && level_[at(b)] >= 0); }

  /// The triad of positions a, b, c with its observer: the one who has observed least among
  /// those the constraints allow, preferring one who leaves a role-balanced pair (`cost` 0, else
  /// 1); observer -1 when none may observe.
  draft_group triad(int a, int b, int c, int& cost) const {
    std::array<int, 3> who{a, b, c};
    std::stable_sort(who.begin(), who.end(), [&](int x, int y) {
      return e_.observed(people_[at(x)]) < e_.observed(people_[at(y)]);
    });
    draft_group out{{}, -1, {}, false};
    for (std::size_t i = 0; i < 3; ++i) {
      const int x = who[i], y = who[(i + 1) % 3], z = who[(i + 2) % 3];
      if (c_.duty && (level_[at(x)] > 0 || level_[at(y)] < 0 || level_[at(z)] < 0)) continue;
      const draft_group g{{people_[at(y)], people_[at(z)]}, people_[at(x)], {}, false};
      if (balanced(y, z)) {
        cost = 0;
        return g;
      }
      if (out.observer < 0) out = g;
    }
    cost = 1;
    return out;
  }

  const engine& e_;
  std::vector<int> people_;
  std::vector<std::uint64_t> ok_;
  std::vector<int> level_;
  constraints c_;
  std::size_t budget_ = 0;
  bool exhausted_ = false;
  std::unordered_map<std::pair<std::uint64_t, int>, int, state_hash> failed_;
  std::vector<draft_group> chosen_;
};

/// Whether any two people in one of the groups have met before, or are kept apart (then
/// `breaks_apart` is set too).
bool repeats_or_breaks_apart(const engine& e, const std::vector<draft_group>& groups, bool& breaks_apart) {
  bool repeat = false;
  breaks_apart = false;
  for (const auto& g : groups) {
    std::vector<int> members = g.pair;
    if (g.observer >= 0) members.push_back(g.observer);
    members.insert(members.end(), g.extra_observers.begin(), g.extra_observers.end());
    for (std::size_t i = 0; i < members.size(); ++i)
      for (std::size_t j = i + 1; j < members.size(); ++j) {
        repeat = repeat || e.met(members[i], members[j]) > 0;
        breaks_apart = breaks_apart || e.apart(members[i], members[j]);
      }
  }
  return repeat || breaks_apart;
}

/// Replaces groups of three and pairs that repeat a partner, or break a keep-apart set, with a
/// grouping of the same sizes found by exhaustive search, for up to 64 people: repeat-free if
/// one exists (and among those, observer duty to the least-observed if possible, then as few
/// role-unbalanced groups as possible), else at least honouring every keep-apart set. With
/// `search_fresh` false the groups are known to repeat only where every grouping does, and only
/// keep-apart sets are repaired. `relaxed` is cleared when the sets hold.
void repair(const engine& e, const std::vector<int>& people, std::vector<draft_group>& groups, bool search_fresh,
            bool& relaxed) {
  bool breaks_apart = false;
  if (!repeats_or_breaks_apart(e, groups, breaks_apart) || people.size() > 64) return;
  int triads = 0, pairs = 0;
  for (const auto& g : groups) {
    if (g.with_facilitator || !g.extra_observers.empty() || g.pair.size() != 2) return;
    (g.observer >= 0 ? triads : pairs) += 1;
  }
  // A seeded order, so that the search's choices differ between workshops as the fast paths' do.
  std::vector<int> order = people;
  seeded_rng rng = e.rng(67);
  rng.shuffle(order);
  constexpr std::size_t budget = 50'000, refine_budget = 20'000;
  using constraints = exact_grouping::constraints;
  exact_grouping fresh(e, order, [&](int a, int b) { return e.fresh(a, b); });
  // Every group holds a pair who may meet, so a repeat-free grouping needs a repeat-free
  // matching of at least as many pairs as there are groups: one matching rules most rounds out.
  if (search_fresh) {
    const auto mates = e.matching(people, 71, engine::tier::fresh);
    const auto matched = std::count_if(mates.begin(), mates.end(), [](int m) { return m >= 0; });
    search_fresh = matched / 2 >= triads + pairs;
  }
  auto found = search_fresh ? fresh.find(triads, pairs, {}, budget) : std::vector<draft_group>{};
  if (!found.empty()) {
    // Among repeat-free groupings: observer duty first, then the fewest unbalanced groups. Each
    // refinement is tried only while it can still improve on what was found.
    auto unbalanced = [&](const std::vector<draft_group>& g) {
      return static_cast<int>(std::count_if(g.begin(), g.end(), [&](const draft_group& d) {
        return !e.compatible(d.pair[0], d.pair[1]);
      }));
    };
    auto fewer_unbalanced = [&](bool duty, std::vector<draft_group>& best) {
      for (int allowed = 0; allowed < std::min(unbalanced(best), 3); ++allowed) {
        auto g = fresh.find(triads, pairs, constraints{duty, allowed}, refine_budget);
        if (!g.empty()) {
          best = std::move(g);
          return;
        }
      }
    };
    std::vector<unsigned> least, chosen;
    for (int p : people) least.push_back(e.observed(p));
    std::sort(least.begin(), least.end());
    least.resize(at(triads));
    for (const auto& d : found)
      if (d.observer >= 0) chosen.push_back(e.observed(d.observer));
    std::sort(chosen.begin(), chosen.end());
    if (chosen != least) {
      auto with_duty = fresh.find(triads, pairs, constraints{true, exact_grouping::any}, refine_budget);
      if (!with_duty.empty()) {
        fewer_unbalanced(true, with_duty);
        found = std::move(with_duty);
      } else {
        fewer_unbalanced(false, found);
      }
    } else {
      fewer_unbalanced(true, found);
    }
    groups = std::move(found);
    relaxed = false;
    return;
  }
  if (!breaks_apart) return;
  exact_grouping apart(e, order, [&](int a, int b) { return !e.apart(a, b); });
  auto honoured = apart.find(triads, pairs, {}, budget);
  if (honoured.empty()) return;
  groups = std::move(honoured);
  relaxed = false;
}

pairing_group to_group(const engine& e, const draft_group& d) {
  pairing_group g;
  g.with_facilitator = d.with_facilitator;
  if (!d.pair.empty()) g.members.push_back({e.id(d.pair[0]), role_kind::therapist});
  if (d.pair.size() > 1) g.members.push_back({e.id(d.pair[1]), role_kind::client});
  if (d.observer >= 0) g.members.push_back({e.id(d.observer), role_kind::observer});
  for (int o : d.extra_observers) g.members.push_back({e.id(o), role_kind::observer});
  return g;
}

const std::string& first_member(const pairing_group& g) {
  static const std::string empty;
  if (g.members.empty()) return empty;
  return std::min_element(g.members.begin(), g.members.end(), [](const group_member& a, const group_member& b) {
           return natural_less(a.participant, b.participant);
         })->participant;
}

}  // namespace

result<pairing_result> make_groups(const pairing_request& request, const pairing_history& history) {
  std::unordered_set<std::string> seen;
  for (const auto& id : request.present) {
    if (id.empty()) return make_error(errc::invalid_argument, "A participant id is empty; every person present needs an id.");
    if (!seen.insert(id).second)
      return make_error(errc::invalid_argument, "'" + id + "' is listed twice among the people present; list each person once.");
  }
  std::unordered_set<std::string> locked_ids;
  for (std::size_t g = 0; g < request.locked.size(); ++g) {
    for (const auto& m : request.locked[g].members) {
      if (!seen.contains(m.participant))
        return make_error(errc::invalid_argument, "'" + m.participant + "' is in a locked group but is not present; unlock that group or wait until they are back.");
      if (!locked_ids.insert(m.participant).second)
        return make_error(errc::invalid_argument, "'" + m.participant + "' is in two locked groups; a person can be in one group only.");
    }
  }
  std::vector<std::string> pool;
  for (const auto& id : request.present)
    if (!locked_ids.contains(id)) pool.push_back(id);
  std::sort(pool.begin(), pool.end(), natural_less);

  if (pool.size() == 1 && !request.odd_with_facilitator) {
    if (request.locked.empty())
      return make_error(errc::wrong_state, "Only one person is present; a round needs at least two. Wait for someone else to join.");
    return make_error(errc::invalid_argument, "Everyone but " + pool.front() +
                                                  " is in a locked group, so they would be alone; unlock a group so they can join it.");
  }
  if (pool.empty() && request.locked.empty())
    return make_error(errc::wrong_state, "No one is present; a round needs at least two people.");

  pairing_result out;
  out.groups = request.locked;
  for (auto& g : out.groups) sort_members(g);

  if (!pool.empty()) {
    const engine e(pool, history, request.keep_apart, request.seed, request.everyone);
    std::vector<int> people(pool.size());
    std::iota(people.begin(), people.end(), 0);
    std::vector<draft_group> drafts;
    std::vector<int> colour;
    bool relaxed = false;
    // Whether the grouping is already known to be repeat-free whenever any grouping is.
    bool exhaustive = request.shape == group_shape::pairs;
    int lone = -1;

    if (pool.size() == 1) {
      lone = 0;
    } else if (request.shape == group_shape::triads) {
      drafts = make_triads(e, people, relaxed);
    } else if (people.size() % 2 == 1 && !request.odd_with_facilitator) {
      drafts = odd_with_triad(e, people, relaxed, exhaustive);
    } else {
      std::vector<std::pair<int, int>> pairs;
      if (people.size() % 2 == 1) {
        lone = facilitator_turn(e, people, relaxed, pairs);
        people.erase(std::find(people.begin(), people.end(), lone));
      }
      if (lone < 0) {
        auto [first, second] = e.schedule_round();
        if (!first.empty()) {
          for (int i = 0; i < e.size(); ++i)
            if (first[at(i)] > i) pairs.emplace_back(i, first[at(i)]);
          if (!second.empty()) colour = colour_cycles(e.size(), first, second);
        }
      }
      if (pairs.empty() && !people.empty()) pairs = make_pairs(e, people, relaxed, 5);
      for (auto& [a, b] : pairs) drafts.push_back(draft_group{{a, b}, -1, {}, false});
    }
    if (lone < 0 && (request.shape == group_shape::triads || people.size() % 2 == 1)) {
      repair(e, people, drafts, !exhaustive, relaxed);
    }
    seeded_rng coin = e.rng(53);
    orient(e, drafts, colour, coin);
    if (lone >= 0) drafts.push_back(draft_group{{lone}, -1, {}, true});
    for (auto& d : drafts) out.groups.push_back(to_group(e, d));
    out.keep_apart_relaxed = relaxed;
  }

  // A locked room keeps its name: its people may already have been told "Room 1". The others
  // are numbered by their first member in reading order, so "Room 1" holds p1 and facilitators
  // find people where they expect them, taking the lowest numbers the locked rooms leave free.
  const auto fresh = out.groups.begin() + static_cast<std::ptrdiff_t>(request.locked.size());
  std::stable_sort(fresh, out.groups.end(), [](const pairing_group& a, const pairing_group& b) {
    return natural_less(first_member(a), first_member(b));
  });
  std::vector<pairing_group> named;
  for (auto it = out.groups.begin(); it != fresh; ++it) {
    const bool unique = !it->room.empty() && std::none_of(named.begin(), named.end(), [&](const pairing_group& g) {
      return g.room == it->room;
    });
    if (!unique) it->room.clear();
    named.push_back(*it);
  }
  for (auto it = fresh; it != out.groups.end(); ++it) {
    it->room.clear();
    named.push_back(*it);
  }
  // The lowest free numbers, in one pass: asking free_room per group would cost the square of
  // the rooms (10,000 people are 5,000 rooms).
  std::unordered_set<std::string> taken;
  for (const auto& g : named)
    if (!g.room.empty()) taken.insert(g.room);
  std::size_t number = 1;
  for (auto& g : named) {
    if (!g.room.empty()) continue;
    while (taken.contains(room_name(number))) ++number;
    g.room = room_name(number++);
  }
  std::stable_sort(named.begin(), named.end(),
                   [](const pairing_group& a, const pairing_group& b) { return natural_less(a.room, b.room); });
  out.groups = std::move(named);
  for (const auto& g : out.groups)
    for (std::size_t i = 0; i < g.members.size(); ++i)
      for (std::size_t j = i + 1; j < g.members.size(); ++j)
        if (history.times_met(g.members[i].participant, g.members[j].participant) > 0) ++out.repeated_pairs;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Changes within a running round.

namespace {

bool kept_apart(const std::vector<std::vector<std::string>>& keep_apart, const std::string& a, const std::string& b) {
  for (const auto& set : keep_apart) {
    const bool has_a = std::find(set.begin(), set.end(), a) != set.end();
    const bool has_b = std::find(set.begin(), set.end(), b) != set.end();
    if (has_a && has_b) return true;
  }
  return false;
}

/// How bad it is for `who` to join group `g`: meetings repeated, keep-apart broken, crowding.
unsigned join_cost(const pairing_group& g, const std::string& who, const pairing_history& history,
                   const std::vector<std::vector<std::string>>& keep_apart) {
  unsigned cost = static_cast<unsigned>(g.members.size()) * 10U;
  for (const auto& m : g.members) {
    cost += history.times_met(who, m.participant) * 1000U;
    if (kept_apart(keep_apart, who, m.participant)) cost += 1'000'000U;
  }
  return cost;
}

role_kind missing_role(const pairing_group& g) {
  bool has_therapist = false, has_client = false;
  for (const auto& m : g.members) {
    has_therapist = has_therapist || m.role == role_kind::therapist;
    has_client = has_client || m.role == role_kind::client;
  }
  if (!has_therapist) return role_kind::therapist;
  if (!has_client) return role_kind::client;
  return role_kind::observer;
}

}  // namespace

std::size_t slot_in(std::vector<pairing_group>& groups, const std::string& newcomer,
                    const pairing_history& history,
                    const std::vector<std::vector<std::string>>& keep_apart) {
  // Someone alone, or practising with the facilitator, comes first whatever else (short of a
  // keep-apart set): no one should wait alone while a newcomer observes elsewhere.
  auto cost_of = [&](const pairing_group& g) {
    if (g.members.size() == 1) {
      const bool apart = kept_apart(keep_apart, newcomer, g.members[0].participant);
      return apart ? 2'000'000U : 0U;
    }
    return join_cost(g, newcomer, history, keep_apart);
  };
  // A group of three is full: a fourth would only watch. Join someone alone or a pair.
  constexpr std::size_t full = 3;
  std::size_t best = groups.size();
  unsigned best_cost = std::numeric_limits<unsigned>::max();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].members.size() >= full) continue;
    const unsigned cost = cost_of(groups[i]);
    if (cost < best_cost) {
      best_cost = cost;
      best = i;
    }
  }
  if (best == groups.size()) {
    // Every group is full: the observer the newcomer has met least leaves their triad to
    // practise with them in a room of their own.
    std::size_t from = groups.size();
    std::size_t observer = 0;
    unsigned fewest = std::numeric_limits<unsigned>::max();
    for (std::size_t i = 0; i < groups.size(); ++i)
      for (std::size_t m = 0; m < groups[i].members.size(); ++m) {
        const auto& who = groups[i].members[m];
        if (who.role != role_kind::observer || groups[i].members.size() < full) continue;
        const unsigned cost = history.times_met(newcomer, who.participant) * 1000U +
                              (kept_apart(keep_apart, newcomer, who.participant) ? 1'000'000U : 0U);
        if (cost < fewest) {
          fewest = cost;
          from = i;
          observer = m;
        }
      }
    if (from == groups.size()) {
      groups.push_back(pairing_group{free_room(groups), {{newcomer, role_kind::therapist}}, false});
      return groups.size() - 1;
    }
    const auto partner = groups[from].members[observer].participant;
    groups[from].members.erase(groups[from].members.begin() + static_cast<std::ptrdiff_t>(observer));
    const bool newcomer_leads = history.balance(newcomer) <= history.balance(partner);
    pairing_group pair{free_room(groups),
                       {{newcomer_leads ? newcomer : partner, role_kind::therapist},
                        {newcomer_leads ? partner : newcomer, role_kind::client}},
                       false};
    sort_members(pair);
    groups.push_back(std::move(pair));
    return groups.size() - 1;
  }
  auto& g = groups[best];
  if (g.members.size() == 1) {
    // The one who was alone keeps their role; the newcomer takes the other, freeing the
    // facilitator if it was them.
    g.with_facilitator = false;
    g.members.push_back({newcomer, g.members[0].role == role_kind::client ? role_kind::therapist : role_kind::client});
    if (g.members[0].role == role_kind::observer) g.members[0].role = role_kind::therapist;
  } else {
    g.members.push_back({newcomer, missing_role(g)});
  }
  sort_members(g);
  return best;
}

void remove_and_regroup(std::vector<pairing_group>& groups, const std::vector<std::string>& gone,
                        const pairing_history& history,
                        const std::vector<std::vector<std::string>>& keep_apart) {
  const std::unordered_set<std::string> leaving(gone.begin(), gone.end());
  for (auto& g : groups) {
    std::erase_if(g.members, [&](const group_member& m) { return leaving.contains(m.participant); });
    // An observer steps into a missing therapist or client role so the practice can go on.
    for (role_kind needed : {role_kind::therapist, role_kind::client}) {
      if (missing_role(g) != needed) continue;
      for (auto& m : g.members)
        if (m.role == role_kind::observer) {
          m.role = needed;
          break;
        }
    }
    sort_members(g);
  }
  std::erase_if(groups, [](const pairing_group& g) { return g.members.empty(); });

  // Gather everyone left alone (not those practising with the facilitator) and regroup them.
  std::vector<std::string> alone;
  std::unordered_map<std::string, std::string> room_of;
  // Those practising with the facilitator are not alone.
  for (auto& g : groups)
    if (g.members.size() == 1 && !g.with_facilitator) {
      alone.push_back(g.members[0].participant);
      room_of[g.members[0].participant] = g.room;
    }
  if (alone.empty()) return;
  if (alone.size() == 1 && groups.size() == 1) return;  // no one else to join
  std::erase_if(groups, [](const pairing_group& g) { return g.members.size() == 1 && !g.with_facilitator; });
  // Pair those alone with each other, repeats last; an odd one out joins a group.
  while (alone.size() >= 2) {
    std::size_t bj = 1;
    unsigned best = std::numeric_limits<unsigned>::max();
    for (std::size_t j = 1; j < alone.size(); ++j) {
      const unsigned cost = history.times_met(alone[0], alone[j]) +
                            (kept_apart(keep_apart, alone[0], alone[j]) ? 1'000'000U : 0U);
      if (cost < best) {
        best = cost;
        bj = j;
      }
    }
    pairing_group g;
    g.room = room_of[alone[0]];  // the second person moves into the first one's room
    const bool first_leads = history.balance(alone[0]) <= history.balance(alone[bj]);
    g.members.push_back({first_leads ? alone[0] : alone[bj], role_kind::therapist});
    g.members.push_back({first_leads ? alone[bj] : alone[0], role_kind::client});
    groups.push_back(std::move(g));
    alone.erase(alone.begin() + static_cast<std::ptrdiff_t>(bj));
    alone.erase(alone.begin());
  }
  if (!alone.empty()) slot_in(groups, alone[0], history, keep_apart);
}

}  // namespace dyad::core
