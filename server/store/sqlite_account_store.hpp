#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "store/account_store.hpp"

struct sqlite3;

namespace dyad::store {

/// account_store in the same SQLite file as the event log (schema version 2 and later, set up by
/// sqlite_event_log::open, which must have run on the file first), on its own connection. Each
/// call is a transaction, durable when it returns (synchronous=FULL, like the log); removed rows
/// are overwritten (secure_delete), so a hash once deleted is gone from the file. Thread-safe.
class sqlite_account_store final : public account_store {
public:
  /// errc::unavailable, in words, when the file cannot be opened or has no accounts tables yet.
  static result<std::unique_ptr<sqlite_account_store>> open(const std::filesystem::path& file);
  ~sqlite_account_store() override;

  result<account_row> add_account(const std::string& email, core::account_role role, std::int64_t now_ms) override;
  result<std::optional<account_row>> find_by_email(const std::string& email) override;
  result<std::optional<account_row>> find_by_id(const std::string& id) override;
  result<std::vector<account_row>> accounts() override;
  status set_role(const std::string& id, core::account_role role) override;
  status remove_account(const std::string& id) override;

  status add_link(const std::string& token_sha256, const std::string& account_id, std::int64_t expires_ms) override;
  result<std::optional<account_row>> link_account(const std::string& token_sha256, std::int64_t now_ms) override;
  result<account_row> redeem_link(const std::string& token_sha256, const std::string& password_hash,
                                  std::int64_t now_ms) override;

  status add_session(const std::string& id_sha256, const std::string& account_id, std::int64_t now_ms) override;
  result<std::optional<account_row>> session_account(const std::string& id_sha256, std::int64_t now_ms) override;
  status end_session(const std::string& id_sha256) override;
  status end_sessions_of(const std::string& account_id) override;

  result<std::optional<std::string>> setting(const std::string& name) override;
  status set_setting(const std::string& name, const std::string& value) override;

private:
  sqlite_account_store(sqlite3* db, std::filesystem::path file);
  status run(const char* doing, const std::function<status()>& body);
  result<std::optional<account_row>> find_one(const char* sql, const std::string& value);

  sqlite3* db_;
  std::filesystem::path file_;
  std::mutex mutex_;
};

}  // namespace dyad::store
