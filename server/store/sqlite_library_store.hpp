#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "store/library_store.hpp"

struct sqlite3;

namespace dyad::store {

/// library_store in the same SQLite file as the event log (schema version 3 and later, set up by
/// sqlite_event_log::open, which must have run on the file first), on its own connection. Each
/// call is a transaction, durable when it returns; removed rows are overwritten (secure_delete).
/// Thread-safe.
class sqlite_library_store final : public library_store {
public:
  /// errc::unavailable, in words, when the file cannot be opened or has no workspace tables yet.
  static result<std::unique_ptr<sqlite_library_store>> open(const std::filesystem::path& file);
  ~sqlite_library_store() override;

  result<plan_row> add_plan(const std::string& name, bool is_template, std::int64_t now_ms) override;
  result<std::vector<plan_row>> plans() override;
  result<std::optional<plan_row>> find_plan(const std::string& id) override;
  status rename_plan(const std::string& id, const std::string& name) override;
  result<std::vector<plan_version_row>> plan_versions(const std::string& id) override;
  result<std::optional<plan_version_row>> plan_version(const std::string& id, int version) override;
  result<int> add_plan_version(const std::string& id, const std::string& plan, const std::string& saved_by,
                               std::int64_t now_ms) override;
  status set_draft(const std::string& id, const plan_draft_row& draft) override;
  result<std::optional<plan_draft_row>> draft(const std::string& id) override;

  status add_run(const run_row& run) override;
  result<std::vector<run_row>> runs() override;
  result<std::optional<run_row>> find_run(const std::string& code) override;
  status set_run_closed(const std::string& code, std::int64_t closed_ms, int participants, int responses) override;
  status set_run_erased(const std::string& code, std::int64_t at_ms) override;
  status grant(const std::string& code, const std::string& account_id) override;
  status revoke(const std::string& code, const std::string& account_id) override;

private:
  explicit sqlite_library_store(sqlite3* db);
  status run(const char* doing, const std::function<status()>& body);
  result<std::vector<plan_row>> select_plans(const std::string& id);
  result<std::vector<run_row>> select_runs(const std::string& code);

  sqlite3* db_;
  std::mutex mutex_;
};

}  // namespace dyad::store
