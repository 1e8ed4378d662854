#include "core/accounts.hpp"

#include <algorithm>
#include <cctype>

namespace dyad::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Characters, not bytes: a password of accented letters is as long as it looks.
std::size_t utf8_chars(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

std::string in_seconds(std::int64_t ms) {
  const auto seconds = (ms + 999) / 1000;
  if (seconds < 120) return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
  return std::to_string((seconds + 59) / 60) + " minutes";
}

}  // namespace

std::optional<account_role> role_from_word(std::string_view word) {
  if (word == "organiser") return account_role::organiser;
  if (word == "facilitator") return account_role::facilitator;
  return std::nullopt;
}

std::string_view word_of(account_role role) {
  return role == account_role::organiser ? "organiser" : "facilitator";
}

result<std::string> normalize_email(std::string_view email) {
  const auto t = trim(email);
  std::string out(t);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = out.find('@');
  const bool shaped = !out.empty() && out.size() <= 254 && at != std::string::npos && at > 0 &&
                      out.find('@', at + 1) == std::string::npos && out.find('.', at + 2) != std::string::npos &&
                      out.back() != '.' &&
                      std::none_of(out.begin(), out.end(), [](unsigned char c) { return std::isspace(c) || c < 0x20; });
  if (!shaped)
    return make_error(errc::invalid_argument,
                      "'" + std::string(t.substr(0, 80)) + "' is not an e-mail address; write it as name@example.org.");
  return out;
}

status check_new_password(std::string_view password, std::string_view email) {
  if (password.size() > max_password_chars)
    return make_error(errc::invalid_argument, "That password is longer than " + std::to_string(max_password_chars) +
                                                  " characters; choose a shorter one.");
  if (utf8_chars(password) < min_password_chars)
    return make_error(errc::invalid_argument, "Choose a password of at least " + std::to_string(min_password_chars) +
                                                  " characters; a few words you will remember work well.");
  std::string lowered(password);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!email.empty() && lowered == email)
    return make_error(errc::invalid_argument, "Your password cannot be your e-mail address; choose another.");
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password.front(); }))
    return make_error(errc::invalid_argument, "A password of one character repeated is guessed at once; choose another.");
  return ok();
}

bool session_alive(std::int64_t created_ms, std::int64_t last_seen_ms, std::int64_t now_ms) {
  return now_ms - last_seen_ms < session_idle_ms && now_ms - created_ms < session_max_ms;
}

status sign_in_throttle::may_try(const std::string& account_key, const std::string& address, std::int64_t now_ms) {
  forget_old(now_ms);
  if (const auto it = addresses_.find(address); it != addresses_.end() && it->second.failures >= address_failures)
    return make_error(errc::forbidden, "Too many wrong passwords from your network; try again in " +
                                           in_seconds(it->second.last_ms + window_ms - now_ms) + ".");
  if (const auto it = pairs_.find(pair_key(account_key, address));
      it != pairs_.end() && it->second.failures >= lock_failures) {
    if (const auto left = it->second.last_ms + lock_ms - now_ms; left > 0)
      return make_error(errc::forbidden, "Too many wrong passwords for this account from here; try again in " +
                                             in_seconds(left) + ", or ask an organiser for a link to set a new password.");
  }
  const auto it = accounts_.find(account_key);
  if (it == accounts_.end() || it->second.failures < free_failures) return ok();
  const auto doublings = std::min(it->second.failures - free_failures, 16U);
  const std::int64_t wait = std::min(max_wait_ms, std::int64_t{1000} << doublings);
  if (const auto left = it->second.last_ms + wait - now_ms; left > 0)
    return make_error(errc::wrong_state, "Wrong passwords were tried for this account; wait " + in_seconds(left) +
                                             " before trying again.");
  return ok();
}

void sign_in_throttle::failed(const std::string& account_key, const std::string& address, std::int64_t now_ms) {
  auto& a = accounts_[account_key];
  ++a.failures;
  a.last_ms = now_ms;
  auto& p = pairs_[pair_key(account_key, address)];
  if (p.failures >= lock_failures && now_ms - p.last_ms >= lock_ms) p.failures = 0;  // the lock has run out
  ++p.failures;
  p.last_ms = now_ms;
  auto& b = addresses_[address];
  if (now_ms - b.last_ms >= window_ms) b.failures = 0;
  ++b.failures;
  b.last_ms = now_ms;
}

void sign_in_throttle::succeeded(const std::string& account_key, const std::string& address) {
  accounts_.erase(account_key);
  pairs_.erase(pair_key(account_key, address));
}

void sign_in_throttle::forget_old(std::int64_t now_ms) {
  // Counts older than a lock or a window say nothing any more; dropping them bounds the memory
  // an attacker trying many made-up accounts can fill.
  if (now_ms - swept_ms_ < window_ms) return;
  swept_ms_ = now_ms;
  std::erase_if(accounts_, [&](const auto& e) { return now_ms - e.second.last_ms >= lock_ms; });
  std::erase_if(pairs_, [&](const auto& e) { return now_ms - e.second.last_ms >= lock_ms; });
  std::erase_if(addresses_, [&](const auto& e) { return now_ms - e.second.last_ms >= window_ms; });
}

}  // namespace dyad::core
