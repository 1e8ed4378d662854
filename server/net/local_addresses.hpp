#pragma once

// What a laptop user needs to hear when the links Dyad gives out point at the laptop itself.

#include <cstdint>
#include <string>
#include <vector>

namespace dyad::net {

/// This machine's IPv4 addresses on its networks (not loopback), e.g. {"192.168.1.23"}.
std::vector<std::string> local_network_addresses();

/// The plain-words note printed at start when the links work only on this computer: what that
/// means, how people in the same room can join, and where a Zoom day needs Dyad instead.
std::string local_only_note(const std::string& base, std::uint16_t port);

}  // namespace dyad::net
