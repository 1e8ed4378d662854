#pragma once

// Who is connected to one workshop, and what they were last told: the connections by peer id,
// the one each participant uses now, and the fan-out of a stored change to everyone it concerns,
// each message serialised once. A change costs in proportion to the people it touches, not to
// everyone present: assignments are rebuilt only for those whose room or round changed, the
// roster goes to facilitators as the changed entries only, gathered over a moment, and nothing is
// built for a dashboard that is not attached. Unchanged assignments and rosters are not sent
// again. No Asio and no Beast: a connection is a `peer`, and whatever owns the workshop calls in
// on its strand.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/workshop.hpp"
#include "dyad/v1/wire.pb.h"
#include "net/peer.hpp"

namespace dyad::net {

/// What a connection is to its workshop.
enum class connection_role { anonymous, participant, facilitator };

/// One connection as its workshop knows it.
struct connection {
  std::weak_ptr<peer> link;
  connection_role as = connection_role::anonymous;
  /// Set once it is a participant's.
  std::string participant_id;
};

/// The connections of one workshop. Not thread-safe: the workshop's strand owns it.
class audience {
public:
  /// Starts with nobody connected and `w`'s current message as the one pages show.
  audience(const core::clock& time, const core::workshop& w);

  // Connections coming and going.

  /// A new connection: anonymous until it joins, resumes or attaches.
  void add(std::shared_ptr<peer> link);
  /// The connection, or null once it has closed (or been closed).
  const connection* find(std::uint64_t peer_id) const;
  /// Forgets a connection that closed. Says whose current connection it was, if a participant's
  /// (nothing for a participant who has resumed on another since).
  std::optional<std::string> remove(std::uint64_t peer_id);
  /// Makes the connection the participant's current one. False when it has closed meanwhile.
  bool bind_participant(std::uint64_t peer_id, const std::string& participant_id);
  /// Whether the participant has a connection now.
  bool connected(const std::string& participant_id) const { return connection_of_.contains(participant_id); }
  /// How many dashboards are attached.
  std::size_t facilitators() const noexcept { return facilitators_; }
  /// Makes the connection the facilitator's.
  void bind_facilitator(std::uint64_t peer_id);
  /// While `keep` is open, tells the participant's other connection (another tab, a half-dead
  /// socket) `reason` and closes it.
  void close_other_connection(const std::string& participant_id, std::uint64_t keep, const std::string& reason);
  /// The participant left: their page is no longer theirs to update.
  void forget_participant(const std::string& participant_id);
  /// Tells every connection of this role `reason` and closes it.
  void close_all(connection_role as, const std::string& reason);
  /// Tells every connection `reason` and closes it: the server is stopping.
  void close_everyone(const std::string& reason);

  // Delivery.

  /// Stamps the server's time and sends to one connection (nothing if it has closed).
  void send(std::uint64_t peer_id, dyad::v1::ServerMessage message);
  /// Serialises once and sends to every current connection of the given kinds.
  void send_to_all(dyad::v1::ServerMessage message, bool participants, bool facilitators);

  /// What a published change leaves for the workshop's timers to do.
  struct follow_up {
    /// The phase may have moved: the phase timer is set anew.
    bool phase = false;
    /// Responses were released: the tallies follow shortly, once for a burst.
    bool tallies = false;
    /// The roster changed while a dashboard is attached: `flush_roster` soon, once for a burst.
    bool roster = false;
  };
  /// Tells everyone concerned what the stored `events` changed in `w`.
  follow_up publish(const core::workshop& w, const core::event_list& events);

  /// After a rebuild from the log: every page is shown the workshop as stored (assignments,
  /// clock and the whole roster), whatever it was told before.
  void show_as_stored(const core::workshop& w);
  /// The round's clock, to everyone.
  void send_phase(const core::workshop& w);
  /// The whole roster, to facilitators, unless it is what they were last sent.
  void send_roster(const core::workshop& w);
  /// What changed on the roster since the last send, to facilitators: the changed entries, or
  /// the whole roster when what every entry shows has changed (feedback opening hides presence).
  void flush_roster(const core::workshop& w);
  /// Each connected participant's assignment, to those whose page shows another (an empty
  /// Assignment means "not in a group now").
  void refresh_assignments(const core::workshop& w);
  /// The same for these participants only.
  void refresh_assignments(const core::workshop& w, const std::set<std::string>& participant_ids);
  /// Records the assignment a participant's page shows now (it came in their snapshot).
  void assignment_shown(const std::string& participant_id, const dyad::v1::Assignment& shown);
  /// The released responses' count and tallies, to facilitators.
  void send_tallies(const core::workshop& w);

private:
  void send_group_statuses(const core::workshop& w);
  void send_feedback_states(const core::workshop& w);
  void refresh_assignment(const core::workshop& w, const std::string& participant_id, std::uint64_t peer_id);
  /// Who a regroup touched: the members of every room whose members or roles differ from the
  /// room's last groups, before and after. Remembers `groups` as the last.
  void remember_rooms(const core::workshop& w);
  std::set<std::string> regrouped(const google::protobuf::RepeatedPtrField<dyad::v1::Group>& groups);
  std::shared_ptr<const std::string> goodbye(const std::string& reason) const;

  const core::clock& time_;
  std::map<std::uint64_t, connection> connections_;
  // The connection each participant uses now (the latest Join or Resume).
  std::unordered_map<std::string, std::uint64_t> connection_of_;
  // What each participant's page was last sent, serialised, so unchanged assignments are not resent.
  std::unordered_map<std::string, std::string> last_assignment_;
  // The roster last sent whole to facilitators, so an unchanged one is not sent again.
  std::string last_roster_;
  // Who changed on the roster since the last send, by join order; or everyone.
  std::set<std::string> roster_changed_;
  bool roster_all_changed_ = false;
  std::size_t facilitators_ = 0;
  // The current round's rooms as last published, serialised, by room: a regroup rebuilds the
  // assignments of the rooms it changed only.
  std::unordered_map<std::string, std::string> rooms_;
  // The message pages were last told of (serialized; empty: none showing).
  std::string broadcast_shown_;
};

}  // namespace dyad::net
