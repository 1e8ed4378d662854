#pragma once

// SQLite's own verdict on a store file, for tests that kill, back up or restore a server.

#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace dyad::test {

/// PRAGMA integrity_check of a file, read-only: "ok" when sound.
inline std::string integrity_of(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open " + file.string();
  }
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK)
    while (sqlite3_step(s) == SQLITE_ROW) out += reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

}  // namespace dyad::test
