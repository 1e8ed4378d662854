#pragma once

#include <chrono>
#include <cstdint>

namespace dyad::core {

/// Milliseconds since the Unix epoch, the unit of every time in the core and in stored events.
using millis = std::int64_t;

/// The core's only source of time, injected so that tests set it rather than sleep.
class clock {
public:
  virtual ~clock() = default;
  virtual millis now() const = 0;
};

/// The wall clock, for the running server.
class system_clock final : public clock {
public:
  millis now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

/// A clock that moves only when told to. Not thread-safe; tests drive it from one thread.
class manual_clock final : public clock {
public:
  explicit manual_clock(millis start = 1'700'000'000'000) : now_(start) {}
  millis now() const override { return now_; }
  void set(millis t) { now_ = t; }
  void advance(millis by) { now_ += by; }

private:
  millis now_;
};

}  // namespace dyad::core
