#pragma once

// What the SQLite stores beside the event log share: one-use statements, errors in words,
// random ids, and a call as one transaction. Internal to the store.

#include <sqlite3.h>
#include <sys/random.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dyad::store::detail {

inline constexpr int busy_timeout_ms = 5000;

inline core::status sqlite_failure(sqlite3* db, const std::string& doing, int rc) {
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return core::make_error(core::errc::unavailable, "Could not " + doing + " (" + detail +
                                                       "); check the data folder's disk and permissions, then try again.");
}

/// `prefix` and 96 random bits in hex.
inline core::result<std::string> random_id(std::string_view prefix) {
  unsigned char bytes[12];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) return core::make_error(core::errc::unavailable, "The system's random source failed; try again.");
    got += static_cast<std::size_t>(n);
  }
  std::string out(prefix);
  char hex[3];
  for (const auto b : bytes) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    out += hex;
  }
  return out;
}

/// One statement, prepared for one use: these tables change seldom, so nothing is kept prepared.
class query {
public:
  query(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~query() { sqlite3_finalize(s_); }
  query(const query&) = delete;
  query& operator=(const query&) = delete;

  query& bind(int i, std::int64_t v) {
    keep(sqlite3_bind_int64(s_, i, v));
    return *this;
  }
  query& text(int i, std::string_view v) {
    keep(v.size() > INT_MAX ? SQLITE_TOOBIG : sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  query& blob(int i, std::string_view v) {
    keep(v.size() > INT_MAX ? SQLITE_TOOBIG : sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE, or the first error met while preparing, binding or stepping.
  int step() {
    if (rc_ != SQLITE_OK) return rc_;
    return sqlite3_step(s_);
  }
  std::int64_t int64(int i) const { return sqlite3_column_int64(s_, i); }
  std::string str(int i) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return p == nullptr ? std::string{} : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)));
  }
  int changes() const { return sqlite3_changes(db_); }

private:
  void keep(int rc) {
    if (rc_ == SQLITE_OK) rc_ = rc;
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
};

/// Runs `body` as one immediate transaction under `mutex`: committed when it succeeds, rolled
/// back otherwise.
inline core::status transaction(sqlite3* db, std::mutex& mutex, const char* doing, const std::function<core::status()>& body) {
  std::lock_guard lock(mutex);
  if (const int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr); rc != SQLITE_OK)
    return sqlite_failure(db, doing, rc);
  auto outcome = body();
  if (!outcome) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return outcome;
  }
  if (const int rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return sqlite_failure(db, doing, rc);
  }
  return core::ok();
}

}  // namespace dyad::store::detail
