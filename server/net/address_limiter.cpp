#include "net/address_limiter.hpp"

#include <algorithm>
#include <vector>

namespace dyad::net {

bool address_limiter::allow(const std::string& address, clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) prune(now);
    it = buckets_.emplace(address, bucket{burst_, now}).first;
  }
  auto& b = it->second;
  const std::chrono::duration<double> elapsed = now - b.refilled;
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed.count()) * per_second_);
  b.refilled = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

std::size_t address_limiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void address_limiter::prune(clock::time_point now) {
  // A full bucket says nothing a fresh one would not: forget those first.
  const auto full_after = std::chrono::duration<double>(burst_ / per_second_);
  std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.refilled >= full_after; });
  if (buckets_.size() < max_addresses_) return;
  std::vector<std::pair<clock::time_point, std::string>> by_age;
  by_age.reserve(buckets_.size());
  for (const auto& [a, b] : buckets_) by_age.emplace_back(b.refilled, a);
  const auto drop = by_age.begin() + static_cast<std::ptrdiff_t>(by_age.size() / 2);
  std::nth_element(by_age.begin(), drop, by_age.end());
  for (auto it = by_age.begin(); it != drop; ++it) buckets_.erase(it->second);
}

}  // namespace dyad::net
