#include "net/closed_run_cache.hpp"

namespace dyad::net {

std::optional<closed_run_cache::entry> closed_run_cache::find(const std::string& code) const {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(code);
  if (it == runs_.end()) return std::nullopt;
  return it->second;
}

void closed_run_cache::keep(const std::string& code, std::string series, core::series_run run) {
  auto statistics = core::run_statistics(run.plan, run.info, run.responses, run.seed);
  std::lock_guard lock(mutex_);
  const bool added = runs_.insert_or_assign(code, entry{std::move(series), std::move(run), std::move(statistics)}).second;
  if (added) order_.push_back(code);
  while (runs_.size() > max_runs) {
    runs_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<bool> closed_run_cache::of_series(const std::string& code, const std::string& series) const {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(code);
  if (it == runs_.end()) return std::nullopt;
  return it->second.series == series;
}

std::size_t closed_run_cache::size() const {
  std::lock_guard lock(mutex_);
  return runs_.size();
}

}  // namespace dyad::net
