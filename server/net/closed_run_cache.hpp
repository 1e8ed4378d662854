#pragma once

// The figures of closed runs, computed once from the log rather than at every report.

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/statistics.hpp"
#include "dyad/v1/feedback.pb.h"

namespace dyad::net {

/// What the reports need of a closed run: its series, the run as one run of its series (plan,
/// day, released responses, seed) and its own statistics. A closed run's released responses,
/// plan and day never change again (erasing names leaves the figures as they were), so they are
/// computed once, from one replay of its log, and kept. Open runs are never kept: their figures
/// move with every release. At most `max_runs` are kept, the runs kept longest going first, so a
/// server that hosts run after run does not grow: a run let go is replayed again when asked for.
/// Thread-safe.
class closed_run_cache {
public:
  /// A run kept with its plan and transcripts is tens of KiB: a few MiB at most.
  static constexpr std::size_t max_runs = 64;

  struct entry {
    std::string series;
    core::series_run run;
    dyad::v1::RunStatistics statistics;
  };

  /// The kept figures of `code`, if it closed and was kept.
  std::optional<entry> find(const std::string& code) const;
  /// Keeps a closed run's figures, its statistics computed here once.
  void keep(const std::string& code, std::string series, core::series_run run);
  /// Whether `code` is kept, and if so whether it belongs to `series`.
  std::optional<bool> of_series(const std::string& code, const std::string& series) const;
  /// How many runs are kept (for tests).
  std::size_t size() const;

private:
  mutable std::mutex mutex_;
  std::map<std::string, entry> runs_;
  // The codes kept, oldest first.
  std::deque<std::string> order_;
};

}  // namespace dyad::net
