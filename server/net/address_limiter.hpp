#pragma once

// A token bucket per client address: what keeps one address from flooding the API or opening
// WebSockets without end, while a venue full of people behind one address still gets in.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace dyad::net {

/// Thread-safe. Memory is bounded: beyond `max_addresses` tracked addresses, those whose buckets
/// have refilled are forgotten, and if none has, the oldest are.
class address_limiter {
public:
  using clock = std::chrono::steady_clock;

  address_limiter(double per_second, double burst, std::size_t max_addresses = 20000)
      : per_second_(per_second), burst_(burst), max_addresses_(max_addresses) {}

  /// Takes one token for `address` at `now`; false when its bucket is empty.
  bool allow(const std::string& address, clock::time_point now = clock::now());
  std::size_t tracked() const;

private:
  struct bucket {
    double tokens;
    clock::time_point refilled;
  };
  void prune(clock::time_point now);

  const double per_second_;
  const double burst_;
  const std::size_t max_addresses_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

}  // namespace dyad::net
