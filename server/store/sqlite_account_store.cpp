#include "store/sqlite_account_store.hpp"

#include "store/sqlite_query.hpp"

#include <sqlite3.h>
#include <sys/random.h>

#include <climits>
#include <cstdio>
#include <functional>
#include <string_view>
#include <utility>

namespace dyad::store {

using core::errc;
using core::make_error;
using detail::query;
using detail::random_id;
using detail::sqlite_failure;
constexpr int busy_timeout_ms = detail::busy_timeout_ms;

namespace {

template <typename Query>
account_row row_of(const Query& q, int first = 0) {
  account_row r;
  r.id = q.str(first);
  r.email = q.str(first + 1);
  r.role = q.int64(first + 2) == 1 ? core::account_role::organiser : core::account_role::facilitator;
  r.password_hash = q.str(first + 3);
  r.created_ms = q.int64(first + 4);
  return r;
}

}  // namespace

result<std::unique_ptr<sqlite_account_store>> sqlite_account_store::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto e = sqlite_failure(db, "open the accounts in " + file.string(), rc);
    sqlite3_close(db);
    return e.err();
  }
  std::unique_ptr<sqlite_account_store> store(new sqlite_account_store(db, file));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  if (sqlite3_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;", nullptr, nullptr,
                   nullptr) != SQLITE_OK)
    return sqlite_failure(db, "set up the accounts' connection", sqlite3_errcode(db)).err();
  query version(db, "SELECT max(version) FROM schema_version");
  if (version.step() != SQLITE_ROW || version.int64(0) < 2)
    return make_error(errc::unavailable, "The file " + file.string() +
                                             " has no accounts yet; open it with dyad-server (which adds them) first.");
  return store;
}

sqlite_account_store::sqlite_account_store(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}

sqlite_account_store::~sqlite_account_store() { sqlite3_close(db_); }

status sqlite_account_store::run(const char* doing, const std::function<status()>& body) {
  return detail::transaction(db_, mutex_, doing, body);
}

result<account_row> sqlite_account_store::add_account(const std::string& email, core::account_role role,
                                                      std::int64_t now_ms) {
  auto id = random_id("u-");
  if (!id) return id.err();
  account_row row{*id, email, role, {}, now_ms};
  auto done = run("add an account", [&]() -> status {
    query q(db_, "INSERT INTO accounts (id, email, role, created_ms) VALUES (?1, ?2, ?3, ?4)");
    const int rc = q.text(1, row.id).text(2, email).bind(3, static_cast<int>(role)).bind(4, now_ms).step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
      return make_error(errc::invalid_argument, "There is already an account for " + email + ".");
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "add an account", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return row;
}

result<std::optional<account_row>> sqlite_account_store::find_one(const char* sql, const std::string& value) {
  std::optional<account_row> out;
  auto done = run("look up an account", [&]() -> status {
    query q(db_, sql);
    const int rc = q.text(1, value).step();
    if (rc == SQLITE_ROW) out = row_of(q);
    else if (rc != SQLITE_DONE) return sqlite_failure(db_, "look up an account", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

result<std::optional<account_row>> sqlite_account_store::find_by_email(const std::string& email) {
  return find_one("SELECT id, email, role, password_hash, created_ms FROM accounts WHERE email = ?1", email);
}

result<std::optional<account_row>> sqlite_account_store::find_by_id(const std::string& id) {
  return find_one("SELECT id, email, role, password_hash, created_ms FROM accounts WHERE id = ?1", id);
}

result<std::vector<account_row>> sqlite_account_store::accounts() {
  std::vector<account_row> out;
  auto done = run("list the accounts", [&]() -> status {
    query q(db_, "SELECT id, email, role, password_hash, created_ms FROM accounts ORDER BY email");
    int rc = 0;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(row_of(q));
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "list the accounts", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

status sqlite_account_store::set_role(const std::string& id, core::account_role role) {
  return run("change a role", [&]() -> status {
    query q(db_, "UPDATE accounts SET role = ?2 WHERE id = ?1");
    const int rc = q.text(1, id).bind(2, static_cast<int>(role)).step();
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "change a role", rc);
    if (q.changes() == 0) return make_error(errc::not_found, "No such account; it may have been removed.");
    return core::ok();
  });
}

status sqlite_account_store::remove_account(const std::string& id) {
  return run("remove an account", [&]() -> status {
    query q(db_, "DELETE FROM accounts WHERE id = ?1");  // sessions and links go with it (cascade)
    const int rc = q.text(1, id).step();
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "remove an account", rc);
    if (q.changes() == 0) return make_error(errc::not_found, "No such account; it may have been removed already.");
    return core::ok();
  });
}

status sqlite_account_store::add_link(const std::string& token_sha256, const std::string& account_id,
                                      std::int64_t expires_ms) {
  return run("make a one-time link", [&]() -> status {
    query drop(db_, "DELETE FROM one_time_links WHERE account_id = ?1");
    if (const int rc = drop.text(1, account_id).step(); rc != SQLITE_DONE)
      return sqlite_failure(db_, "make a one-time link", rc);
    query q(db_, "INSERT INTO one_time_links (token_sha256, account_id, expires_ms) VALUES (?1, ?2, ?3)");
    const int rc = q.blob(1, token_sha256).text(2, account_id).bind(3, expires_ms).step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return make_error(errc::not_found, "No such account; it may have been removed.");
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "make a one-time link", rc);
    return core::ok();
  });
}

result<std::optional<account_row>> sqlite_account_store::link_account(const std::string& token_sha256,
                                                                      std::int64_t now_ms) {
  std::optional<account_row> out;
  auto done = run("read a one-time link", [&]() -> status {
    query q(db_,
            "SELECT a.id, a.email, a.role, a.password_hash, a.created_ms FROM one_time_links l "
            "JOIN accounts a ON a.id = l.account_id WHERE l.token_sha256 = ?1 AND l.expires_ms > ?2");
    const int rc = q.blob(1, token_sha256).bind(2, now_ms).step();
    if (rc == SQLITE_ROW) out = row_of(q);
    else if (rc != SQLITE_DONE) return sqlite_failure(db_, "read a one-time link", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

result<account_row> sqlite_account_store::redeem_link(const std::string& token_sha256, const std::string& password_hash,
                                                      std::int64_t now_ms) {
  account_row row;
  auto done = run("set a password", [&]() -> status {
    query find(db_,
               "SELECT a.id, a.email, a.role, a.password_hash, a.created_ms FROM one_time_links l "
               "JOIN accounts a ON a.id = l.account_id WHERE l.token_sha256 = ?1 AND l.expires_ms > ?2");
    const int rc = find.blob(1, token_sha256).bind(2, now_ms).step();
    if (rc == SQLITE_DONE)
      return make_error(errc::not_found, "This link has been used or has expired; ask an organiser for a new one.");
    if (rc != SQLITE_ROW) return sqlite_failure(db_, "set a password", rc);
    row = row_of(find);
    row.password_hash = password_hash;
    query set(db_, "UPDATE accounts SET password_hash = ?2 WHERE id = ?1");
    if (const int s = set.text(1, row.id).text(2, password_hash).step(); s != SQLITE_DONE)
      return sqlite_failure(db_, "set a password", s);
    // The link is spent, and whoever was signed in with the old password is signed out.
    for (const char* sql : {"DELETE FROM one_time_links WHERE account_id = ?1", "DELETE FROM sessions WHERE account_id = ?1"}) {
      query q(db_, sql);
      if (const int s = q.text(1, row.id).step(); s != SQLITE_DONE) return sqlite_failure(db_, "set a password", s);
    }
    return core::ok();
  });
  if (!done) return done.err();
  return row;
}

status sqlite_account_store::add_session(const std::string& id_sha256, const std::string& account_id,
                                         std::int64_t now_ms) {
  return run("start a session", [&]() -> status {
    query q(db_, "INSERT INTO sessions (id_sha256, account_id, created_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?3)");
    const int rc = q.blob(1, id_sha256).text(2, account_id).bind(3, now_ms).step();
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "start a session", rc);
    return core::ok();
  });
}

result<std::optional<account_row>> sqlite_account_store::session_account(const std::string& id_sha256,
                                                                         std::int64_t now_ms) {
  std::optional<account_row> out;
  auto done = run("read a session", [&]() -> status {
    query q(db_,
            "SELECT s.created_ms, s.last_seen_ms, a.id, a.email, a.role, a.password_hash, a.created_ms FROM sessions s "
            "JOIN accounts a ON a.id = s.account_id WHERE s.id_sha256 = ?1");
    const int rc = q.blob(1, id_sha256).step();
    if (rc == SQLITE_DONE) return core::ok();
    if (rc != SQLITE_ROW) return sqlite_failure(db_, "read a session", rc);
    const auto created = q.int64(0);
    const auto last_seen = q.int64(1);
    if (!core::session_alive(created, last_seen, now_ms)) {
      query drop(db_, "DELETE FROM sessions WHERE id_sha256 = ?1");
      if (const int d = drop.blob(1, id_sha256).step(); d != SQLITE_DONE) return sqlite_failure(db_, "end a session", d);
      return core::ok();
    }
    out = row_of(q, 2);
    if (now_ms - last_seen >= core::session_touch_ms) {
      query touch(db_, "UPDATE sessions SET last_seen_ms = ?2 WHERE id_sha256 = ?1");
      if (const int t = touch.blob(1, id_sha256).bind(2, now_ms).step(); t != SQLITE_DONE)
        return sqlite_failure(db_, "read a session", t);
    }
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

status sqlite_account_store::end_session(const std::string& id_sha256) {
  return run("end a session", [&]() -> status {
    query q(db_, "DELETE FROM sessions WHERE id_sha256 = ?1");
    if (const int rc = q.blob(1, id_sha256).step(); rc != SQLITE_DONE) return sqlite_failure(db_, "end a session", rc);
    return core::ok();
  });
}

status sqlite_account_store::end_sessions_of(const std::string& account_id) {
  return run("end sessions", [&]() -> status {
    query q(db_, "DELETE FROM sessions WHERE account_id = ?1");
    if (const int rc = q.text(1, account_id).step(); rc != SQLITE_DONE) return sqlite_failure(db_, "end sessions", rc);
    return core::ok();
  });
}

result<std::optional<std::string>> sqlite_account_store::setting(const std::string& name) {
  std::optional<std::string> out;
  auto done = run("read a setting", [&]() -> status {
    query q(db_, "SELECT value FROM settings WHERE name = ?1");
    const int rc = q.text(1, name).step();
    if (rc == SQLITE_ROW) out = q.str(0);
    else if (rc != SQLITE_DONE) return sqlite_failure(db_, "read a setting", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

status sqlite_account_store::set_setting(const std::string& name, const std::string& value) {
  return run("write a setting", [&]() -> status {
    query q(db_, "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2");
    if (const int rc = q.text(1, name).blob(2, value).step(); rc != SQLITE_DONE)
      return sqlite_failure(db_, "write a setting", rc);
    return core::ok();
  });
}

}  // namespace dyad::store
