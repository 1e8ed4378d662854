#include "store/sqlite_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <utility>
#include <vector>

namespace dyad::store {

using core::errc;
using core::make_error;

namespace {

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

constexpr int busy_timeout_ms = 10000;

core::result<db_ptr> open_db(const std::filesystem::path& file, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_EXRESCODE, nullptr);
  db_ptr db(raw);
  if (rc != SQLITE_OK)
    return make_error(errc::unavailable, "Cannot open " + file.string() + ": " +
                                             (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) +
                                             ". Check the path and that this user may read it.");
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  return db;
}

core::status exec(sqlite3* db, const char* sql, const std::filesystem::path& file) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return core::ok();
  std::string why = message ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  return make_error(errc::unavailable, "SQLite refused '" + std::string(sql) + "' on " + file.string() + ": " + why + ".");
}

core::status fsync_path(const std::filesystem::path& p, bool directory) {
  const int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return make_error(errc::unavailable, "Cannot open " + p.string() + " to flush it to disk.");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error(errc::unavailable, "Cannot flush " + p.string() + " to disk; check the disk.");
  return core::ok();
}

std::string utc_stamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

/// Copies every page of `src` into `dst` in one step, under one read snapshot of `src`.
core::status copy_pages(sqlite3* src, sqlite3* dst, const std::filesystem::path& from, const std::filesystem::path& to) {
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == nullptr)
    return make_error(errc::unavailable, "Cannot start copying " + from.string() + " to " + to.string() + ": " +
                                             sqlite3_errmsg(dst) + ".");
  int rc = SQLITE_OK;
  // -1: all pages at once. The busy timeout already waits for a commit holding the lock at the
  // moment of the snapshot; a source still busy after that is tried twice more.
  for (int attempt = 0; attempt < 3; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(50);
  }
  const int finished = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE || finished != SQLITE_OK)
    return make_error(errc::unavailable, "Copying " + from.string() + " to " + to.string() + " failed: " +
                                             sqlite3_errstr(rc == SQLITE_DONE ? finished : rc) +
                                             ". Check the disk space where the copy goes, and try again.");
  return core::ok();
}

}  // namespace

core::status backup_sqlite(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(from, ec))
    return make_error(errc::invalid_argument, "There is no event log at " + from.string() +
                                                  "; give the data directory the server uses (--data-dir).");
  if (std::filesystem::exists(to, ec))
    return make_error(errc::invalid_argument, to.string() + " already exists; give a new file name for the backup.");
  if (to.has_parent_path() && !std::filesystem::is_directory(to.parent_path(), ec))
    return make_error(errc::invalid_argument, "The folder " + to.parent_path().string() + " does not exist; create it first.");
  const auto partial = std::filesystem::path(to.string() + ".partial");
  std::filesystem::remove(partial, ec);

  // Read-write without create: a WAL database needs its -shm even to read; nothing is written.
  auto src = open_db(from, SQLITE_OPEN_READWRITE);
  if (!src) return src.err();
  auto dst = open_db(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!dst) return dst.err();
  auto copied = copy_pages(src->get(), dst->get(), from, partial);
  if (copied) copied = exec(dst->get(), "PRAGMA journal_mode=DELETE", partial);
  dst->reset();
  src->reset();
  if (!copied) {
    std::filesystem::remove(partial, ec);
    return copied;
  }
  // As private as the log it copies: names and feedback are in it.
  std::filesystem::permissions(partial, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  if (auto s = fsync_path(partial, false); !s) return s;
  std::filesystem::rename(partial, to, ec);
  if (ec) return make_error(errc::unavailable, "Cannot rename " + partial.string() + " to " + to.string() + ": " + ec.message() + ".");
  return fsync_path(to.has_parent_path() ? to.parent_path() : std::filesystem::path("."), true);
}

core::status check_sqlite(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return make_error(errc::invalid_argument, file.string() + " is not a file; give the path of a backup.");
  auto db = open_db(file, SQLITE_OPEN_READONLY);
  if (!db) return db.err();
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db->get(), "PRAGMA integrity_check(5)", -1, &raw, nullptr) != SQLITE_OK)
    return make_error(errc::invalid_argument, file.string() + " is not an SQLite database (" + sqlite3_errmsg(db->get()) +
                                                  "); give the path of a file made by dyad-server backup.");
  std::string problems;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
    const std::string line = text ? text : "";
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
  }
  sqlite3_finalize(raw);
  if (rc != SQLITE_DONE)
    return make_error(errc::invalid_argument, file.string() + " cannot be checked (" + sqlite3_errmsg(db->get()) +
                                                  "); it is damaged or not an SQLite database.");
  if (!problems.empty())
    return make_error(errc::invalid_argument, file.string() + " is damaged: " + problems + ". Use another backup.");
  // A Dyad event log has its schema_version table.
  if (sqlite3_prepare_v2(db->get(), "SELECT version FROM schema_version", -1, &raw, nullptr) != SQLITE_OK)
    return make_error(errc::invalid_argument, file.string() + " is an SQLite database but not a Dyad event log.");
  sqlite3_finalize(raw);
  return core::ok();
}

core::result<std::filesystem::path> restore_sqlite(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (auto s = check_sqlite(from); !s) return s.err();
  std::error_code ec;
  std::filesystem::create_directories(to.parent_path(), ec);
  const auto incoming = std::filesystem::path(to.string() + ".restoring");
  std::filesystem::remove(incoming, ec);
  {
    auto src = open_db(from, SQLITE_OPEN_READONLY);
    if (!src) return src.err();
    auto dst = open_db(incoming, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!dst) return dst.err();
    auto copied = copy_pages(src->get(), dst->get(), from, incoming);
    if (copied) copied = exec(dst->get(), "PRAGMA journal_mode=DELETE", incoming);
    if (!copied) {
      dst->reset();
      std::filesystem::remove(incoming, ec);
      return copied.err();
    }
  }
  if (auto s = fsync_path(incoming, false); !s) return s.err();
  // The log being replaced stays, with its WAL (which may hold its latest commits), under a
  // name no earlier restore took: a restore never destroys data. Any failure puts back what moved.
  std::filesystem::path kept;
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> moved;
  const auto undo = [&] {
    for (auto it = moved.rbegin(); it != moved.rend(); ++it) std::filesystem::rename(it->second, it->first, ec);
    std::filesystem::remove(incoming, ec);
  };
  if (std::filesystem::exists(to, ec)) {
    const auto stem = to.string() + ".before-restore-" + utc_stamp();
    kept = stem;
    for (int n = 2; std::filesystem::exists(kept, ec) || std::filesystem::exists(kept.string() + "-wal", ec); ++n)
      kept = stem + "-" + std::to_string(n);
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::filesystem::path f = to.string() + suffix;
      if (!std::filesystem::exists(f, ec)) continue;
      const std::filesystem::path dest = kept.string() + suffix;
      std::filesystem::rename(f, dest, ec);
      if (ec) {
        const auto why = ec.message();
        undo();
        return make_error(errc::unavailable, "Cannot move " + f.string() + " aside: " + why +
                                                 ". Nothing was restored; check the folder's permissions.");
      }
      moved.emplace_back(f, dest);
    }
  }
  std::filesystem::rename(incoming, to, ec);
  if (ec) {
    const auto why = ec.message();
    undo();
    return make_error(errc::unavailable, "Cannot move the restored log into place: " + why + ". Nothing was restored.");
  }
  if (auto s = fsync_path(to.parent_path(), true); !s) return s.err();
  return kept;
}

}  // namespace dyad::store
