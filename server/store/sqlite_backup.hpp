#pragma once

// Copies of the SQLite event log: a backup taken while the server writes, a check of a copy, and
// putting a copy back in place.

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace dyad::store {

/// Copies the event log at `from` into a new file `to`, consistently, while another process (the
/// running server) may be committing: SQLite's online backup API, in one step under one read
/// snapshot, so the copy holds every commit that finished before it began and none half done.
/// The copy is one self-contained file (rollback journal mode; a restore switches it back to
/// WAL), written beside `to` and renamed into place only once complete and fsynced. Refuses to
/// overwrite an existing `to`. Errors (errc::unavailable, errc::invalid_argument) say what to do.
core::status backup_sqlite(const std::filesystem::path& from, const std::filesystem::path& to);

/// Runs SQLite's `PRAGMA integrity_check` on `file` (opened read-only) and checks that it is a
/// Dyad event log: ok, or an error quoting the first problems found.
core::status check_sqlite(const std::filesystem::path& file);

/// Puts the backup `from` in place as the event log `to` (the server must not be running): the
/// backup is checked first; the log it replaces, with its -wal and -shm files, is kept beside it
/// as `to` + ".before-restore-<UTC time>" and never deleted. Returns the path of the kept log
/// (empty when there was none).
core::result<std::filesystem::path> restore_sqlite(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace dyad::store
