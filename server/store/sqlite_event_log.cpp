#include "store/sqlite_event_log.hpp"

#include <sqlite3.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "core/workshop.hpp"

namespace dyad::store {

namespace v1 = dyad::v1;
using core::make_error;

namespace {

// The events table refuses this kind by a CHECK; the number is the oneof's field number, which
// proto compatibility rules keep fixed within v1.
static_assert(static_cast<int>(v1::WorkshopEvent::kFeedbackSubmitted) == 9);

// A readiness probe fails below this much free space: an append would soon fail, and a server
// that cannot store a submission must not accept one.
constexpr std::uintmax_t min_free_bytes = 16U * 1024U * 1024U;

// How long a statement waits for a lock another process (a backup, a sqlite3 shell) holds.
constexpr int busy_timeout_ms = 5000;

// The schema, version 1. Every table that holds feedback is WITHOUT ROWID: a rowid grows with
// each insert and would record arrival order. See the class comment for the rest of the why.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE schema_version (
  version INTEGER NOT NULL
);
INSERT INTO schema_version (version) VALUES (1);

CREATE TABLE workshops (
  id        INTEGER PRIMARY KEY,
  code      TEXT NOT NULL UNIQUE CHECK (code <> ''),
  -- The sequence number of the last event in `events`; feedback takes none.
  last_seq  INTEGER NOT NULL DEFAULT 0,
  -- The latest LifecycleChanged, kept here so listing open workshops reads no payloads.
  lifecycle INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE events (
  workshop_id INTEGER NOT NULL REFERENCES workshops (id),
  seq         INTEGER NOT NULL CHECK (seq > 0),
  -- WorkshopEvent's oneof field number. 9, feedback_submitted, is split into the tables below
  -- and never stored here.
  kind        INTEGER NOT NULL CHECK (kind > 0 AND kind <> 9),
  payload     BLOB NOT NULL,
  PRIMARY KEY (workshop_id, seq)
) WITHOUT ROWID;

-- What was submitted: a serialized FeedbackResponse under a random key, nothing else.
CREATE TABLE feedback_responses (
  workshop_id INTEGER NOT NULL REFERENCES workshops (id),
  shuffle_key INTEGER NOT NULL CHECK (shuffle_key >= 0),
  response    BLOB NOT NULL,
  PRIMARY KEY (workshop_id, shuffle_key)
) WITHOUT ROWID;

-- Who has submitted, with no time and no reference to a response.
CREATE TABLE feedback_submitters (
  workshop_id    INTEGER NOT NULL REFERENCES workshops (id),
  participant_id TEXT NOT NULL CHECK (participant_id <> ''),
  submission_id  TEXT NOT NULL CHECK (submission_id <> ''),
  PRIMARY KEY (workshop_id, participant_id)
) WITHOUT ROWID;
)sql";

// Version 2: the people who sign in, their sessions and one-time links, and the server's own
// settings (the admin token's hash). Secrets are kept only as SHA-256 hashes (tokens of 256
// random bits) or Argon2id strings (passwords). Used by sqlite_account_store.
constexpr const char* schema_v2 = R"sql(
CREATE TABLE accounts (
  id            TEXT PRIMARY KEY CHECK (id <> ''),
  email         TEXT NOT NULL UNIQUE CHECK (email <> ''),
  role          INTEGER NOT NULL CHECK (role IN (1, 2)),
  -- Argon2id, as libsodium's crypto_pwhash_str writes it; empty until a password is set.
  password_hash TEXT NOT NULL DEFAULT '',
  created_ms    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
  id_sha256    BLOB PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_ms   INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_account ON sessions (account_id);

CREATE TABLE one_time_links (
  token_sha256 BLOB PRIMARY KEY,
  account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  expires_ms   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX links_by_account ON one_time_links (account_id);

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;

INSERT INTO schema_version (version) VALUES (2);
)sql";

// The workspace: the plan library (each saved version kept, one draft per plan), the runs with
// the plan version each ran, who leads them and who was given access, and when a run's names
// were erased.
constexpr const char* schema_v3 = R"sql(
CREATE TABLE plans (
  id         TEXT PRIMARY KEY CHECK (id <> ''),
  name       TEXT NOT NULL,
  template   INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE plan_versions (
  plan_id  TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
  version  INTEGER NOT NULL CHECK (version > 0),
  -- The dyad.v1.Plan, serialised.
  plan     BLOB NOT NULL,
  saved_ms INTEGER NOT NULL,
  saved_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, version)
) WITHOUT ROWID;

CREATE TABLE plan_drafts (
  plan_id  TEXT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE,
  format   TEXT NOT NULL,
  body     BLOB NOT NULL,
  saved_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE runs (
  code           TEXT PRIMARY KEY CHECK (code <> ''),
  series         TEXT NOT NULL,
  title          TEXT NOT NULL,
  plan_id        TEXT NOT NULL DEFAULT '',
  plan_version   INTEGER NOT NULL DEFAULT 0,
  date           TEXT NOT NULL DEFAULT '',
  start_time     TEXT NOT NULL DEFAULT '',
  facilitator_id TEXT NOT NULL DEFAULT '',
  created_ms     INTEGER NOT NULL,
  closed_ms      INTEGER NOT NULL DEFAULT 0,
  participants   INTEGER NOT NULL DEFAULT 0,
  responses      INTEGER NOT NULL DEFAULT 0,
  erased_ms      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX runs_by_series ON runs (series);

CREATE TABLE run_access (
  code       TEXT NOT NULL REFERENCES runs (code) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  PRIMARY KEY (code, account_id)
) WITHOUT ROWID;
CREATE INDEX run_access_by_account ON run_access (account_id);

INSERT INTO schema_version (version) VALUES (3);
)sql";

// Version 4: feedback not yet settled. Responses held back (not yet named by a FeedbackReleased,
// their workshop not closed) and the submitters since the last release wait here, in tables small
// enough (about twice the anonymity threshold) to be laid out afresh at every feedback commit.
// A release moves its responses, and the waiting submitters, to the tables of version 1, where
// they stay. WITHOUT ROWID, like every table that holds feedback.
constexpr const char* schema_v4 = R"sql(
CREATE TABLE feedback_held_responses (
  workshop_id INTEGER NOT NULL REFERENCES workshops (id),
  shuffle_key INTEGER NOT NULL CHECK (shuffle_key >= 0),
  response    BLOB NOT NULL,
  PRIMARY KEY (workshop_id, shuffle_key)
) WITHOUT ROWID;

CREATE TABLE feedback_held_submitters (
  workshop_id    INTEGER NOT NULL REFERENCES workshops (id),
  participant_id TEXT NOT NULL CHECK (participant_id <> ''),
  submission_id  TEXT NOT NULL CHECK (submission_id <> ''),
  PRIMARY KEY (workshop_id, participant_id)
) WITHOUT ROWID;

INSERT INTO schema_version (version) VALUES (4);
)sql";

// A prepared statement kept for the life of the connection.
class statement {
public:
  statement() = default;
  explicit statement(sqlite3_stmt* s) noexcept : s_(s) {}
  statement(statement&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
  statement& operator=(statement&& other) noexcept {
    std::swap(s_, other.s_);
    return *this;
  }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement() { sqlite3_finalize(s_); }

  sqlite3_stmt* get() const noexcept { return s_; }

private:
  sqlite3_stmt* s_ = nullptr;
};

// One use of a kept statement. Binds borrow the caller's buffers (no copy), so the statement is
// reset and its bindings cleared when the use ends: it then holds neither a read snapshot nor a
// pointer into memory that is gone.
class use {
public:
  explicit use(const statement& s) noexcept : s_(s.get()) {}
  use(const use&) = delete;
  use& operator=(const use&) = delete;
  ~use() {
    if (s_ == nullptr) return;  // a statement left unprepared (reading a version 3 file)
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  // Each bind returns an SQLite result code; the first failure is kept and reported by step(),
  // so callers check once.
  use& bind(int index, std::int64_t value) {
    keep(sqlite3_bind_int64(s_, index, value));
    return *this;
  }
  use& bind_text(int index, std::string_view text) {
    if (text.size() > static_cast<std::size_t>(INT_MAX)) keep(SQLITE_TOOBIG);
    else keep(sqlite3_bind_text(s_, index, text.data(), static_cast<int>(text.size()), nullptr));
    return *this;
  }
  use& bind_blob(int index, std::string_view bytes) {
    // data() of an empty string is still non-null, so this binds an empty blob, not NULL.
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) keep(SQLITE_TOOBIG);
    else keep(sqlite3_bind_blob(s_, index, bytes.data(), static_cast<int>(bytes.size()), nullptr));
    return *this;
  }

  int step() {
    if (s_ == nullptr) return SQLITE_MISUSE;
    return bind_error_ != SQLITE_OK ? bind_error_ : sqlite3_step(s_);
  }

  std::int64_t int64(int column) const { return sqlite3_column_int64(s_, column); }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(s_, column);
    const int n = sqlite3_column_bytes(s_, column);
    if (p == nullptr || n <= 0) return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  // The blob of a column; empty (with a valid pointer) for a zero-length blob.
  std::string_view blob(int column) const {
    const void* p = sqlite3_column_blob(s_, column);
    const int n = sqlite3_column_bytes(s_, column);
    if (p == nullptr || n <= 0) return {};
    return {static_cast<const char*>(p), static_cast<std::size_t>(n)};
  }

private:
  void keep(int rc) {
    if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  }

  sqlite3_stmt* s_;
  int bind_error_ = SQLITE_OK;
};

bool is_constraint(int rc) { return (rc & 0xff) == SQLITE_CONSTRAINT; }

// A key for a feedback response from the kernel's CSPRNG. getrandom rather than
// sqlite3_randomness: SQLite's generator is not reseeded after fork, so two processes could
// draw the same keys.
result<std::int64_t> random_key() {
  unsigned char bytes[sizeof(std::uint64_t)];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(errc::unavailable,
                        std::string("The system's random source failed (") + std::strerror(errno) +
                            "), so feedback cannot be stored anonymously; check the kernel's entropy "
                            "source and retry.");
    }
    got += static_cast<std::size_t>(n);
  }
  std::uint64_t v = 0;
  std::memcpy(&v, bytes, sizeof v);
  return static_cast<std::int64_t>(v >> 1);  // 63 bits: a non-negative SQLite integer
}

// Rolls back on scope exit unless committed, so every early return of a failed append leaves the
// file as it was. SQLite may already have rolled back by itself (disk full, I/O error).
class transaction {
public:
  transaction(sqlite3* db, const statement& rollback) noexcept : db_(db), rollback_(rollback) {}
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  ~transaction() {
    if (!done_ && sqlite3_get_autocommit(db_) == 0) (void)use(rollback_).step();
  }
  void committed() noexcept { done_ = true; }

private:
  sqlite3* db_;
  const statement& rollback_;
  bool done_ = false;
};

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

struct sqlite_event_log::statements {
  statement begin_write;  // IMMEDIATE: take the write lock first, so a commit never meets BUSY
  statement begin_read;
  statement commit;
  statement rollback;
  statement find_workshop;
  statement insert_workshop;
  statement update_workshop;
  statement insert_event;
  statement update_event;
  statement savepoint;  // one append of a group
  statement release_savepoint;
  statement rollback_to_savepoint;
  statement insert_response;
  statement insert_submitter;
  statement insert_held_response;
  statement insert_held_submitter;
  statement find_settled_submitter;
  statement find_released_response;
  statement select_held_response;
  statement select_held_responses;
  statement select_held_submitters;
  statement delete_held_response;
  statement delete_held_responses;
  statement delete_held_submitters;
  statement select_events;
  statement select_submitters;  // settled and held, by participant id
  statement select_keyed_responses;  // released and held, by key
  statement select_codes;
  statement select_open_codes;
  statement select_schema_version;
};

sqlite_event_log::sqlite_event_log(std::filesystem::path path, sqlite3* handle)
    : file_(std::move(path)), db_(handle), stmt_(std::make_unique<statements>()) {}

sqlite_event_log::~sqlite_event_log() {
  stmt_.reset();  // statements must be finalized before the connection closes
  // Closing the last connection checkpoints the WAL into the main file and removes it.
  sqlite3_close_v2(db_);
}

core::error sqlite_event_log::sqlite_error(const std::string& doing) const {
  return sqlite_error(doing, db_ != nullptr ? sqlite3_extended_errcode(db_) : SQLITE_ERROR);
}

core::error sqlite_event_log::sqlite_error(const std::string& doing, int code) const {
  // The connection's message is more precise ("no such table: x"), but only if it is about this
  // failure; a failed bind, for one, leaves it describing an older one.
  const char* what =
      db_ != nullptr && sqlite3_extended_errcode(db_) == code ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  const std::string folder = file_.has_parent_path() ? file_.parent_path().string() : std::string(".");
  std::string advice;
  switch (code & 0xff) {
    case SQLITE_FULL:
      advice = "Free disk space on the disk that holds " + folder + ", then retry.";
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      advice = "Check that " + folder + " exists, that " + file_.string() +
               " is a file (or absent), and that the server's user may read and write both.";
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      advice = "The file is damaged or is not a Dyad event log: stop the server, move the file aside and "
               "restore it from a backup (or start with a new file).";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      advice = "Another process holds the file; make sure only one Dyad server uses " + folder + ", then retry.";
      break;
    case SQLITE_IOERR:
      advice = "The disk reported an error: check the disk, its free space and the permissions of " + folder + ".";
      break;
    case SQLITE_TOOBIG:
      advice = "An event is too large to store; this is a bug in the server, please report it.";
      break;
    default:
      advice = "Check disk space and the permissions of " + folder + ", then retry.";
      break;
  }
  return make_error(errc::unavailable,
                    "Event log " + file_.string() + ": could not " + doing + ": " + what + ". " + advice);
}

status sqlite_event_log::exec(const char* sql, const std::string& doing) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(doing, rc);
  return core::ok();
}

result<std::unique_ptr<sqlite_event_log>> sqlite_event_log::open_read_only(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return make_error(errc::unavailable, "There is no event log at " + file.string() + "; check the data directory.");
  sqlite3* handle = nullptr;
  const int opened = sqlite3_open_v2(file.c_str(), &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                                     nullptr);
  std::unique_ptr<sqlite_event_log> log(new sqlite_event_log(file, handle));
  if (opened != SQLITE_OK) return log->sqlite_error("open it to read", opened);
  sqlite3_busy_timeout(handle, busy_timeout_ms);
  {
    // A file written by a newer Dyad may keep feedback where this one does not look.
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(handle, "SELECT max(version) FROM schema_version", -1, &raw, nullptr);
    if (rc != SQLITE_OK) return log->sqlite_error("open it to read", rc);
    statement version(raw);
    use u(version);
    rc = u.step();
    if (rc != SQLITE_ROW) return log->sqlite_error("open it to read", rc);
    const auto found = u.int64(0);
    if (found > schema_version)
      return make_error(errc::unavailable, "The event log " + file.string() + " has schema version " +
                                               std::to_string(found) + ", written by a newer Dyad; this one reads " +
                                               std::to_string(schema_version) + " and older. Run the newer Dyad.");
    // A file the running (older) server has not upgraded yet: read as it is, without the
    // held-back tables it does not have. Nothing here writes.
    if (found < 4) log->has_held_tables_ = false;
  }
  if (auto s = log->prepare_all(); !s) return s.err();
  return log;
}

result<std::unique_ptr<sqlite_event_log>> sqlite_event_log::open(const std::filesystem::path& file) {
  if (file.empty() || !file.has_filename())
    return make_error(errc::invalid_argument,
                      "The event log needs a file name, e.g. /var/lib/dyad/events.sqlite; got '" + file.string() + "'.");
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec)
      return make_error(errc::unavailable, "Could not create the folder " + file.parent_path().string() +
                                               " for the event log " + file.string() + ": " + ec.message() +
                                               ". Create it yourself or give the server's user the right to write "
                                               "there, or choose another data directory.");
  }

  sqlite3* handle = nullptr;
  const int opened = sqlite3_open_v2(file.c_str(), &handle,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                         SQLITE_OPEN_EXRESCODE,
                                     nullptr);
  // The object owns the handle from here on, even a failed one, so every return closes it.
  std::unique_ptr<sqlite_event_log> log(new sqlite_event_log(file, handle));
  if (opened != SQLITE_OK) return log->sqlite_error("open it", opened);
  sqlite3_busy_timeout(handle, busy_timeout_ms);

  // The first statement that reads the file: a file that is not a database fails here.
  {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(handle, "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
    if (rc != SQLITE_OK) return log->sqlite_error("open it", rc);
    statement mode(raw);
    use u(mode);
    rc = u.step();
    if (rc != SQLITE_ROW) return log->sqlite_error("open it", rc);
    const std::string got = u.text(0);
    if (got != "wal")
      return make_error(errc::unavailable,
                        "The event log " + file.string() + " could not use write-ahead logging (journal mode is '" +
                            got + "'). Put the data directory on a local file system, not a network share.");
  }
  // FULL: the WAL is fsynced at every commit, so an acknowledged append survives a power cut,
  // not only a crash of the process.
  // secure_delete: cells removed when feedback is laid out again are overwritten with zeros
  // rather than left behind in their arrival-ordered places.
  if (auto s = log->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
                         "set up durability");
      !s)
    return s.err();
  if (auto s = log->create_schema(); !s) return s.err();
  if (auto s = log->prepare_all(); !s) return s.err();
  return log;
}

status sqlite_event_log::create_schema() {
  if (auto s = exec("BEGIN IMMEDIATE", "set up the schema"); !s) return s;
  const statement rollback = [&] {
    sqlite3_stmt* raw = nullptr;
    (void)sqlite3_prepare_v2(db_, "ROLLBACK", -1, &raw, nullptr);
    return statement(raw);
  }();
  transaction tx(db_, rollback);

  auto count = [&](const char* sql) -> result<std::int64_t> {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
    if (rc != SQLITE_OK) return sqlite_error("read the schema", rc);
    statement s(raw);
    use u(s);
    const int stepped = u.step();
    if (stepped != SQLITE_ROW) return sqlite_error("read the schema", stepped);
    return u.int64(0);
  };

  auto ours = count("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
  if (!ours) return ours.err();
  if (*ours == 0) {
    auto tables = count("SELECT count(*) FROM sqlite_schema");
    if (!tables) return tables.err();
    if (*tables != 0)
      return make_error(errc::unavailable, "The file " + file_.string() +
                                               " is an SQLite database but not a Dyad event log. Point the server "
                                               "at another file.");
    if (auto s = exec(schema_v1, "create the schema"); !s) return s;
    if (auto s = exec(schema_v2, "create the schema"); !s) return s;
    if (auto s = exec(schema_v3, "create the schema"); !s) return s;
    if (auto s = exec(schema_v4, "create the schema"); !s) return s;
  } else {
    auto version = count("SELECT max(version) FROM schema_version");
    if (!version) return version.err();
    if (*version > schema_version)
      return make_error(errc::unavailable, "The event log " + file_.string() + " has schema version " +
                                               std::to_string(*version) + ", written by a newer Dyad; this one reads " +
                                               std::to_string(schema_version) + ". Run the newer Dyad.");
    if (*version < 1)
      return make_error(errc::unavailable, "The event log " + file_.string() +
                                               " has no valid schema version; restore it from a backup.");
    // Written by an older Dyad: its workshops are kept as they are, the newer tables added.
    if (*version < 2)
      if (auto s = exec(schema_v2, "add the accounts to the schema"); !s) return s;
    if (*version < 3)
      if (auto s = exec(schema_v3, "add the workspace to the schema"); !s) return s;
    // Feedback stored before stays where it is: laid out by key as a whole, it says less than
    // the batches that follow.
    if (*version < 4)
      if (auto s = exec(schema_v4, "add the held-back feedback to the schema"); !s) return s;
  }
  if (auto s = exec("COMMIT", "set up the schema"); !s) return s;
  tx.committed();
  return core::ok();
}

status sqlite_event_log::prepare_all() {
  auto& s = *stmt_;
  const std::pair<statement*, const char*> all[] = {
      {&s.begin_write, "BEGIN IMMEDIATE"},
      {&s.begin_read, "BEGIN DEFERRED"},
      {&s.commit, "COMMIT"},
      {&s.rollback, "ROLLBACK"},
      {&s.find_workshop, "SELECT id, last_seq, lifecycle FROM workshops WHERE code = ?1"},
      {&s.insert_workshop, "INSERT INTO workshops (code) VALUES (?1)"},
      {&s.update_workshop, "UPDATE workshops SET last_seq = ?2, lifecycle = ?3 WHERE id = ?1"},
      {&s.insert_event, "INSERT INTO events (workshop_id, seq, kind, payload) VALUES (?1, ?2, ?3, ?4)"},
      {&s.update_event, "UPDATE events SET payload = ?3 WHERE workshop_id = ?1 AND seq = ?2"},
      {&s.savepoint, "SAVEPOINT one_append"},
      {&s.release_savepoint, "RELEASE one_append"},
      {&s.rollback_to_savepoint, "ROLLBACK TO one_append"},
      {&s.insert_response, "INSERT INTO feedback_responses (workshop_id, shuffle_key, response) VALUES (?1, ?2, ?3)"},
      {&s.insert_submitter,
       "INSERT INTO feedback_submitters (workshop_id, participant_id, submission_id) VALUES (?1, ?2, ?3)"},
      {&s.insert_held_response,
       "INSERT INTO feedback_held_responses (workshop_id, shuffle_key, response) VALUES (?1, ?2, ?3)"},
      {&s.insert_held_submitter,
       "INSERT INTO feedback_held_submitters (workshop_id, participant_id, submission_id) VALUES (?1, ?2, ?3)"},
      {&s.find_settled_submitter, "SELECT 1 FROM feedback_submitters WHERE workshop_id = ?1 AND participant_id = ?2"},
      {&s.find_released_response, "SELECT 1 FROM feedback_responses WHERE workshop_id = ?1 AND shuffle_key = ?2"},
      {&s.select_held_response,
       "SELECT response FROM feedback_held_responses WHERE workshop_id = ?1 AND shuffle_key = ?2"},
      {&s.select_held_responses,
       "SELECT shuffle_key, response FROM feedback_held_responses WHERE workshop_id = ?1 ORDER BY shuffle_key"},
      {&s.select_held_submitters,
       "SELECT participant_id, submission_id FROM feedback_held_submitters WHERE workshop_id = ?1 "
       "ORDER BY participant_id"},
      {&s.delete_held_response, "DELETE FROM feedback_held_responses WHERE workshop_id = ?1 AND shuffle_key = ?2"},
      {&s.delete_held_responses, "DELETE FROM feedback_held_responses WHERE workshop_id = ?1"},
      {&s.delete_held_submitters, "DELETE FROM feedback_held_submitters WHERE workshop_id = ?1"},
      {&s.select_events, "SELECT seq, payload FROM events WHERE workshop_id = ?1 ORDER BY seq"},
      {&s.select_submitters,
       "SELECT participant_id, submission_id FROM feedback_submitters WHERE workshop_id = ?1 "
       "UNION ALL SELECT participant_id, submission_id FROM feedback_held_submitters WHERE workshop_id = ?1 "
       "ORDER BY 1"},
      {&s.select_keyed_responses,
       "SELECT shuffle_key, response FROM feedback_responses WHERE workshop_id = ?1 "
       "UNION ALL SELECT shuffle_key, response FROM feedback_held_responses WHERE workshop_id = ?1 "
       "ORDER BY 1"},
      {&s.select_codes, "SELECT code FROM workshops ORDER BY code"},
      {&s.select_open_codes, "SELECT code FROM workshops WHERE lifecycle <> ?1 ORDER BY code"},
      {&s.select_schema_version, "SELECT max(version) FROM schema_version"},
  };
  for (const auto& [target, raw_sql] : all) {
    const char* sql = raw_sql;
    if (!has_held_tables_) {
      // Reading a version 3 file: everything is settled; the held-back statements stay unprepared.
      if (target == &s.select_submitters)
        sql = "SELECT participant_id, submission_id FROM feedback_submitters WHERE workshop_id = ?1 ORDER BY 1";
      else if (target == &s.select_keyed_responses)
        sql = "SELECT shuffle_key, response FROM feedback_responses WHERE workshop_id = ?1 ORDER BY 1";
      else if (std::string_view(sql).find("feedback_held_") != std::string_view::npos)
        continue;
    }
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return sqlite_error("prepare its statements", rc);
    *target = statement(raw);
  }
  return core::ok();
}

// One append of a group, checked and serialized before any I/O.
struct sqlite_event_log::prepared_append {
  struct row {
    int kind = 0;
    std::string bytes;  // the whole event, or for feedback only its response
    const v1::FeedbackSubmitted* feedback = nullptr;
  };
  const std::string* workshop_code = nullptr;
  std::vector<row> rows;
  std::optional<v1::Lifecycle> lifecycle;  // the batch's last lifecycle change
  std::vector<std::int64_t> released_keys;  // named by the batch's FeedbackReleased events
};

// What a group's appends leave to be done once, before and after its commit.
struct sqlite_event_log::group_state {
  // Workshops whose held-back tables took new rows: laid out afresh before the commit.
  std::set<std::int64_t> relayout;
  // Some feedback was written: the WAL is emptied after the commit.
  bool feedback = false;
};

result<sqlite_event_log::prepared_append> sqlite_event_log::prepare_append(
    const std::string& workshop_code, std::span<const v1::WorkshopEvent> events) {
  if (workshop_code.empty())
    return make_error(errc::invalid_argument, "Events need a workshop code to be stored under; nothing was written.");
  prepared_append out;
  out.workshop_code = &workshop_code;
  out.rows.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    const auto where = "Event " + std::to_string(i + 1) + " of " + std::to_string(events.size()) +
                       " for workshop " + quoted(workshop_code);
    prepared_append::row r;
    r.kind = static_cast<int>(e.kind_case());
    if (e.kind_case() == v1::WorkshopEvent::KIND_NOT_SET)
      return make_error(errc::invalid_argument, where + " has no kind; nothing was written.");
    bool serialized = false;
    if (e.has_feedback_submitted()) {
      const auto& f = e.feedback_submitted();
      if (f.participant_id().empty() || f.submission_id().empty() || !f.has_response())
        return make_error(errc::invalid_argument,
                          where + " is feedback without its participant, submission id or response; only a live "
                                  "submission carrying all three can be stored. Nothing was written.");
      if (f.response_key() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return make_error(errc::invalid_argument,
                          where + " names its response with a key above 2^63 - 1, which the log cannot file; draw "
                                  "keys from 1 to 2^63 - 1. Nothing was written.");
      r.feedback = &f;
      serialized = f.response().SerializeToString(&r.bytes);
    } else {
      serialized = e.SerializeToString(&r.bytes);
      if (e.has_lifecycle()) out.lifecycle = e.lifecycle().lifecycle();
      if (e.has_feedback_released())
        for (const auto key : e.feedback_released().response_keys())
          if (key != 0 && key <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            out.released_keys.push_back(static_cast<std::int64_t>(key));
    }
    if (!serialized)
      return make_error(errc::invalid_argument, where + " cannot be serialized; nothing was written.");
    out.rows.push_back(std::move(r));
  }
  return out;
}

result<std::uint64_t> sqlite_event_log::append(const std::string& workshop_code,
                                               std::span<const v1::WorkshopEvent> events) {
  const append_request one{workshop_code, events};
  auto results = append_many(std::span(&one, 1));
  return std::move(results.front());
}

std::vector<result<std::uint64_t>> sqlite_event_log::append_many(std::span<const append_request> group) {
  std::vector<result<std::uint64_t>> out;
  out.reserve(group.size());
  // Check and serialize everything before the transaction, so a bad event costs no I/O.
  std::vector<std::optional<prepared_append>> prepared;
  prepared.reserve(group.size());
  bool any_rows = false;
  for (const auto& r : group) {
    auto p = prepare_append(r.workshop_code, r.events);
    if (!p) {
      out.emplace_back(p.err());
      prepared.emplace_back();
      continue;
    }
    out.emplace_back(std::uint64_t{0});
    any_rows = any_rows || !p->rows.empty();
    prepared.emplace_back(std::move(*p));
  }

  std::lock_guard lock(mutex_);
  if (!has_held_tables_) {
    const auto refused = make_error(errc::unavailable, "The event log " + file_.string() +
                                                           " was opened to read a file of an older version; "
                                                           "nothing was written.");
    for (std::size_t i = 0; i < group.size(); ++i)
      if (prepared[i]) out[i] = refused;
    return out;
  }
  if (!any_rows) {
    for (std::size_t i = 0; i < group.size(); ++i)
      if (prepared[i]) out[i] = last_sequence(group[i].workshop_code);
    return out;
  }

  const std::string doing = group.size() == 1 ? "append to workshop " + quoted(group.front().workshop_code)
                                              : "append to the log (" + std::to_string(group.size()) + " batches)";
  // A failure of the storage fails the whole group: SQLite may have rolled the transaction back
  // already, taking the appends before it along.
  auto fail_all = [&](const core::error& e) {
    for (std::size_t i = 0; i < group.size(); ++i)
      if (prepared[i]) out[i] = e;
    return std::move(out);
  };
  const auto& s = *stmt_;
  if (const int rc = use(s.begin_write).step(); rc != SQLITE_DONE) return fail_all(sqlite_error(doing, rc));
  transaction tx(db_, s.rollback);

  group_state state;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (!prepared[i]) continue;
    if (prepared[i]->rows.empty()) {
      out[i] = last_sequence(group[i].workshop_code);
      if (!out[i]) return fail_all(out[i].err());
      continue;
    }
    const std::string one_doing = "append to workshop " + quoted(group[i].workshop_code);
    if (const int rc = use(s.savepoint).step(); rc != SQLITE_DONE) return fail_all(sqlite_error(one_doing, rc));
    group_state mine;
    auto written = write_append(*prepared[i], mine, one_doing);
    if (!written && written.err().code == errc::unavailable) return fail_all(written.err());
    if (!written) {
      // Refused: this append's rows go, the others' stay.
      if (const int rc = use(s.rollback_to_savepoint).step(); rc != SQLITE_DONE)
        return fail_all(sqlite_error(one_doing, rc));
    } else {
      state.relayout.insert(mine.relayout.begin(), mine.relayout.end());
      state.feedback = state.feedback || mine.feedback;
    }
    if (const int rc = use(s.release_savepoint).step(); rc != SQLITE_DONE) return fail_all(sqlite_error(one_doing, rc));
    out[i] = std::move(written);
  }

  for (const auto workshop_id : state.relayout)
    if (auto laid_out = relayout_held_feedback(workshop_id, doing); !laid_out) return fail_all(laid_out.err());

  if (const int rc = use(s.commit).step(); rc != SQLITE_DONE) return fail_all(sqlite_error(doing, rc));
  tx.committed();
  ++commits_;

  // The commit is durable already; the checkpoint only erases the commit-ordered trace in the
  // WAL, so its failure must not turn an acknowledged submission into an error.
  // A checkpoint that could not run (a reader or a backup) is retried at the next commit.
  if (state.feedback || wal_needs_truncate_) wal_needs_truncate_ = !checkpoint_and_truncate_wal().ok();
  return out;
}

result<std::uint64_t> sqlite_event_log::write_append(const prepared_append& batch, group_state& state,
                                                     const std::string& doing) {
  const auto& s = *stmt_;
  const auto& workshop_code = *batch.workshop_code;
  std::int64_t workshop_id = 0;
  std::int64_t last_seq = 0;
  std::int64_t old_lifecycle = 0;
  {
    use find(s.find_workshop);
    find.bind_text(1, workshop_code);
    const int rc = find.step();
    if (rc == SQLITE_ROW) {
      workshop_id = find.int64(0);
      last_seq = find.int64(1);
      old_lifecycle = find.int64(2);
    } else if (rc != SQLITE_DONE) {
      return sqlite_error(doing, rc);
    }
  }
  if (workshop_id == 0) {
    use insert(s.insert_workshop);
    insert.bind_text(1, workshop_code);
    if (const int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
    workshop_id = sqlite3_last_insert_rowid(db_);
  }

  // Whether a settled row has this participant or key: the held-back tables' own primary keys
  // catch a clash among themselves.
  auto found = [&](use& u) -> result<bool> {
    const int rc = u.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(doing, rc);
  };
  auto settled_submitter = [&](const std::string& participant) {
    use u(s.find_settled_submitter);
    u.bind(1, workshop_id).bind_text(2, participant);
    return found(u);
  };
  auto released_response = [&](std::int64_t key) {
    use u(s.find_released_response);
    u.bind(1, workshop_id).bind(2, key);
    return found(u);
  };
  const auto already_submitted = [&](const std::string& participant) {
    return make_error(errc::already_submitted,
                      "Participant " + quoted(participant) + " has already sent feedback for workshop " +
                          quoted(workshop_code) +
                          " (or twice in one batch); a participant gives feedback once. Nothing was written.");
  };

  std::int64_t seq = last_seq;
  bool has_feedback = false;
  for (const auto& r : batch.rows) {
    if (r.feedback == nullptr) {
      use insert(s.insert_event);
      insert.bind(1, workshop_id).bind(2, ++seq).bind(3, r.kind).bind_blob(4, r.bytes);
      if (const int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
      continue;
    }
    has_feedback = true;
    const auto& participant = r.feedback->participant_id();
    {
      auto settled = settled_submitter(participant);
      if (!settled) return settled.err();
      if (*settled) return already_submitted(participant);
      use insert(s.insert_held_submitter);
      insert.bind(1, workshop_id).bind_text(2, participant).bind_text(3, r.feedback->submission_id());
      const int rc = insert.step();
      if (is_constraint(rc)) return already_submitted(participant);
      if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
    }
    // The key the workshop drew names the response in a later FeedbackReleased, so it is kept
    // as given, and a clash refuses the batch. Without one (a caller with no releases to make),
    // two equal 63-bit keys are vanishingly unlikely and cost only a redraw.
    if (const auto given = static_cast<std::int64_t>(r.feedback->response_key()); given != 0) {
      const auto clash = make_error(errc::invalid_argument, "Two responses of workshop " + quoted(workshop_code) +
                                                                " were given the same key; draw a new one and send "
                                                                "again. Nothing was written.");
      auto released = released_response(given);
      if (!released) return released.err();
      if (*released) return clash;
      use insert(s.insert_held_response);
      insert.bind(1, workshop_id).bind(2, given).bind_blob(3, r.bytes);
      const int rc = insert.step();
      if (is_constraint(rc)) return clash;
      if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
      continue;
    }
    bool stored = false;
    for (int attempt = 0; attempt < 8 && !stored; ++attempt) {
      auto key = random_key();
      if (!key) return key.err();
      auto released = released_response(*key);
      if (!released) return released.err();
      if (*released) continue;
      use insert(s.insert_held_response);
      insert.bind(1, workshop_id).bind(2, *key).bind_blob(3, r.bytes);
      const int rc = insert.step();
      if (rc == SQLITE_DONE) stored = true;
      else if (!is_constraint(rc)) return sqlite_error(doing, rc);
    }
    if (!stored)
      return make_error(errc::unavailable, "The system's random source keeps repeating itself, so feedback for "
                                           "workshop " + quoted(workshop_code) +
                                               " cannot be stored anonymously; check the kernel's entropy source.");
  }
  if (has_feedback) {
    state.relayout.insert(workshop_id);
    state.feedback = true;
  }

  const std::int64_t new_lifecycle = batch.lifecycle ? static_cast<std::int64_t>(*batch.lifecycle) : old_lifecycle;
  const auto closed = static_cast<std::int64_t>(v1::LIFECYCLE_CLOSED);
  // Closing settles everything (and anything that comes after, which nothing should).
  if (new_lifecycle == closed && (has_feedback || old_lifecycle != closed)) {
    if (auto settled = settle_feedback(workshop_id, nullptr, state, doing); !settled) return settled.err();
  } else if (!batch.released_keys.empty()) {
    if (auto settled = settle_feedback(workshop_id, &batch.released_keys, state, doing); !settled)
      return settled.err();
  }

  // Feedback alone leaves the workshop row untouched, so its page is not rewritten by the commit.
  if (seq != last_seq || new_lifecycle != old_lifecycle) {
    use update(s.update_workshop);
    update.bind(1, workshop_id).bind(2, seq).bind(3, new_lifecycle);
    if (const int rc = update.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  return static_cast<std::uint64_t>(seq);
}

status sqlite_event_log::settle_feedback(std::int64_t workshop_id, const std::vector<std::int64_t>* keys,
                                         group_state& state, const std::string& doing) {
  const auto& s = *stmt_;
  struct response_row {
    std::int64_t key;
    std::string bytes;
  };
  std::vector<response_row> moving;
  if (keys == nullptr) {
    use select(s.select_held_responses);
    select.bind(1, workshop_id);
    int rc = 0;
    while ((rc = select.step()) == SQLITE_ROW) moving.push_back({select.int64(0), std::string(select.blob(1))});
    if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
  } else {
    std::vector<std::int64_t> sorted = *keys;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    for (const auto key : sorted) {
      // A key not held is settled already (stored before held-back tables existed) or names
      // nothing stored: there is nothing to move.
      use select(s.select_held_response);
      select.bind(1, workshop_id).bind(2, key);
      const int rc = select.step();
      if (rc == SQLITE_ROW) moving.push_back({key, std::string(select.blob(0))});
      else if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
    }
  }
  // secure_delete (set at open) zeroes the cells as they go.
  if (keys == nullptr) {
    use remove(s.delete_held_responses);
    remove.bind(1, workshop_id);
    if (const int rc = remove.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  } else {
    for (const auto& r : moving) {
      use remove(s.delete_held_response);
      remove.bind(1, workshop_id).bind(2, r.key);
      if (const int rc = remove.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
    }
  }
  // The batch goes in by key, so that within it the file's bytes follow keys, not arrival.
  for (const auto& r : moving) {
    use insert(s.insert_response);
    insert.bind(1, workshop_id).bind(2, r.key).bind_blob(3, r.bytes);
    if (const int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }

  // Every submitter waiting, by participant id: a release cannot say whose responses it took.
  std::vector<std::pair<std::string, std::string>> submitters;
  {
    use select(s.select_held_submitters);
    select.bind(1, workshop_id);
    int rc = 0;
    while ((rc = select.step()) == SQLITE_ROW) submitters.emplace_back(select.text(0), select.text(1));
    if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  if (!submitters.empty()) {
    use remove(s.delete_held_submitters);
    remove.bind(1, workshop_id);
    if (const int rc = remove.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  for (const auto& [participant, submission] : submitters) {
    use insert(s.insert_submitter);
    insert.bind(1, workshop_id).bind_text(2, participant).bind_text(3, submission);
    if (const int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  if (!moving.empty() || !submitters.empty()) state.feedback = true;
  return core::ok();
}

status sqlite_event_log::relayout_held_feedback(std::int64_t workshop_id, const std::string& doing) {
  const auto& s = *stmt_;
  struct response_row {
    std::int64_t key;
    std::string bytes;
  };
  std::vector<response_row> responses;
  std::vector<std::pair<std::string, std::string>> submitters;
  {
    use select(s.select_held_responses);
    select.bind(1, workshop_id);
    int rc = 0;
    while ((rc = select.step()) == SQLITE_ROW) responses.push_back({select.int64(0), std::string(select.blob(1))});
    if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  {
    use select(s.select_held_submitters);
    select.bind(1, workshop_id);
    int rc = 0;
    while ((rc = select.step()) == SQLITE_ROW) submitters.emplace_back(select.text(0), select.text(1));
    if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  // secure_delete (set at open) zeroes the cells as they go, so the old layout leaves no bytes.
  for (const auto* del : {&s.delete_held_responses, &s.delete_held_submitters}) {
    use remove(*del);
    remove.bind(1, workshop_id);
    if (const int rc = remove.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  for (const auto& r : responses) {
    use insert(s.insert_held_response);
    insert.bind(1, workshop_id).bind(2, r.key).bind_blob(3, r.bytes);
    if (const int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  for (const auto& [participant, submission] : submitters) {
    use insert(s.insert_held_submitter);
    insert.bind(1, workshop_id).bind_text(2, participant).bind_text(3, submission);
    if (const int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  return core::ok();
}

status sqlite_event_log::checkpoint_and_truncate_wal() {
  // Without waiting: a reader (dyad-server backup) holds the WAL for as long as it copies, and
  // every workshop's commits queue behind this thread. Busy now means "again at the next commit".
  sqlite3_busy_timeout(db_, 0);
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  if (rc != SQLITE_OK) return sqlite_error("move feedback out of the write-ahead log", rc);
  return core::ok();
}

status sqlite_event_log::erase_personal_data(const std::string& workshop_code, std::int64_t at_ms) {
  if (workshop_code.empty())
    return make_error(errc::invalid_argument, "Say which workshop's personal data to erase; nothing was erased.");
  std::lock_guard lock(mutex_);
  const auto doing = "erase the personal data of workshop " + quoted(workshop_code);
  const auto& s = *stmt_;
  {
    if (const int rc = use(s.begin_write).step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
    transaction tx(db_, s.rollback);

    std::int64_t workshop_id = 0;
    std::int64_t last_seq = 0;
    std::int64_t lifecycle = 0;
    {
      use find(s.find_workshop);
      find.bind_text(1, workshop_code);
      const int rc = find.step();
      if (rc == SQLITE_DONE)
        return make_error(errc::not_found, "The event log holds no workshop " + quoted(workshop_code) +
                                               "; check the code. Nothing was erased.");
      if (rc != SQLITE_ROW) return sqlite_error(doing, rc);
      workshop_id = find.int64(0);
      last_seq = find.int64(1);
      lifecycle = find.int64(2);
    }
    // The core decides from the events too; this spares reading them for an open workshop.
    if (lifecycle != static_cast<std::int64_t>(v1::LIFECYCLE_CLOSED))
      return make_error(errc::wrong_state, "Workshop " + quoted(workshop_code) +
                                               " has not closed yet, so its participants' names and e-mails are "
                                               "kept; close the workshop first, then erase them.");

    struct stored {
      std::int64_t seq;
      v1::WorkshopEvent event;
    };
    std::vector<stored> rows;
    {
      use select(s.select_events);
      select.bind(1, workshop_id);
      int rc = 0;
      while ((rc = select.step()) == SQLITE_ROW) {
        const auto bytes = select.blob(1);
        stored row{select.int64(0), {}};
        if (!row.event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
          return make_error(errc::unavailable, "Event " + std::to_string(row.seq) + " of workshop " +
                                                   quoted(workshop_code) + " in the event log " + file_.string() +
                                                   " cannot be read, so nothing was erased: the file is damaged or "
                                                   "was written by a newer Dyad. Restore it from a backup, or run the "
                                                   "newer Dyad.");
        rows.push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
    }
    std::vector<v1::WorkshopEvent> events;
    events.reserve(rows.size());
    for (const auto& r : rows) events.push_back(r.event);
    auto erased = core::erase_personal_data(events, at_ms);
    if (!erased) return make_error(erased.err().code, erased.err().message + " Nothing was erased.");

    // Only the rows that change are written, in place: secure_delete zeroes what they held.
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto after = (*erased)[i].SerializeAsString();
      if (after == rows[i].event.SerializeAsString()) continue;
      use update(s.update_event);
      update.bind(1, workshop_id).bind(2, rows[i].seq).bind_blob(3, after);
      if (const int rc = update.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
    }
    if (erased->size() > rows.size()) {
      const auto& mark = erased->back();
      const auto bytes = mark.SerializeAsString();
      {
        use insert(s.insert_event);
        insert.bind(1, workshop_id).bind(2, last_seq + 1).bind(3, static_cast<int>(mark.kind_case())).bind_blob(4, bytes);
        if (const int rc = insert.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
      }
      use update(s.update_workshop);
      update.bind(1, workshop_id).bind(2, last_seq + 1).bind(3, lifecycle);
      if (const int rc = update.step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
    }
    if (const int rc = use(s.commit).step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
    tx.committed();
  }
  // Erased in the tables now; the WAL still holds the old page images of earlier commits.
  auto wiped = wipe_wal(doing);
  wal_needs_truncate_ = !wiped.ok();
  return wiped;
}

status sqlite_event_log::wipe_wal(const std::string& doing) {
  // Unlike after a feedback commit, this is worth waiting for: the organiser asked for the data
  // to be gone. But every workshop's commits queue behind this thread, so not for long: a second
  // per try (the busy handler waits that long for readers to move on), three tries.
  constexpr int tries = 3;
  constexpr int wait_ms = 1000;
  sqlite3_busy_timeout(db_, wait_ms);
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < tries; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
    rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc == SQLITE_OK || ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)) break;
  }
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  if (rc == SQLITE_OK) return core::ok();
  auto e = sqlite_error(doing, rc);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    e.message = "The personal data of the workshop is erased in the event log " + file_.string() +
                ", but its write-ahead log could not be emptied because another reader kept it open (a backup, or "
                "`dyad` reading beside the server); old copies of the names may remain there until it is. Erase "
                "again once that reader has finished.";
  return e;
}

result<std::uint64_t> sqlite_event_log::last_sequence(const std::string& workshop_code) {
  use find(stmt_->find_workshop);
  find.bind_text(1, workshop_code);
  const int rc = find.step();
  if (rc == SQLITE_ROW) return static_cast<std::uint64_t>(find.int64(1));
  if (rc == SQLITE_DONE) return std::uint64_t{0};
  return sqlite_error("read workshop " + quoted(workshop_code), rc);
}

result<std::vector<v1::WorkshopEvent>> sqlite_event_log::load(const std::string& workshop_code) {
  std::lock_guard lock(mutex_);
  const auto doing = "read workshop " + quoted(workshop_code);
  const auto& s = *stmt_;
  // One read transaction, so events and feedback come from the same snapshot.
  if (const int rc = use(s.begin_read).step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  transaction tx(db_, s.rollback);

  std::vector<v1::WorkshopEvent> out;
  std::int64_t workshop_id = 0;
  {
    use find(s.find_workshop);
    find.bind_text(1, workshop_code);
    const int rc = find.step();
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return sqlite_error(doing, rc);
    workshop_id = find.int64(0);
  }

  auto damaged = [&](const std::string& what) {
    return make_error(errc::unavailable, what + " of workshop " + quoted(workshop_code) + " in the event log " +
                                             file_.string() +
                                             " cannot be read: the file is damaged or was written by a newer Dyad. "
                                             "Restore it from a backup, or run the newer Dyad.");
  };

  {
    use select(s.select_events);
    select.bind(1, workshop_id);
    int rc = 0;
    while ((rc = select.step()) == SQLITE_ROW) {
      const auto bytes = select.blob(1);
      v1::WorkshopEvent e;
      if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return damaged("Event " + std::to_string(select.int64(0)));
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  {
    use select(s.select_submitters);
    select.bind(1, workshop_id);
    int rc = 0;
    while ((rc = select.step()) == SQLITE_ROW) {
      v1::WorkshopEvent e;
      auto* f = e.mutable_feedback_submitted();
      f->set_participant_id(select.text(0));
      f->set_submission_id(select.text(1));
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }
  {
    use select(s.select_keyed_responses);
    select.bind(1, workshop_id);
    int rc = 0;
    while ((rc = select.step()) == SQLITE_ROW) {
      const auto bytes = select.blob(1);
      v1::WorkshopEvent e;
      auto* f = e.mutable_feedback_submitted();
      f->set_response_key(static_cast<std::uint64_t>(select.int64(0)));
      // mutable_response() marks the response present even when it holds no answers.
      if (!f->mutable_response()->ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return damaged("A feedback response");
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return sqlite_error(doing, rc);
  }

  if (const int rc = use(s.commit).step(); rc != SQLITE_DONE) return sqlite_error(doing, rc);
  tx.committed();
  return out;
}

result<std::vector<std::string>> sqlite_event_log::workshop_codes(bool open_only) {
  std::lock_guard lock(mutex_);
  use select(open_only ? stmt_->select_open_codes : stmt_->select_codes);
  if (open_only) select.bind(1, static_cast<std::int64_t>(v1::LIFECYCLE_CLOSED));
  std::vector<std::string> codes;
  int rc = 0;
  while ((rc = select.step()) == SQLITE_ROW) codes.push_back(select.text(0));
  if (rc != SQLITE_DONE) return sqlite_error("list the workshops", rc);
  return codes;
}

status sqlite_event_log::healthy() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec))
    return make_error(errc::unavailable, "The event log " + file_.string() +
                                             " is no longer at its path (deleted or moved?); writes would be lost "
                                             "at restart. Restore the file or the data directory and restart the "
                                             "server.");
  const auto folder = file_.has_parent_path() ? file_.parent_path() : std::filesystem::path(".");
  const auto space = std::filesystem::space(folder, ec);
  if (!ec && space.available < min_free_bytes)
    return make_error(errc::unavailable, "Less than " + std::to_string(min_free_bytes / (1024U * 1024U)) +
                                             " MiB free on the disk that holds " + folder.string() +
                                             "; free disk space so that feedback can be stored.");
  use select(stmt_->select_schema_version);
  if (const int rc = select.step(); rc != SQLITE_ROW) return sqlite_error("read the schema version", rc);
  return core::ok();
}

result<sqlite_event_log::durability_settings> sqlite_event_log::durability() {
  std::lock_guard lock(mutex_);
  durability_settings out;
  auto query = [&](const char* sql) -> result<std::string> {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
    if (rc != SQLITE_OK) return sqlite_error("read its settings", rc);
    statement stmt(raw);
    use u(stmt);
    rc = u.step();
    if (rc != SQLITE_ROW) return sqlite_error("read its settings", rc);
    return u.text(0);
  };
  auto mode = query("PRAGMA journal_mode");
  if (!mode) return mode.err();
  auto sync = query("PRAGMA synchronous");
  if (!sync) return sync.err();
  auto fk = query("PRAGMA foreign_keys");
  if (!fk) return fk.err();
  auto secure = query("PRAGMA secure_delete");
  if (!secure) return secure.err();
  out.secure_delete = *secure == "1";
  out.journal_mode = *mode;
  // SQLite reports the level as a number; from_chars because nothing in the store throws.
  const auto& level = *sync;
  (void)std::from_chars(level.data(), level.data() + level.size(), out.synchronous);
  out.foreign_keys = *fk == "1";
  return out;
}

}  // namespace dyad::store
