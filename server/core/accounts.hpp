#pragma once

// The rules of the people who sign in to Dyad: who they are (organisers and facilitators), what
// makes an e-mail address and a password acceptable, how long a session and a one-time link
// last, and how sign-in attempts are slowed and then refused. Pure: the clock is a parameter.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace dyad::core {

/// What someone who signs in may do. The numbers are stored.
enum class account_role : int {
  /// Every workshop on this Dyad: runs, plans, people, reports.
  organiser = 1,
  /// The runs they lead or were given.
  facilitator = 2,
};

/// "organiser" or "facilitator"; nothing for any other word.
std::optional<account_role> role_from_word(std::string_view word);
std::string_view word_of(account_role role);

/// The address as it is kept and compared: trimmed and in lower case. Refused (invalid_argument,
/// in words) when it is empty, longer than 254 characters, or not shaped like name@domain.tld.
result<std::string> normalize_email(std::string_view email);

/// Refused (invalid_argument, in words a person can act on) when the password is shorter than
/// `min_password_chars` characters, longer than `max_password_chars` bytes, the e-mail address
/// itself, or one character repeated.
status check_new_password(std::string_view password, std::string_view email);
inline constexpr std::size_t min_password_chars = 10;
inline constexpr std::size_t max_password_chars = 1024;

/// A session ends after this long without a request, and in any case this long after sign-in.
inline constexpr std::int64_t session_idle_ms = 12LL * 60 * 60 * 1000;
inline constexpr std::int64_t session_max_ms = 30LL * 24 * 60 * 60 * 1000;
/// A session's last request is written down at most this often (a write per request would be
/// a disk sync per page load).
inline constexpr std::int64_t session_touch_ms = 60LL * 1000;
/// Whether a session created at `created_ms`, last used at `last_seen_ms`, still holds at `now_ms`.
bool session_alive(std::int64_t created_ms, std::int64_t last_seen_ms, std::int64_t now_ms);

/// A one-time link (set a password, or a new one) works once, for this long.
inline constexpr std::int64_t link_lifetime_ms = 24LL * 60 * 60 * 1000;

/// Sign-in attempts, counted per account, per account and address, and per address.
/// - An account: after `free_failures` wrong passwords in a row, each next attempt waits twice as
///   long as the last (1 s, 2 s, 4 s …, at most `max_wait_ms`), from anywhere. It is slowed, never
///   locked, so no one can keep its owner out by guessing wrong on purpose.
/// - An account from one address: after `lock_failures` wrong passwords it refuses that address
///   every attempt for `lock_ms` from the last failure.
/// - An address: refuses after `address_failures` failures (any accounts) within `window_ms`.
/// A correct password clears the account's count and its address's. Not thread-safe: one per
/// server, used from one thread. Addresses are as rate_key gives them (an IPv6 /64 as one).
class sign_in_throttle {
public:
  static constexpr unsigned free_failures = 4;
  static constexpr std::int64_t max_wait_ms = 60LL * 1000;
  static constexpr unsigned lock_failures = 10;
  static constexpr std::int64_t lock_ms = 15LL * 60 * 1000;
  static constexpr unsigned address_failures = 30;
  static constexpr std::int64_t window_ms = 15LL * 60 * 1000;

  /// Nothing when an attempt may go ahead now; otherwise the sentence saying when to try again
  /// (errc::forbidden for a locked account or address, errc::wrong_state for "wait a moment").
  status may_try(const std::string& account_key, const std::string& address, std::int64_t now_ms);
  void failed(const std::string& account_key, const std::string& address, std::int64_t now_ms);
  void succeeded(const std::string& account_key, const std::string& address);

private:
  struct count {
    unsigned failures = 0;
    std::int64_t last_ms = 0;
  };
  void forget_old(std::int64_t now_ms);
  static std::string pair_key(const std::string& account_key, const std::string& address) {
    return account_key + '\n' + address;
  }

  std::unordered_map<std::string, count> accounts_;
  std::unordered_map<std::string, count> pairs_;
  std::unordered_map<std::string, count> addresses_;
  std::int64_t swept_ms_ = 0;
};

}  // namespace dyad::core
