#pragma once

// What a workshop sees of a connection: somewhere to deliver frames. Keeps Beast out of the
// workshop host, and keeps the host from touching a session's state.

#include <cstdint>
#include <memory>
#include <string>

namespace dyad::net {

/// One connected client, as the workshop host addresses it. Thread-safe: both functions post
/// onto the connection's own strand.
class peer {
public:
  virtual ~peer() = default;
  /// Queues one serialised ServerMessage (shared, so a broadcast is serialised once).
  virtual void deliver(std::shared_ptr<const std::string> frame) = 0;
  /// Queues a last frame (a Goodbye) and then closes the connection politely.
  virtual void close_after(std::shared_ptr<const std::string> last_frame) = 0;
  /// Unique for the process's lifetime.
  virtual std::uint64_t id() const noexcept = 0;
  /// Whether whoever opened it is signed in with access to this workshop's run (its facilitator,
  /// a co-facilitator or an organiser), found from their session cookie when it opened: such a
  /// connection attaches as the facilitator without the token.
  virtual bool signed_in_facilitator() const noexcept { return false; }
};

}  // namespace dyad::net
