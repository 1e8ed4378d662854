#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace dyad::core {

/// Maximum-cardinality matching on a general graph (Edmonds' blossom algorithm) whose edges are
/// given by a predicate rather than stored: pairing works on the complement of a sparse "have
/// already met" graph, so the graph is dense and listing its edges would cost O(n²) memory.
///
/// Start from a greedy matching: on the near-complete graphs pairing sees, it leaves few vertices
/// unmatched, and each augmentation from one of them usually ends within a couple of hops.
template <class Adjacent>
class max_matching {
public:
  static constexpr int none = -1;

  max_matching(int vertices, Adjacent adjacent)
      : n_(vertices),
        adjacent_(std::move(adjacent)),
        match_(static_cast<std::size_t>(vertices), none),
        parent_(static_cast<std::size_t>(vertices), none),
        base_(static_cast<std::size_t>(vertices)),
        used_(static_cast<std::size_t>(vertices), false),
        in_blossom_(static_cast<std::size_t>(vertices), false),
        on_path_(static_cast<std::size_t>(vertices), false) {}

  /// Matches greedily, taking vertices in `order` and each one's first free neighbour after it
  /// (at most `scan_limit` tries per vertex), then augments until the matching is maximum.
  /// Returns the mate of each vertex, or `none`.
  const std::vector<int>& solve(const std::vector<int>& order, std::size_t scan_limit = 64) {
    greedy(order, scan_limit);
    for (int v : order) {
      if (match_[at(v)] != none) continue;
      augment_from(v);
    }
    return match_;
  }

  /// Continues from a matching found earlier (on a subgraph of this graph): keeps it and augments
  /// until maximum. Augmenting never unmatches a vertex, so most of the earlier edges survive.
  const std::vector<int>& solve_from(const std::vector<int>& initial, const std::vector<int>& order) {
    match_ = initial;
    for (int v : order) {
      if (match_[at(v)] != none) continue;
      augment_from(v);
    }
    return match_;
  }

  /// Whether every vertex has a mate.
  bool perfect() const {
    for (int m : match_)
      if (m == none) return false;
    return true;
  }

  const std::vector<int>& mates() const { return match_; }

private:
  static std::size_t at(int v) { return static_cast<std::size_t>(v); }

  void greedy(const std::vector<int>& order, std::size_t scan_limit) {
    // A doubly linked list of the still-unmatched vertices in `order`.
    const std::size_t k = order.size();
    std::vector<std::size_t> next(k + 1), prev(k + 1);
    for (std::size_t i = 0; i <= k; ++i) {
      next[i] = i + 1;
      prev[i] = i == 0 ? k : i - 1;
    }
    auto unlink = [&](std::size_t i) {
      if (prev[i] != k) next[prev[i]] = next[i];
      if (next[i] <= k) prev[next[i]] = prev[i];
    };
    std::size_t head = 0;
    while (head < k) {
      const int u = order[head];
      std::size_t tries = 0;
      std::size_t j = next[head];
      while (j < k && tries < scan_limit && !adjacent_(u, order[j])) {
        j = next[j];
        ++tries;
      }
      const std::size_t after = next[head];
      unlink(head);
      if (j < k && tries < scan_limit) {
        const int v = order[j];
        match_[at(u)] = v;
        match_[at(v)] = u;
        const std::size_t after_j = next[j];
        unlink(j);
        head = (after == j) ? after_j : after;
      } else {
        head = after;
      }
    }
  }

  int lowest_common_ancestor(int a, int b) {
    std::fill(on_path_.begin(), on_path_.end(), false);
    for (;;) {
      a = base_[at(a)];
      on_path_[at(a)] = true;
      if (match_[at(a)] == none) break;
      a = parent_[at(match_[at(a)])];
    }
    for (;;) {
      b = base_[at(b)];
      if (on_path_[at(b)]) return b;
      b = parent_[at(match_[at(b)])];
    }
  }

  void mark_path(int v, int b, int child) {
    while (base_[at(v)] != b) {
      in_blossom_[at(base_[at(v)])] = true;
      in_blossom_[at(base_[at(match_[at(v)])])] = true;
      parent_[at(v)] = child;
      child = match_[at(v)];
      v = parent_[at(match_[at(v)])];
    }
  }

  int find_path(int root) {
    std::fill(used_.begin(), used_.end(), false);
    std::fill(parent_.begin(), parent_.end(), none);
    for (int i = 0; i < n_; ++i) base_[at(i)] = i;
    used_[at(root)] = true;
    std::deque<int> queue{root};
    while (!queue.empty()) {
      const int v = queue.front();
      queue.pop_front();
      for (int to = 0; to < n_; ++to) {
        if (to == v || base_[at(v)] == base_[at(to)] || match_[at(v)] == to) continue;
        if (!adjacent_(v, to)) continue;
        if (to == root || (match_[at(to)] != none && parent_[at(match_[at(to)])] != none)) {
          const int current_base = lowest_common_ancestor(v, to);
          std::fill(in_blossom_.begin(), in_blossom_.end(), false);
          mark_path(v, current_base, to);
          mark_path(to, current_base, v);
          for (int i = 0; i < n_; ++i) {
            if (!in_blossom_[at(base_[at(i)])]) continue;
            base_[at(i)] = current_base;
            if (!used_[at(i)]) {
              used_[at(i)] = true;
              queue.push_back(i);
            }
          }
        } else if (parent_[at(to)] == none) {
          parent_[at(to)] = v;
          if (match_[at(to)] == none) return to;
          used_[at(match_[at(to)])] = true;
          queue.push_back(match_[at(to)]);
        }
      }
    }
    return none;
  }

  void augment_from(int root) {
    int v = find_path(root);
    while (v != none) {
      const int pv = parent_[at(v)];
      const int ppv = match_[at(pv)];
      match_[at(v)] = pv;
      match_[at(pv)] = v;
      v = ppv;
    }
  }

  int n_;
  Adjacent adjacent_;
  std::vector<int> match_;
  std::vector<int> parent_;
  std::vector<int> base_;
  std::vector<bool> used_;
  std::vector<bool> in_blossom_;
  std::vector<bool> on_path_;
};

}  // namespace dyad::core
