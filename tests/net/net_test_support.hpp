#pragma once

// What every test against the real server shares: how long to wait for an answer, and how to
// wait for one.

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>

#include "dyad/v1/wire.pb.h"
#include "net/server_process.hpp"

namespace dyad::test {

/// How long a test waits for any one answer or event before it fails.
inline constexpr std::chrono::seconds answer_deadline{10};

/// The answer of a request, or an exception naming what went unanswered.
template <class T>
T await(std::future<T> f, const std::string& what) {
  if (f.wait_for(answer_deadline) != std::future_status::ready)
    throw std::runtime_error("no answer in time to " + what);
  return f.get();
}

/// A message as one line, for assertion messages.
inline std::string describe(const dyad::v1::ServerMessage& m) { return m.ShortDebugString(); }

/// The roster entries a message carries, whole (Roster) or changed (RosterChanges); null for
/// any other message.
inline const google::protobuf::RepeatedPtrField<dyad::v1::RosterEntry>* roster_entries(const dyad::v1::ServerMessage& m) {
  if (m.has_roster()) return &m.roster().entries();
  if (m.has_roster_changes()) return &m.roster_changes().entries();
  return nullptr;
}

/// How many are on the roster by a Roster or RosterChanges message; -1 for any other message.
inline int roster_total(const dyad::v1::ServerMessage& m) {
  if (m.has_roster()) return m.roster().entries_size();
  if (m.has_roster_changes()) return static_cast<int>(m.roster_changes().total());
  return -1;
}

/// The small valid plan of tests/data.
inline std::string valid_plan() { return read_text(std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.textproto"); }

}  // namespace dyad::test
