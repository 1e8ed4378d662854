#pragma once

// Who may sign in, their sessions and one-time links, and the server's own settings. Secrets are
// never stored: session ids, one-time links and the admin token only as SHA-256 hashes (each is
// 256 random bits, so a fast hash is enough), passwords only as Argon2id strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/accounts.hpp"
#include "core/result.hpp"

namespace dyad::store {

using core::result;
using core::status;

/// The setting holding the admin token's SHA-256.
inline constexpr std::string_view admin_token_setting = "admin_token_sha256";
/// The setting holding the address the server last served at (for links printed by commands).
inline constexpr std::string_view public_base_setting = "public_base";

struct account_row {
  std::string id;
  std::string email;
  core::account_role role = core::account_role::facilitator;
  /// Empty until the person sets a password through their one-time link.
  std::string password_hash;
  std::int64_t created_ms = 0;
};

/// Storage-neutral like event_log. Every call is one transaction; errc::unavailable when the
/// storage fails, with a sentence saying what to do. Implementations serialise their calls.
class account_store {
public:
  virtual ~account_store() = default;
  account_store() = default;
  account_store(const account_store&) = delete;
  account_store& operator=(const account_store&) = delete;

  /// A new account without a password. errc::invalid_argument when the e-mail is taken.
  virtual result<account_row> add_account(const std::string& email, core::account_role role, std::int64_t now_ms) = 0;
  virtual result<std::optional<account_row>> find_by_email(const std::string& email) = 0;
  virtual result<std::optional<account_row>> find_by_id(const std::string& id) = 0;
  /// Every account, by e-mail.
  virtual result<std::vector<account_row>> accounts() = 0;
  /// errc::not_found for an unknown id.
  virtual status set_role(const std::string& id, core::account_role role) = 0;
  /// Removes the account with its sessions and links (they stop working at once).
  virtual status remove_account(const std::string& id) = 0;

  /// A one-time link for `account_id`, replacing any earlier one of that account.
  virtual status add_link(const std::string& token_sha256, const std::string& account_id, std::int64_t expires_ms) = 0;
  /// The account a link belongs to, if it exists and has not expired; nothing otherwise.
  virtual result<std::optional<account_row>> link_account(const std::string& token_sha256, std::int64_t now_ms) = 0;
  /// Uses the link: sets the account's password hash, deletes the link, and ends the account's
  /// sessions, all at once. errc::not_found when the link is unknown, used or expired.
  virtual result<account_row> redeem_link(const std::string& token_sha256, const std::string& password_hash,
                                          std::int64_t now_ms) = 0;

  virtual status add_session(const std::string& id_sha256, const std::string& account_id, std::int64_t now_ms) = 0;
  /// The session's account while the session holds (core::session_alive); its last use is
  /// written down at most every core::session_touch_ms. A session that has run out is deleted.
  virtual result<std::optional<account_row>> session_account(const std::string& id_sha256, std::int64_t now_ms) = 0;
  virtual status end_session(const std::string& id_sha256) = 0;
  virtual status end_sessions_of(const std::string& account_id) = 0;

  virtual result<std::optional<std::string>> setting(const std::string& name) = 0;
  virtual status set_setting(const std::string& name, const std::string& value) = 0;
};

}  // namespace dyad::store
