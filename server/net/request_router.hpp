#pragma once

// Who may do what in one workshop: a connection greets (Join, Resume or AttachFacilitator)
// before anything else, participants and the facilitator each have their own requests, and
// every request is answered with exactly one message of its request_id — its answer, an Ack
// once its events are stored, or an Error saying what happened and what to do. The router turns
// requests into the core's commands; what the stored events change is published by the
// workshop's host. Runs on the workshop's strand.

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/workshop.hpp"
#include "dyad/v1/wire.pb.h"

namespace dyad::net {

class audience;
class metrics;
class workshop_actor;
struct public_links;

/// Routes one workshop's requests. Not thread-safe: called on the workshop's strand, from jobs.
class request_router {
public:
  using publisher = std::function<void(const core::event_list&)>;
  /// Queues a job on the workshop, keeping whatever owns the router alive until it has run.
  using scheduler = std::function<void(std::function<void()>)>;

  /// `publish` tells everyone concerned what stored events changed; it runs after the requester
  /// has been answered. `later` queues the router's own jobs (the gathered presence changes).
  request_router(workshop_actor& actor, audience& people, metrics& counters, const public_links& links,
                 publisher publish, scheduler later);

  /// One request from a connection.
  void on_request(std::uint64_t peer_id, const dyad::v1::ClientMessage& request);
  /// Answers a request that found the queue full: ERROR_CODE_UNAVAILABLE, retry in a moment.
  void refuse_busy(std::uint64_t peer_id, std::uint64_t request_id);
  /// A connection closed: the participant whose page it was is disconnected (away or gone stays
  /// so). Connections closing together (a venue's network dropping) are stored as one change, by
  /// a job queued behind the requests already waiting; one that has resumed meanwhile is left out.
  void on_detach(std::uint64_t peer_id);
  /// Issues a new facilitator token: stored first, then dashboards attached with the old one are
  /// told and closed. `done` gets the token, or why not.
  void replace_facilitator_token(std::function<void(core::result<std::string>)> done);

private:
  void greet_join(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::Join& join);
  void greet_resume(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::Resume& resume);
  void greet_attach(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::AttachFacilitator& attach);
  /// The participant's connection is gone: they are disconnected with the others gone meanwhile.
  void note_gone(const std::string& participant_id);
  void store_gone();
  /// Those resuming together are present again as one change, then each is welcomed.
  void store_back();
  /// Makes the connection this participant's and answers with their snapshot and token.
  void welcome_participant(std::uint64_t peer_id, std::uint64_t rid, const std::string& participant_id,
                           const std::string& token);
  void participant_request(std::uint64_t peer_id, const std::string& participant_id, std::uint64_t rid,
                           const dyad::v1::ClientMessage& m);
  void facilitator_request(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::ClientMessage& m);
  void preview_round(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::PreviewRound& preview);
  void launch_round(std::uint64_t peer_id, std::uint64_t rid, const dyad::v1::LaunchRound& launch);

  /// Stores a command's events, then answers Ack (or the error), runs `after`, and publishes.
  void commit_and_ack(std::uint64_t peer_id, std::uint64_t rid, core::result<core::event_list> outcome,
                      std::function<void()> after = {});
  void reply_ack(std::uint64_t peer_id, std::uint64_t rid);
  void reply_error(std::uint64_t peer_id, std::uint64_t rid, const core::error& e);
  void reply_error(std::uint64_t peer_id, std::uint64_t rid, dyad::v1::ErrorCode code, std::string text);

  workshop_actor& actor_;
  audience& audience_;
  metrics& metrics_;
  const public_links& links_;
  publisher publish_;
  scheduler later_;
  // Participants whose connection closed, not yet stored as disconnected.
  std::set<std::string> gone_;
  bool gone_queued_ = false;
  // Resumes waiting for their presence to be stored, in arrival order.
  struct resuming {
    std::uint64_t peer_id;
    std::uint64_t rid;
    std::string participant_id;
    std::string token;
  };
  std::vector<resuming> back_;
  bool back_queued_ = false;
  // Participants whose resume is being answered: a close of their old connection meanwhile does
  // not make them disconnected.
  std::map<std::string, unsigned> resuming_;
  void resume_started(const std::string& participant_id) { ++resuming_[participant_id]; }
  void resume_answered(const std::string& participant_id);
};

}  // namespace dyad::net
