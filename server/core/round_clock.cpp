#include "core/round_clock.hpp"

#include <algorithm>
#include <utility>

#include "dyad/v1/plan.pb.h"

namespace dyad::core {

std::vector<phase_spec> phases_of(const dyad::v1::Exercise& exercise) {
  std::vector<phase_spec> phases;
  phases.reserve(static_cast<std::size_t>(exercise.phases_size()));
  for (const auto& phase : exercise.phases()) {
    phases.push_back(phase_spec{phase.name(), static_cast<millis>(phase.minutes()) * 60'000,
                                phase.swap_roles()});
  }
  return phases;
}

round_clock::round_clock(std::vector<phase_spec> phases, millis start)
    : phases_(std::move(phases)), started_at_(start), last_command_at_(start) {
  // A negative length would put a deadline before its phase's start and make the round end
  // before it began; treating it as zero keeps every deadline monotonic.
  for (auto& phase : phases_) phase.duration_ms = std::max<millis>(0, phase.duration_ms);
  if (phases_.empty()) {
    state_.finished = true;
    state_.finished_at = start;
  } else {
    state_.deadline = start + phases_.front().duration_ms;
  }
}

round_clock::state round_clock::settled(millis now) const {
  state s = state_;
  // A deadline ends its phase at that instant, not when someone next looks: the next phase
  // starts exactly at the previous deadline, so every observer computes the same schedule.
  while (!s.finished && !s.paused && now >= s.deadline) {
    if (s.phase + 1 < phases_.size()) {
      ++s.phase;
      s.deadline += phases_[s.phase].duration_ms;
    } else {
      s.finished = true;
      s.finished_at = s.deadline;
    }
  }
  return s;
}

result<round_clock::state> round_clock::begin_command(millis now, const char* what) const {
  if (now < last_command_at_) {
    return make_error(errc::invalid_argument,
                      "This clock change is stamped " + std::to_string(last_command_at_ - now) +
                          " ms before the previous one; time cannot run backwards, so it was "
                          "not applied.");
  }
  state s = settled(now);
  if (s.finished) {
    return make_error(errc::wrong_state, std::string("This round has already finished, so there "
                                                     "is nothing to ") +
                                             what + "; launch a new round to time another exercise.");
  }
  return s;
}

millis round_clock::later_phases_ms(std::size_t phase) const {
  millis total = 0;
  for (std::size_t i = phase + 1; i < phases_.size(); ++i) total += phases_[i].duration_ms;
  return total;
}

status round_clock::extend(millis now, millis by_ms) {
  auto s = begin_command(now, "extend");
  if (!s) return s.err();
  if (by_ms < min_extend_ms || by_ms > max_extend_ms) {
    return make_error(errc::invalid_argument,
                      "Extend by between 1 second and 60 minutes; " + std::to_string(by_ms) +
                          " ms is out of range.");
  }
  if (s->paused) {
    s->remaining += by_ms;
  } else {
    s->deadline += by_ms;
  }
  state_ = *s;
  last_command_at_ = now;
  return ok();
}

status round_clock::pause(millis now) {
  auto s = begin_command(now, "pause");
  if (!s) return s.err();
  if (s->paused) {
    return make_error(errc::wrong_state,
                      "The timer is already paused; press Resume to let it run again.");
  }
  s->paused = true;
  s->remaining = s->deadline - now;
  state_ = *s;
  last_command_at_ = now;
  return ok();
}

status round_clock::resume(millis now) {
  auto s = begin_command(now, "resume");
  if (!s) return s.err();
  if (!s->paused) {
    return make_error(errc::wrong_state,
                      "The timer is running, not paused, so there is nothing to resume.");
  }
  s->paused = false;
  s->deadline = now + s->remaining;
  s->remaining = 0;
  state_ = *s;
  last_command_at_ = now;
  return ok();
}

status round_clock::next_phase(millis now) {
  auto s = begin_command(now, "move on from");
  if (!s) return s.err();
  s->paused = false;
  s->remaining = 0;
  if (s->phase + 1 < phases_.size()) {
    ++s->phase;
    s->deadline = now + phases_[s->phase].duration_ms;
  } else {
    s->finished = true;
    s->finished_at = now;
  }
  state_ = *s;
  last_command_at_ = now;
  return ok();
}

status round_clock::end(millis now) {
  auto s = begin_command(now, "end");
  if (!s) return s.err();
  s->paused = false;
  s->remaining = 0;
  s->finished = true;
  s->finished_at = now;
  state_ = *s;
  last_command_at_ = now;
  return ok();
}

round_clock::view round_clock::at(millis now) const {
  now = std::max(now, last_command_at_);
  const state s = settled(now);
  view v;
  v.phase_count = phases_.size();
  v.paused = s.paused;
  v.finished = s.finished;
  if (!phases_.empty()) {
    v.phase_index = s.phase;
    v.phase_name = phases_[s.phase].name;
    v.swap_roles = phases_[s.phase].swap_roles;
  }
  if (s.finished) {
    v.paused = false;
    v.deadline = s.finished_at;
    v.remaining_ms = 0;
    v.round_ends_at = s.finished_at;
  } else if (s.paused) {
    // Reported as if resumed now, like round_ends_at, so that a client ignoring the flag still
    // sees a deadline that is not stale.
    v.remaining_ms = std::max<millis>(0, s.remaining);
    v.deadline = now + v.remaining_ms;
    v.round_ends_at = v.deadline + later_phases_ms(s.phase);
  } else {
    v.deadline = s.deadline;
    v.remaining_ms = std::max<millis>(0, s.deadline - now);
    v.round_ends_at = s.deadline + later_phases_ms(s.phase);
  }
  return v;
}

}  // namespace dyad::core
