#include "net/metrics.hpp"

#include <sstream>

namespace dyad::net {

void metrics::observe_commit(double seconds) {
  for (std::size_t i = 0; i < commit_buckets.size(); ++i)
    if (seconds <= commit_buckets[i]) commit_bucket_counts_[i].fetch_add(1, std::memory_order_relaxed);
  commit_count_.fetch_add(1, std::memory_order_relaxed);
  commit_sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string metrics::render() const {
  std::ostringstream out;
  const auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " counter\n" << name << ' ' << v << '\n';
  };
  const auto gauge = [&](const char* name, const char* help, std::int64_t v) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n" << name << ' ' << v << '\n';
  };
  constexpr auto r = std::memory_order_relaxed;
  gauge("dyad_websocket_connections", "WebSocket connections open now.", websocket_connections.load(r));
  counter("dyad_websocket_connections_total", "WebSocket connections accepted.", websocket_connections_total.load(r));
  counter("dyad_http_requests_total", "HTTP requests served.", http_requests_total.load(r));
  counter("dyad_messages_in_total", "WebSocket frames received.", messages_in_total.load(r));
  counter("dyad_messages_out_total", "WebSocket frames sent.", messages_out_total.load(r));
  counter("dyad_errors_total", "Requests answered with an error.", errors_total.load(r));
  counter("dyad_rate_limited_total", "Requests refused by the rate limit.", rate_limited_total.load(r));
  counter("dyad_slow_clients_dropped_total", "Connections closed because their send queue overflowed.",
          slow_clients_dropped_total.load(r));
  counter("dyad_rounds_launched_total", "Breakout rounds launched.", rounds_launched_total.load(r));
  counter("dyad_feedback_submissions_total", "Feedback submissions stored.", feedback_submissions_total.load(r));
  counter("dyad_store_failures_total", "Store appends that failed or were refused.", store_failures_total.load(r));
  counter("dyad_store_appends_total",
          "Store appends, committed in groups: dyad_store_commit_seconds_count counts the transactions.",
          store_appends_total.load(r));
  gauge("dyad_workshops_open", "Workshops served now.", workshops_open.load(r));

  out << "# HELP dyad_store_commit_seconds Time to commit a batch of events to the store.\n"
         "# TYPE dyad_store_commit_seconds histogram\n";
  for (std::size_t i = 0; i < commit_buckets.size(); ++i)
    out << "dyad_store_commit_seconds_bucket{le=\"" << commit_buckets[i] << "\"} " << commit_bucket_counts_[i].load(r)
        << '\n';
  const auto count = commit_count_.load(r);
  out << "dyad_store_commit_seconds_bucket{le=\"+Inf\"} " << count << '\n'
      << "dyad_store_commit_seconds_sum " << static_cast<double>(commit_sum_us_.load(r)) / 1e6 << '\n'
      << "dyad_store_commit_seconds_count " << count << '\n';
  return out.str();
}

}  // namespace dyad::net
