#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dyad/v1/events.pb.h"

namespace dyad::store {

using core::errc;
using core::result;
using core::status;

/// The append-only event log of every workshop, from which a restarted server rebuilds them.
///
/// Storage-neutral: SQLite on one machine (`sqlite_event_log`), PostgreSQL when several nodes
/// share the log. Every implementation keeps the same promises:
///
/// - **Acknowledged means durable.** When `append` returns ok (or `append_many` an ok result for
///   an append), the events survive the process being killed at any instant and the machine
///   losing power; the server acknowledges a participant's submission only after that.
/// - **All or nothing.** A refused or failed `append` writes nothing. In `append_many`, this holds
///   for each append on its own: a refused one writes nothing and the others are stored.
/// - **Feedback is anonymous by construction.** A `FeedbackSubmitted` event is never stored as
///   it arrives. Its response is kept with no participant, connection, time or sequence number,
///   in an order unrelated to arrival; who submitted is kept apart, with no link to the response
///   and no time. `load` therefore gives feedback back in two unlinked forms (see `load`).
/// - **Stored feedback says no more than the figures shown.** While a response is held back (not
///   yet named by a `FeedbackReleased`, its workshop not closed) nothing stored tells it apart
///   from the other held-back responses, nor its submitter from the other submitters not yet
///   settled. Once released, a response may be told apart by the batch it was released in (which
///   the `FeedbackReleased` event says anyway), never by its arrival within the batch.
/// - **One submission per participant.** Appending a second `FeedbackSubmitted` for a
///   participant of the same workshop is refused with errc::already_submitted, even if every
///   check above the store was bypassed by a bug.
///
/// Errors are values: errc::unavailable when the storage fails (disk full, permissions, a damaged
/// file, the database gone), with a sentence naming what failed and what to do; retrying may
/// work. No function throws.
///
/// Thread-safety: implementations serialise their calls internally, so any thread may call any
/// function; the server appends from one store thread, so that a slow disk never blocks a
/// workshop's strand, and reads (exports, statistics, readiness) through read-only connections
/// of their own beside it (see `store_worker`).
class event_log {
public:
  virtual ~event_log() = default;

  event_log() = default;
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  /// Appends `events` to the log of `workshop_code` (creating the log on first use), in one
  /// transaction, durably. Returns the sequence number of the last ordinary event in the log
  /// afterwards: numbers start at 1 and grow by one per ordinary event. Feedback takes no
  /// sequence number, because a number would place a submission in time among the other events;
  /// so a batch of feedback alone returns the number unchanged. An empty batch writes nothing.
  ///
  /// Refuses, writing nothing: errc::invalid_argument for an empty code, an event with no kind,
  /// or a `FeedbackSubmitted` lacking its participant id, submission id or response (only the
  /// live form, with all three, is accepted); errc::already_submitted when a participant already
  /// has feedback in this workshop or twice in the batch.
  virtual result<std::uint64_t> append(const std::string& workshop_code,
                                       std::span<const dyad::v1::WorkshopEvent> events) = 0;

  /// One append of a group, for `append_many`: the events borrowed, not copied.
  struct append_request {
    std::string workshop_code;
    std::span<const dyad::v1::WorkshopEvent> events;
  };

  /// Appends several batches (of one workshop or of many) as `append` would, one after the
  /// other, and gives each its own result in the same order. Each is all or nothing on its own: a
  /// refused one (errc::invalid_argument, errc::already_submitted) writes nothing and leaves the
  /// others stored, and a later one sees what the earlier ones wrote (a participant's second
  /// submission is refused across the group too). Implementations make the group one durable
  /// commit where they can, so that a burst costs one wait for the disk instead of one per
  /// append; when the storage fails, every append of the group fails with it. This default
  /// calls `append` for each.
  virtual std::vector<result<std::uint64_t>> append_many(std::span<const append_request> group) {
    std::vector<result<std::uint64_t>> out;
    out.reserve(group.size());
    for (const auto& r : group) out.push_back(append(r.workshop_code, r.events));
    return out;
  }

  /// The workshop's log for `workshop::replay`: the ordinary events in the order appended, then
  /// the feedback as restore events, never recombined —
  ///   1. one `FeedbackSubmitted` per participant who submitted, with only `participant_id` and
  ///      `submission_id` set (so a retried send is still recognised and a second one refused),
  ///      ordered by participant id;
  ///   2. one `FeedbackSubmitted` per response, released or held back alike, with only
  ///      `response` and `response_key` set, ordered by key: random and unrelated to arrival (and
  ///      the same on every load).
  ///      The key is the one the live event carried (drawn at random by the workshop, so that a
  ///      `FeedbackReleased` can name the response), or one the store drew if it carried none.
  /// An unknown code gives an empty log.
  virtual result<std::vector<dyad::v1::WorkshopEvent>> load(const std::string& workshop_code) = 0;

  /// The codes of the workshops in the log, sorted. With `open_only`, only those whose latest
  /// lifecycle change is not to LIFECYCLE_CLOSED (the ones a restarting server must bring back).
  virtual result<std::vector<std::string>> workshop_codes(bool open_only) = 0;

  /// Erases the participants' names and e-mails of a closed workshop, after the day, in one
  /// transaction: every stored event holding them is rewritten as `core::erase_personal_data`
  /// says (names become "Participant 1", "Participant 2", … in join order; e-mails, resume-token
  /// hashes, help notes and broadcast texts emptied) and a `PersonalDataErased` at `at_ms` is
  /// appended. Replaying the log afterwards gives the same roster size, rounds, groups, feedback,
  /// tallies and statistics. Feedback responses are anonymous already and are left as they are.
  ///
  /// When it returns ok, no name or e-mail of that workshop is left in the storage's bytes: not in
  /// the rewritten rows' old places, not in freed pages, not in a write-ahead or rollback journal.
  /// (Backups taken before are copies of their own; the caller deals with them.)
  ///
  /// Refuses, writing nothing: errc::invalid_argument for an empty code; errc::not_found for a
  /// workshop the log does not hold; errc::wrong_state while the workshop is not closed.
  /// Idempotent: erasing an erased workshop writes nothing and returns ok. errc::unavailable when
  /// the storage fails, or when the erasure was committed but the old bytes could not be wiped
  /// yet (another reader held the journal): calling again finishes the job.
  virtual status erase_personal_data(const std::string& workshop_code, std::int64_t at_ms) = 0;

  /// A cheap check that the log can serve now, for the readiness probe: errc::unavailable with
  /// the reason when not.
  virtual status healthy() = 0;
};

}  // namespace dyad::store
