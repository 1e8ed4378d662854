#pragma once

// Turns the core's views into the wire's messages. No I/O; usable from any thread on values it
// is given.

#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/roster.hpp"
#include "core/round_clock.hpp"
#include "core/workshop.hpp"
#include "dyad/v1/wire.pb.h"

namespace dyad::net {

/// The wire's code for a core refusal (same meaning, one to one).
dyad::v1::ErrorCode to_error_code(core::errc code);

dyad::v1::Assignment to_wire(const core::assignment& a);
dyad::v1::PhaseState to_wire(std::uint32_t round, const core::round_clock::view& v);
/// The roster as the facilitator sees it; without presence once the workshop says it is not shown
/// (core::workshop::presence_shown).
dyad::v1::Roster roster_of(const core::workshop& w);
/// One participant's line of that roster.
dyad::v1::RosterEntry roster_entry(const core::workshop& w, const core::roster::participant& p);

/// The current round's clock as the wire shows it; empty before the first round.
dyad::v1::PhaseState phase_of(const core::workshop& w);

/// A ServerMessage holding an Error.
dyad::v1::ServerMessage error_message(std::uint64_t request_id, dyad::v1::ErrorCode code, std::string text);

}  // namespace dyad::net
