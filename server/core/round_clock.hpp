#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace dyad::v1 {
class Exercise;
}

namespace dyad::core {

/// One timed phase of a round, as the clock needs it.
struct phase_spec {
  /// As shown to participants, e.g. "Practice", "Debrief".
  std::string name;
  /// Full length of the phase. A negative length is taken as 0 (the phase passes at once).
  millis duration_ms = 0;
  /// Therapist and client swap roles at the start of this phase.
  bool swap_roles = false;

  bool operator==(const phase_spec&) const = default;
};

/// The phases of an exercise in order, with minutes turned into milliseconds.
std::vector<phase_spec> phases_of(const dyad::v1::Exercise& exercise);

/// The timer of one round: phases back to back, each ending at an absolute deadline.
///
/// Time is never read inside; every command and view takes `now`. The state is a pure function
/// of the construction arguments and the sequence of applied commands with their timestamps, so
/// the server rebuilds an identical clock by replaying its event log. A rejected command changes
/// nothing. Not thread-safe: the owning workshop serialises access.
class round_clock {
public:
  /// Shortest and longest single extension the facilitator may ask for.
  static constexpr millis min_extend_ms = 1'000;
  static constexpr millis max_extend_ms = 60 * 60'000;

  /// What every participant sees at one instant.
  struct view {
    /// 0-based index of the current phase; after the round finished, the phase it finished in.
    std::size_t phase_index = 0;
    /// How many phases the round has ("phase 2 of 3").
    std::size_t phase_count = 0;
    std::string phase_name;
    bool swap_roles = false;
    /// Absolute end of the current phase. While paused it is only where the deadline would be
    /// if resumed now (show remaining_ms instead); after the round finished, when it finished.
    millis deadline = 0;
    bool paused = false;
    /// Time left in the current phase, never negative; frozen while paused.
    millis remaining_ms = 0;
    bool finished = false;
    /// When the round will end if nothing changes (while paused: if resumed now); after it
    /// finished, when it did.
    millis round_ends_at = 0;

    bool operator==(const view&) const = default;
  };

  /// Starts the round at `start`: phase 0 runs from `start` for its full length. With no phases
  /// the round is finished at `start`.
  round_clock(std::vector<phase_spec> phases, millis start);

  /// Lengthens the current phase by `by_ms` (1 s to 60 min); while paused, adds to the time
  /// left.
  status extend(millis now, millis by_ms);
  /// Freezes the time left in the current phase.
  status pause(millis now);
  /// Restarts a paused phase with the time it had left: its deadline becomes now + remaining.
  status resume(millis now);
  /// Ends the current phase early; the next one starts now with its full length (running, even
  /// if the clock was paused, since the facilitator chose to move on). On the last phase the
  /// round finishes.
  status next_phase(millis now);
  /// Finishes the round now.
  status end(millis now);

  /// The round as seen at `now`, with every deadline that has passed rolled over to the next
  /// phase at that deadline. A `now` earlier than the last applied command shows the state at
  /// that command, since earlier states are not kept.
  view at(millis now) const;

  /// The phases the round was built from, lengths clamped to ≥ 0.
  const std::vector<phase_spec>& phases() const noexcept { return phases_; }
  /// When the round started.
  millis started_at() const noexcept { return started_at_; }
  /// The timestamp a new command must not precede.
  millis last_command_at() const noexcept { return last_command_at_; }

private:
  // The mutable part, kept apart so that a command can work on a copy and commit it only when
  // it succeeds, and so that a view can roll deadlines over without touching the clock.
  struct state {
    std::size_t phase = 0;
    // Deadline of `phase` while running.
    millis deadline = 0;
    // Time left in `phase` while paused.
    millis remaining = 0;
    bool paused = false;
    bool finished = false;
    millis finished_at = 0;
  };

  state settled(millis now) const;
  result<state> begin_command(millis now, const char* what) const;
  millis later_phases_ms(std::size_t phase) const;

  std::vector<phase_spec> phases_;
  millis started_at_;
  millis last_command_at_;
  state state_;
};

}  // namespace dyad::core
