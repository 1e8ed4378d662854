#pragma once

// A live workshop in process for the fuzz target: the real workshop host (actor, router,
// audience, views) on an io_context that the caller's thread runs, the real store worker over an
// event log kept in memory, a manual clock, and fake connections that record every frame they
// are delivered. One instance serves many inputs; `run` starts each from the same workshop, so
// an input always does the same thing.
//
// Beyond crashes and sanitizer reports, `run` checks the server's promises and aborts (a finding)
// when one breaks:
//   - every frame delivered to a connection is a dyad.v1.ServerMessage;
//   - every request the workshop is handed is answered exactly once, with its request_id;
//   - the workshop in memory equals the workshop replayed from the stored log.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/workshop.hpp"
#include "fuzz_input.hpp"

namespace dyad::fuzz {

/// The fixed facts of the workshop every input starts from (the corpus generator uses them too).
struct workshop_facts {
  static constexpr const char* code = "FUZZ-2345";
  static constexpr const char* facilitator_token = "fuzz-facilitator-token-0123456789";
  /// The resume token of participant p(i+1), i < 4: 22 to 128 plain characters.
  static std::string resume_token(std::size_t i) { return "fuzz-resume-token-000000000" + std::to_string(i + 1); }
  static constexpr std::size_t participants = 4;
};

class live_workshop {
public:
  /// Loads the plan at `plan_path` and builds the starting workshop. Throws on a bad plan.
  explicit live_workshop(const std::string& plan_path);
  ~live_workshop();
  live_workshop(const live_workshop&) = delete;
  live_workshop& operator=(const live_workshop&) = delete;

  /// Runs one input's steps against a fresh copy of the starting workshop, checks the promises
  /// above, and takes the workshop down again.
  void run(const std::vector<step>& steps);

  /// The workshop every input starts from (for the corpus generator: its exercises and rooms).
  const core::workshop& starting_workshop() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dyad::fuzz
