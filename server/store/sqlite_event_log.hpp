#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "store/event_log.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace dyad::store {

/// The event log in one SQLite file: the default store of a single Dyad server.
///
/// Schema (version 4; `schema_version` holds the number):
///
///     workshops                (id, code UNIQUE, last_seq, lifecycle)
///     events                   (workshop_id, seq, kind, payload)     PRIMARY KEY (workshop_id, seq)
///     feedback_responses       (workshop_id, key, response)          PRIMARY KEY (workshop_id, key)
///     feedback_submitters      (workshop_id, participant_id, submission_id)
///                                                                    PRIMARY KEY (workshop_id, participant_id)
///     feedback_held_responses  as feedback_responses: responses not yet released
///     feedback_held_submitters as feedback_submitters: who submitted since the last release
///
/// Anonymity is built into the schema rather than left to the callers, deliberately:
/// - A `FeedbackSubmitted` event is split on the way in. The response alone goes to
///   `feedback_held_responses`, under a key drawn from the operating system's CSPRNG (or the
///   random key the workshop drew), and is read back in key order, so neither a row's position
///   nor its key says when it arrived. The response tables have no participant, submission id,
///   time or sequence number, and are WITHOUT ROWID, because a rowid grows with each insert and
///   would betray arrival order.
/// - Who submitted goes to `feedback_held_submitters` with no time and no reference to a
///   response; WITHOUT ROWID for the same reason. A second submission by a participant is refused
///   inside the transaction (the settled table is checked, the held table's primary key does the
///   rest), so no bug elsewhere can count someone twice.
/// - `events` refuses feedback rows by a CHECK on `kind`, and feedback consumes no sequence
///   number there, so the event stream shows no gap where a submission came in.
/// - Within a page SQLite places each new row in the free space below the last, so the bytes of
///   the file list rows in insertion order, and a submitter page read beside a response page
///   would pair them up. So:
///   - the held tables (about 2k rows at most, k the plan's anonymity threshold, plus the
///     commit's own) are deleted and rewritten at every commit that adds to them, responses in
///     key order and submitters in participant order, with secure_delete on so that the old
///     places are zeroed: the held rows' layout follows keys, not arrival;
///   - a commit carrying a `FeedbackReleased` moves the responses it names, in key order, to
///     `feedback_responses`, and every held submitter, in participant order, to
///     `feedback_submitters`; a `LifecycleChanged` to CLOSED moves everything held. Within one
///     release the bytes follow keys and ids; across releases they follow the order of the
///     releases, which the `FeedbackReleased` events record anyway, and every release is a batch
///     of at least k that the figures show together.
///   - Settled rows are never deleted or rewritten by this class afterwards (SQLite itself may
///     move a cell when a page that holds it splits or is defragmented), so a feedback commit
///     costs O(held rows + the commit's rows), not O(responses of the workshop).
///   A file from before version 4 keeps its feedback in the settled tables, laid out by key as
///   a whole; the held tables start empty.
/// - SQLite's write-ahead log holds the pages of each commit in commit order, and one commit
///   writes both the submitter's page and the response's page; diffing its frames would re-link
///   them. So after every commit that holds feedback the WAL is checkpointed into the main file
///   and truncated (best effort: the commit is already durable; if the truncation cannot run
///   now, say because a backup or a reader is reading, it does not wait: the next commit tries
///   again).
/// The price: a loaded log cannot say which response is whose, and `load` returns feedback in
/// the two restore forms documented on `event_log::load`, held and settled rows together. That
/// is the point.
///
/// Durability: WAL journal with synchronous=FULL, so a commit is fsynced before `append` or
/// `append_many` returns; `append_many` makes its whole group one transaction, each append in a
/// savepoint of its own, so the group costs one fsync. Foreign keys on; a busy timeout in case
/// another process (a backup) holds the file.
///
/// Thread-safety: every public function takes one mutex around the single connection, so any
/// thread may call any function; calls are serialised. Open the file for writing once, in one
/// process: this class assumes it is the file's only writer. Any number of `open_read_only`
/// connections may read beside it (WAL lets them read while it commits); they should keep each
/// read short, because a reader mid-read keeps the WAL from being truncated.
class sqlite_event_log final : public event_log {
public:
  /// Opens the log at `file`, creating its folder, the file and the schema when missing.
  /// errc::unavailable, with a sentence naming the file and what to do, when the folder cannot be
  /// created, the file cannot be opened or written, it is not an SQLite database or is damaged,
  /// or it was written by a newer Dyad.
  static result<std::unique_ptr<sqlite_event_log>> open(const std::filesystem::path& file);
  /// Opens an existing log to read only (`load`, `workshop_codes`, `healthy`), beside a server
  /// that writes it: no schema set-up, no write lock, nothing written. `append` fails on it. Reads
  /// this version's files and those of version 3 (a server not yet upgraded).
  static result<std::unique_ptr<sqlite_event_log>> open_read_only(const std::filesystem::path& file);

  ~sqlite_event_log() override;

  result<std::uint64_t> append(const std::string& workshop_code,
                               std::span<const dyad::v1::WorkshopEvent> events) override;
  /// See `event_log::append_many`: one transaction and one fsync for the whole group.
  std::vector<result<std::uint64_t>> append_many(std::span<const append_request> group) override;
  result<std::vector<dyad::v1::WorkshopEvent>> load(const std::string& workshop_code) override;
  result<std::vector<std::string>> workshop_codes(bool open_only) override;

  /// See `event_log::erase_personal_data`. Rows are rewritten in place with secure_delete on, so
  /// SQLite zeroes the old cells and any page it frees; the WAL, which then holds both the new
  /// page images and (from earlier commits) old ones, is checkpointed into the main file and
  /// truncated to nothing. That truncation waits for readers (a backup, `dyad` reading beside the
  /// server, the account store) up to the busy timeout, a few times over, before it gives up
  /// with errc::unavailable.
  status erase_personal_data(const std::string& workshop_code, std::int64_t at_ms) override;

  /// Ready when the file is still at its path (a deleted data folder would otherwise swallow
  /// writes that vanish at restart), the schema can be read, and the disk has some room left.
  status healthy() override;

  /// The durability settings as the connection reports them, for diagnostics and tests.
  struct durability_settings {
    std::string journal_mode;  ///< "wal"
    int synchronous = 0;       ///< 2 is FULL
    bool foreign_keys = false;
    bool secure_delete = false;  ///< deleted content is overwritten with zeros
  };
  result<durability_settings> durability();

  /// The file this log lives in.
  const std::filesystem::path& file() const noexcept { return file_; }

  /// The schema version this build reads and writes.
  static constexpr int schema_version = 4;

  /// How many write transactions this connection has committed, for tests and diagnostics.
  std::uint64_t commits() const noexcept { return commits_.load(std::memory_order_relaxed); }

private:
  struct statements;
  struct prepared_append;
  struct group_state;

  sqlite_event_log(std::filesystem::path file, sqlite3* db);

  status prepare_all();
  status create_schema();
  core::error sqlite_error(const std::string& doing) const;
  core::error sqlite_error(const std::string& doing, int code) const;
  status exec(const char* sql, const std::string& doing);
  static result<prepared_append> prepare_append(const std::string& workshop_code,
                                                std::span<const dyad::v1::WorkshopEvent> events);
  result<std::uint64_t> write_append(const prepared_append& batch, group_state& state, const std::string& doing);
  status settle_feedback(std::int64_t workshop_id, const std::vector<std::int64_t>* keys, group_state& state,
                         const std::string& doing);
  status relayout_held_feedback(std::int64_t workshop_id, const std::string& doing);
  status checkpoint_and_truncate_wal();
  status wipe_wal(const std::string& doing);
  result<std::uint64_t> last_sequence(const std::string& workshop_code);

  std::filesystem::path file_;
  std::mutex mutex_;
  sqlite3* db_;
  std::unique_ptr<statements> stmt_;
  /// A feedback commit's checkpoint could not truncate the WAL (a reader held it): retry.
  bool wal_needs_truncate_ = false;
  std::atomic<std::uint64_t> commits_{0};
  /// False only when reading a version 3 file (`open_read_only`), which has no held-back tables.
  bool has_held_tables_ = true;
};

}  // namespace dyad::store
