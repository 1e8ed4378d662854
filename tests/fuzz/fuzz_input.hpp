#pragma once

// The fuzz target's input: a few steps, each one byte saying what happens on which connection,
// two bytes of length (little-endian) and that many bytes of payload. The corpus generator
// writes inputs in this form and the target reads them; libFuzzer mutates them freely, and any
// byte string is a valid input (a length past the end takes what is left).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dyad::fuzz {

/// The connections of the live workshop the target drives. Before the input's steps, the first
/// has attached as the facilitator and the next four have resumed as participants p1…p4; the
/// last is anonymous (it may join).
inline constexpr std::size_t connection_count = 6;
inline constexpr std::size_t facilitator_slot = 0;
inline constexpr std::size_t anonymous_slot = 5;
/// Steps read from one input; the rest is ignored.
inline constexpr std::size_t max_steps = 24;

enum class action : std::uint8_t {
  /// The payload arrives as a binary frame on the connection.
  binary_frame = 0,
  /// The payload arrives as a text frame (refused by the session, never seen by the workshop).
  text_frame = 1,
  /// The connection's socket is cut; a fresh anonymous connection takes its place.
  cut = 2,
  /// The clock moves on by the payload's first four bytes (little-endian, milliseconds, at most
  /// three hours), then the server's regroup tick runs.
  advance_clock = 3,
};

struct step {
  action what;
  std::size_t connection;
  std::string_view payload;
};

inline std::uint8_t op_byte(action what, std::size_t connection) {
  return static_cast<std::uint8_t>((static_cast<unsigned>(what) << 4) | (connection & 0x0f));
}

/// The steps of an input, at most max_steps.
inline std::vector<step> read_steps(const std::uint8_t* data, std::size_t size) {
  std::vector<step> steps;
  std::size_t at = 0;
  while (at + 3 <= size && steps.size() < max_steps) {
    const auto op = data[at];
    const std::size_t length = static_cast<std::size_t>(data[at + 1]) | (static_cast<std::size_t>(data[at + 2]) << 8);
    at += 3;
    const auto take = length < size - at ? length : size - at;
    steps.push_back({static_cast<action>((op >> 4) & 0x03), (op & 0x0f) % connection_count,
                     std::string_view(reinterpret_cast<const char*>(data + at), take)});
    at += take;
  }
  return steps;
}

/// Appends one step to an input.
inline void write_step(std::string& input, action what, std::size_t connection, std::string_view payload) {
  input.push_back(static_cast<char>(op_byte(what, connection)));
  input.push_back(static_cast<char>(payload.size() & 0xff));
  input.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
  input.append(payload);
}

}  // namespace dyad::fuzz
