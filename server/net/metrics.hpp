#pragma once

// Counters for GET /metrics, in Prometheus text format. Lock-free: every thread bumps them.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace dyad::net {

/// The server's counters. Thread-safe (relaxed atomics: each counter is independent).
class metrics {
public:
  std::atomic<std::int64_t> websocket_connections{0};
  std::atomic<std::uint64_t> websocket_connections_total{0};
  std::atomic<std::uint64_t> http_requests_total{0};
  std::atomic<std::uint64_t> messages_in_total{0};
  std::atomic<std::uint64_t> messages_out_total{0};
  std::atomic<std::uint64_t> errors_total{0};
  std::atomic<std::uint64_t> rate_limited_total{0};
  std::atomic<std::uint64_t> slow_clients_dropped_total{0};
  std::atomic<std::uint64_t> rounds_launched_total{0};
  std::atomic<std::uint64_t> feedback_submissions_total{0};
  std::atomic<std::uint64_t> store_failures_total{0};
  /// Appends committed or refused; beside the commit count, how well appends are grouped.
  std::atomic<std::uint64_t> store_appends_total{0};
  std::atomic<std::int64_t> workshops_open{0};

  /// Records how long one store commit (one transaction, however many appends) took.
  void observe_commit(double seconds);

  /// How many store commits have been observed.
  std::uint64_t commits() const noexcept { return commit_count_.load(std::memory_order_relaxed); }

  /// The text served at /metrics.
  std::string render() const;

  static constexpr std::array<double, 10> commit_buckets{0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,  0.1,    0.25,  0.5,  1.0};

private:
  std::array<std::atomic<std::uint64_t>, commit_buckets.size()> commit_bucket_counts_{};
  std::atomic<std::uint64_t> commit_count_{0};
  // In microseconds, so that an integer atomic can hold the sum.
  std::atomic<std::uint64_t> commit_sum_us_{0};
};

}  // namespace dyad::net
