#pragma once

// A new facilitator link for a workshop the server does not hold in memory (closed, or no server
// running): through the core, as a stored event, like every other change.

#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/event_log.hpp"

namespace dyad::net {

/// Rebuilds the workshop `code` from `log`, replaces its facilitator token through the core and
/// appends the event. Returns the new token; errc::not_found for an unknown code.
core::result<std::string> replace_facilitator_token_in_log(store::event_log& log, const std::string& code,
                                                          const core::clock& time);

}  // namespace dyad::net
