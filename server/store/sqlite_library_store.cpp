#include "store/sqlite_library_store.hpp"

#include <sqlite3.h>

#include <map>

#include "store/sqlite_query.hpp"

namespace dyad::store {

using core::errc;
using core::make_error;
using detail::query;
using detail::sqlite_failure;

result<std::unique_ptr<sqlite_library_store>> sqlite_library_store::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto e = sqlite_failure(db, "open the workspace in " + file.string(), rc);
    sqlite3_close(db);
    return e.err();
  }
  std::unique_ptr<sqlite_library_store> store(new sqlite_library_store(db));
  sqlite3_busy_timeout(db, detail::busy_timeout_ms);
  if (sqlite3_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;", nullptr, nullptr,
                   nullptr) != SQLITE_OK)
    return sqlite_failure(db, "set up the workspace's connection", sqlite3_errcode(db)).err();
  query version(db, "SELECT max(version) FROM schema_version");
  if (version.step() != SQLITE_ROW || version.int64(0) < 3)
    return make_error(errc::unavailable, "The file " + file.string() +
                                             " has no workspace yet; open it with dyad-server (which adds it) first.");
  return store;
}

sqlite_library_store::sqlite_library_store(sqlite3* db) : db_(db) {}

sqlite_library_store::~sqlite_library_store() { sqlite3_close(db_); }

status sqlite_library_store::run(const char* doing, const std::function<status()>& body) {
  return detail::transaction(db_, mutex_, doing, body);
}

// ---------------------------------------------------------------------------------------------
// Plans

result<plan_row> sqlite_library_store::add_plan(const std::string& name, bool is_template, std::int64_t now_ms) {
  auto id = detail::random_id("p-");
  if (!id) return id.err();
  plan_row row;
  row.id = *id;
  row.name = name;
  row.is_template = is_template;
  row.created_ms = now_ms;
  auto done = run("add a plan", [&]() -> status {
    query q(db_, "INSERT INTO plans (id, name, template, created_ms) VALUES (?1, ?2, ?3, ?4)");
    if (const int rc = q.text(1, row.id).text(2, name).bind(3, is_template ? 1 : 0).bind(4, now_ms).step(); rc != SQLITE_DONE)
      return sqlite_failure(db_, "add a plan", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return row;
}

result<std::vector<plan_row>> sqlite_library_store::select_plans(const std::string& id) {
  std::vector<plan_row> out;
  auto done = run("read the plan library", [&]() -> status {
    query q(db_,
            "SELECT p.id, p.name, p.template, p.created_ms, coalesce(max(v.version), 0), coalesce(max(v.saved_ms), 0), "
            "  EXISTS (SELECT 1 FROM plan_drafts d WHERE d.plan_id = p.id) "
            "FROM plans p LEFT JOIN plan_versions v ON v.plan_id = p.id "
            "WHERE ?1 = '' OR p.id = ?1 GROUP BY p.id ORDER BY p.template DESC, p.name, p.id");
    q.text(1, id);
    int rc = 0;
    while ((rc = q.step()) == SQLITE_ROW) {
      plan_row r;
      r.id = q.str(0);
      r.name = q.str(1);
      r.is_template = q.int64(2) != 0;
      r.created_ms = q.int64(3);
      r.latest_version = static_cast<int>(q.int64(4));
      r.saved_ms = q.int64(5);
      r.has_draft = q.int64(6) != 0;
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "read the plan library", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

result<std::vector<plan_row>> sqlite_library_store::plans() { return select_plans({}); }

result<std::optional<plan_row>> sqlite_library_store::find_plan(const std::string& id) {
  if (id.empty()) return std::optional<plan_row>{};
  auto found = select_plans(id);
  if (!found) return found.err();
  if (found->empty()) return std::optional<plan_row>{};
  return std::optional<plan_row>{std::move(found->front())};
}

status sqlite_library_store::rename_plan(const std::string& id, const std::string& name) {
  return run("rename a plan", [&]() -> status {
    query q(db_, "UPDATE plans SET name = ?2 WHERE id = ?1");
    if (const int rc = q.text(1, id).text(2, name).step(); rc != SQLITE_DONE) return sqlite_failure(db_, "rename a plan", rc);
    if (q.changes() == 0) return make_error(errc::not_found, "No such plan; it may have been removed.");
    return core::ok();
  });
}

result<std::vector<plan_version_row>> sqlite_library_store::plan_versions(const std::string& id) {
  std::vector<plan_version_row> out;
  auto done = run("read a plan's versions", [&]() -> status {
    query q(db_, "SELECT version, plan, saved_ms, saved_by FROM plan_versions WHERE plan_id = ?1 ORDER BY version DESC");
    q.text(1, id);
    int rc = 0;
    while ((rc = q.step()) == SQLITE_ROW)
      out.push_back(plan_version_row{static_cast<int>(q.int64(0)), q.str(1), q.int64(2), q.str(3)});
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "read a plan's versions", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

result<std::optional<plan_version_row>> sqlite_library_store::plan_version(const std::string& id, int version) {
  std::optional<plan_version_row> out;
  auto done = run("read a plan version", [&]() -> status {
    query q(db_, "SELECT version, plan, saved_ms, saved_by FROM plan_versions WHERE plan_id = ?1 AND (?2 = 0 OR version = ?2) "
                 "ORDER BY version DESC LIMIT 1");
    const int rc = q.text(1, id).bind(2, version).step();
    if (rc == SQLITE_ROW) out = plan_version_row{static_cast<int>(q.int64(0)), q.str(1), q.int64(2), q.str(3)};
    else if (rc != SQLITE_DONE) return sqlite_failure(db_, "read a plan version", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

result<int> sqlite_library_store::add_plan_version(const std::string& id, const std::string& plan,
                                                   const std::string& saved_by, std::int64_t now_ms) {
  int version = 0;
  auto done = run("save a plan", [&]() -> status {
    query exists(db_, "SELECT coalesce((SELECT max(version) FROM plan_versions WHERE plan_id = ?1), 0), "
                      "EXISTS (SELECT 1 FROM plans WHERE id = ?1)");
    if (const int rc = exists.text(1, id).step(); rc != SQLITE_ROW) return sqlite_failure(db_, "save a plan", rc);
    if (exists.int64(1) == 0) return make_error(errc::not_found, "No such plan; it may have been removed.");
    version = static_cast<int>(exists.int64(0)) + 1;
    query q(db_, "INSERT INTO plan_versions (plan_id, version, plan, saved_ms, saved_by) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (const int rc = q.text(1, id).bind(2, version).blob(3, plan).bind(4, now_ms).text(5, saved_by).step(); rc != SQLITE_DONE)
      return sqlite_failure(db_, "save a plan", rc);
    query drop(db_, "DELETE FROM plan_drafts WHERE plan_id = ?1");
    if (const int rc = drop.text(1, id).step(); rc != SQLITE_DONE) return sqlite_failure(db_, "save a plan", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return version;
}

status sqlite_library_store::set_draft(const std::string& id, const plan_draft_row& draft) {
  return run("keep a draft", [&]() -> status {
    query q(db_, "INSERT INTO plan_drafts (plan_id, format, body, saved_ms) VALUES (?1, ?2, ?3, ?4) "
                 "ON CONFLICT (plan_id) DO UPDATE SET format = excluded.format, body = excluded.body, saved_ms = excluded.saved_ms");
    const int rc = q.text(1, id).text(2, draft.format).blob(3, draft.body).bind(4, draft.saved_ms).step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return make_error(errc::not_found, "No such plan; it may have been removed.");
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "keep a draft", rc);
    return core::ok();
  });
}

result<std::optional<plan_draft_row>> sqlite_library_store::draft(const std::string& id) {
  std::optional<plan_draft_row> out;
  auto done = run("read a draft", [&]() -> status {
    query q(db_, "SELECT format, body, saved_ms FROM plan_drafts WHERE plan_id = ?1");
    const int rc = q.text(1, id).step();
    if (rc == SQLITE_ROW) out = plan_draft_row{q.str(0), q.str(1), q.int64(2)};
    else if (rc != SQLITE_DONE) return sqlite_failure(db_, "read a draft", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Runs

status sqlite_library_store::add_run(const run_row& r) {
  return run("record a run", [&]() -> status {
    query q(db_, "INSERT INTO runs (code, series, title, plan_id, plan_version, date, start_time, facilitator_id, created_ms, "
                 "closed_ms, participants, responses, erased_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    const int rc = q.text(1, r.code).text(2, r.series).text(3, r.title).text(4, r.plan_id).bind(5, r.plan_version)
                       .text(6, r.date).text(7, r.start_time).text(8, r.facilitator_id).bind(9, r.created_ms)
                       .bind(10, r.closed_ms).bind(11, r.participants).bind(12, r.responses).bind(13, r.erased_ms).step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return make_error(errc::invalid_argument, "The run " + r.code + " is already recorded.");
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "record a run", rc);
    return core::ok();
  });
}

result<std::vector<run_row>> sqlite_library_store::select_runs(const std::string& code) {
  std::vector<run_row> out;
  auto done = run("read the runs", [&]() -> status {
    query q(db_, "SELECT code, series, title, plan_id, plan_version, date, start_time, facilitator_id, created_ms, closed_ms, "
                 "participants, responses, erased_ms FROM runs WHERE ?1 = '' OR code = ?1 ORDER BY created_ms DESC, code");
    q.text(1, code);
    std::map<std::string, std::size_t> index;
    int rc = 0;
    while ((rc = q.step()) == SQLITE_ROW) {
      run_row r;
      r.code = q.str(0);
      r.series = q.str(1);
      r.title = q.str(2);
      r.plan_id = q.str(3);
      r.plan_version = static_cast<int>(q.int64(4));
      r.date = q.str(5);
      r.start_time = q.str(6);
      r.facilitator_id = q.str(7);
      r.created_ms = q.int64(8);
      r.closed_ms = q.int64(9);
      r.participants = static_cast<int>(q.int64(10));
      r.responses = static_cast<int>(q.int64(11));
      r.erased_ms = q.int64(12);
      index[r.code] = out.size();
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "read the runs", rc);
    query a(db_, "SELECT code, account_id FROM run_access WHERE ?1 = '' OR code = ?1 ORDER BY code, account_id");
    a.text(1, code);
    while ((rc = a.step()) == SQLITE_ROW)
      if (const auto it = index.find(a.str(0)); it != index.end()) out[it->second].access.push_back(a.str(1));
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "read the runs", rc);
    return core::ok();
  });
  if (!done) return done.err();
  return out;
}

result<std::vector<run_row>> sqlite_library_store::runs() { return select_runs({}); }

result<std::optional<run_row>> sqlite_library_store::find_run(const std::string& code) {
  if (code.empty()) return std::optional<run_row>{};
  auto found = select_runs(code);
  if (!found) return found.err();
  if (found->empty()) return std::optional<run_row>{};
  return std::optional<run_row>{std::move(found->front())};
}

status sqlite_library_store::set_run_closed(const std::string& code, std::int64_t closed_ms, int participants, int responses) {
  return run("record a run's end", [&]() -> status {
    query q(db_, "UPDATE runs SET closed_ms = ?2, participants = ?3, responses = ?4 WHERE code = ?1");
    if (const int rc = q.text(1, code).bind(2, closed_ms).bind(3, participants).bind(4, responses).step(); rc != SQLITE_DONE)
      return sqlite_failure(db_, "record a run's end", rc);
    if (q.changes() == 0) return make_error(errc::not_found, "No run " + code + " here.");
    return core::ok();
  });
}

status sqlite_library_store::set_run_erased(const std::string& code, std::int64_t at_ms) {
  return run("record an erasure", [&]() -> status {
    query q(db_, "UPDATE runs SET erased_ms = ?2 WHERE code = ?1");
    if (const int rc = q.text(1, code).bind(2, at_ms).step(); rc != SQLITE_DONE) return sqlite_failure(db_, "record an erasure", rc);
    if (q.changes() == 0) return make_error(errc::not_found, "No run " + code + " here.");
    return core::ok();
  });
}

status sqlite_library_store::grant(const std::string& code, const std::string& account_id) {
  return run("give access to a run", [&]() -> status {
    query q(db_, "INSERT INTO run_access (code, account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    const int rc = q.text(1, code).text(2, account_id).step();
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return make_error(errc::not_found, "No such run or person; they may have been removed.");
    if (rc != SQLITE_DONE) return sqlite_failure(db_, "give access to a run", rc);
    return core::ok();
  });
}

status sqlite_library_store::revoke(const std::string& code, const std::string& account_id) {
  return run("take back access to a run", [&]() -> status {
    query q(db_, "DELETE FROM run_access WHERE code = ?1 AND account_id = ?2");
    if (const int rc = q.text(1, code).text(2, account_id).step(); rc != SQLITE_DONE)
      return sqlite_failure(db_, "take back access to a run", rc);
    return core::ok();
  });
}

}  // namespace dyad::store
