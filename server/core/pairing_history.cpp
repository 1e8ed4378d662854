#include "core/pairing_history.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>
#include <utility>

namespace dyad::core {

namespace {

std::size_t role_slot(role_kind r) { return static_cast<std::size_t>(r); }

}  // namespace

std::uint32_t pairing_history::intern(const std::string& id) {
  const auto [it, inserted] = index_.try_emplace(id, static_cast<std::uint32_t>(people_.size()));
  if (inserted) people_.emplace_back();
  return it->second;
}

const pairing_history::person* pairing_history::find(const std::string& id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &people_[it->second];
}

void pairing_history::meet(std::uint32_t a, std::uint32_t b) {
  auto bump = [](person& p, std::uint32_t other) {
    for (auto& [who, times] : p.met) {
      if (who == other) {
        ++times;
        return;
      }
    }
    p.met.emplace_back(other, 1U);
  };
  bump(people_[a], b);
  bump(people_[b], a);
}

void pairing_history::play(std::uint32_t who, role_kind role) {
  person& p = people_[who];
  ++p.roles[role_slot(role)];
  p.has_last = true;
  p.last = role;
}

void pairing_history::record(const std::vector<pairing_group>& groups) {
  std::vector<std::string> here;
  for (const auto& g : groups)
    for (const auto& m : g.members) here.push_back(m.participant);
  std::sort(here.begin(), here.end());
  if (rounds_ == 0) {
    stable_set_ = here;
  } else if (here != stable_set_) {
    stable_ = false;
  }
  ++rounds_;
  for (const auto& g : groups) {
    std::vector<std::uint32_t> idx;
    for (const auto& m : g.members) idx.push_back(intern(m.participant));
    if (g.with_facilitator && !idx.empty()) ++people_[idx[0]].with_facilitator;
    for (std::size_t i = 0; i < idx.size(); ++i) {
      play(idx[i], g.members[i].role);
      for (std::size_t j = i + 1; j < idx.size(); ++j) meet(idx[i], idx[j]);
    }
  }
}

void pairing_history::record_change(const std::vector<pairing_group>& before,
                                    const std::vector<pairing_group>& after) {
  if (before != after) stable_ = false;
  std::set<std::pair<std::string, std::string>> had;
  std::unordered_set<std::string> was_in;
  for (const auto& g : before) {
    for (const auto& a : g.members) {
      was_in.insert(a.participant);
      for (const auto& b : g.members)
        if (a.participant < b.participant) had.emplace(a.participant, b.participant);
    }
  }
  for (const auto& g : after) {
    for (std::size_t i = 0; i < g.members.size(); ++i) {
      const auto& a = g.members[i];
      if (!was_in.contains(a.participant)) play(intern(a.participant), a.role);
      for (std::size_t j = i + 1; j < g.members.size(); ++j) {
        const auto& b = g.members[j];
        auto key = std::minmax(a.participant, b.participant);
        if (!had.contains({key.first, key.second})) meet(intern(a.participant), intern(b.participant));
      }
    }
  }
}

bool pairing_history::stable_for(const std::vector<std::string>& present) const {
  if (rounds_ == 0) return true;
  if (!stable_ || present.size() != stable_set_.size()) return false;
  auto sorted = present;
  std::sort(sorted.begin(), sorted.end());
  return sorted == stable_set_;
}

unsigned pairing_history::times_met(const std::string& a, const std::string& b) const {
  const person* pa = find(a);
  const auto it = index_.find(b);
  if (pa == nullptr || it == index_.end()) return 0;
  for (const auto& [who, times] : pa->met)
    if (who == it->second) return times;
  return 0;
}

unsigned pairing_history::count(const std::string& who, role_kind role) const {
  const person* p = find(who);
  return p == nullptr ? 0U : p->roles[role_slot(role)];
}

int pairing_history::balance(const std::string& who) const {
  const person* p = find(who);
  if (p == nullptr) return 0;
  return static_cast<int>(p->roles[0]) - static_cast<int>(p->roles[1]);
}

const role_kind* pairing_history::last_role(const std::string& who) const {
  const person* p = find(who);
  return (p == nullptr || !p->has_last) ? nullptr : &p->last;
}

}  // namespace dyad::core
