#include "core/accounts.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dyad::core {
namespace {

constexpr std::int64_t second = 1000;
constexpr std::int64_t minute = 60 * second;

TEST(Accounts, EmailIsTrimmedLowerCasedAndMustLookLikeAnAddress) {
  EXPECT_EQ(*normalize_email("  Ana.Silva@Example.ORG "), "ana.silva@example.org");
  for (const char* bad : {"", "ana", "@example.org", "ana@", "ana@example", "ana@@example.org", "ana silva@example.org",
                          "ana@example.org."}) {
    const auto r = normalize_email(bad);
    ASSERT_FALSE(r) << bad << " was taken as an address";
    EXPECT_EQ(r.err().code, errc::invalid_argument);
    EXPECT_NE(r.err().message.find("name@example.org"), std::string::npos) << r.err().message;
  }
  EXPECT_FALSE(normalize_email(std::string(250, 'a') + "@example.org")) << "longer than 254 characters";
}

TEST(Accounts, PasswordRulesSayWhatToDo) {
  EXPECT_TRUE(check_new_password("correct horse battery", "ana@example.org"));
  EXPECT_TRUE(check_new_password("éèêëàâäôöû", "ana@example.org")) << "ten letters, twenty bytes: long enough";
  const auto short_one = check_new_password("nine char", "ana@example.org");
  ASSERT_FALSE(short_one);
  EXPECT_NE(short_one.err().message.find("at least 10 characters"), std::string::npos) << short_one.err().message;
  EXPECT_FALSE(check_new_password("ANA@example.org", "ana@example.org")) << "the e-mail address as the password";
  EXPECT_FALSE(check_new_password(std::string(12, 'x'), "ana@example.org")) << "one character repeated";
  EXPECT_FALSE(check_new_password(std::string(max_password_chars + 1, 'y') + "z", "ana@example.org"));
}

TEST(Accounts, RolesAreTwoWords) {
  EXPECT_EQ(role_from_word("organiser"), account_role::organiser);
  EXPECT_EQ(role_from_word("facilitator"), account_role::facilitator);
  EXPECT_FALSE(role_from_word("admin").has_value());
  EXPECT_EQ(word_of(account_role::organiser), "organiser");
}

TEST(Accounts, ASessionEndsWhenIdleAndInAnyCaseAfterItsLongestLife) {
  const std::int64_t start = 1'700'000'000'000;
  EXPECT_TRUE(session_alive(start, start, start + session_idle_ms - 1));
  EXPECT_FALSE(session_alive(start, start, start + session_idle_ms)) << "idle for the whole idle period";
  // Used every hour: alive until its longest life, however busy.
  EXPECT_TRUE(session_alive(start, start + session_max_ms - 60 * minute, start + session_max_ms - 1));
  EXPECT_FALSE(session_alive(start, start + session_max_ms - 60 * minute, start + session_max_ms));
}

TEST(Accounts, WrongPasswordsAreSlowedThenRefusedFromThereAndARightOneClearsTheCount) {
  sign_in_throttle t;
  std::int64_t now = 1'000'000;
  const std::string ana = "ana@example.org", address = "192.0.2.7", elsewhere = "198.51.100.1";
  for (unsigned i = 0; i < sign_in_throttle::free_failures; ++i) {
    ASSERT_TRUE(t.may_try(ana, address, now)) << "attempt " << i + 1 << " was held back";
    t.failed(ana, address, now);
  }
  // Slowed, from anywhere: each next attempt waits twice as long as the one before.
  std::int64_t wait = second;
  for (unsigned i = sign_in_throttle::free_failures; i < sign_in_throttle::lock_failures; ++i) {
    const auto held = t.may_try(ana, elsewhere, now + wait - 1);
    ASSERT_FALSE(held) << "attempt " << i + 1 << " was not slowed";
    EXPECT_EQ(held.err().code, errc::wrong_state);
    EXPECT_NE(held.err().message.find("wait"), std::string::npos) << held.err().message;
    now += wait;
    ASSERT_TRUE(t.may_try(ana, address, now)) << "attempt " << i + 1 << " after its wait";
    t.failed(ana, address, now);
    wait *= 2;
  }
  // Refused from that address for a quarter of an hour, the right password included.
  const auto locked = t.may_try(ana, address, now + 14 * minute);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.err().code, errc::forbidden);
  EXPECT_NE(locked.err().message.find("from here"), std::string::npos) << locked.err().message;
  // Its owner, elsewhere, is only slowed (never more than a minute): no one can lock them out.
  EXPECT_TRUE(t.may_try(ana, elsewhere, now + sign_in_throttle::max_wait_ms)) << "the owner was locked out";
  EXPECT_TRUE(t.may_try("ben@example.org", elsewhere, now)) << "another account from elsewhere is untouched";
  EXPECT_TRUE(t.may_try(ana, address, now + sign_in_throttle::lock_ms)) << "the lock runs out";
  t.succeeded(ana, address);
  EXPECT_TRUE(t.may_try(ana, address, now + sign_in_throttle::lock_ms));
  t.failed(ana, address, now + sign_in_throttle::lock_ms);
  EXPECT_TRUE(t.may_try(ana, address, now + sign_in_throttle::lock_ms)) << "a success cleared the count";
}

TEST(Accounts, TheWaitStopsGrowingAtAMinute) {
  sign_in_throttle t;
  std::int64_t now = 0;
  for (int i = 0; i < 40; ++i) {
    // Forty wrong passwords from forty places, each after its wait.
    const auto from = "203.0.113." + std::to_string(i);
    while (!t.may_try("ana@example.org", from, now)) now += second;
    t.failed("ana@example.org", from, now);
  }
  EXPECT_FALSE(t.may_try("ana@example.org", "192.0.2.1", now + sign_in_throttle::max_wait_ms - 1));
  EXPECT_TRUE(t.may_try("ana@example.org", "192.0.2.1", now + sign_in_throttle::max_wait_ms));
}

TEST(Accounts, OneAddressTryingManyAccountsIsRefused) {
  sign_in_throttle t;
  const std::int64_t now = 5'000'000;
  const std::string address = "203.0.113.9";
  for (unsigned i = 0; i < sign_in_throttle::address_failures; ++i) {
    const auto who = "person" + std::to_string(i) + "@example.org";
    ASSERT_TRUE(t.may_try(who, address, now + i));
    t.failed(who, address, now + i);
  }
  const auto refused = t.may_try("someone-new@example.org", address, now + 100);
  ASSERT_FALSE(refused) << "thirty wrong passwords for thirty accounts from one address went on unchecked";
  EXPECT_EQ(refused.err().code, errc::forbidden);
  EXPECT_NE(refused.err().message.find("your network"), std::string::npos) << refused.err().message;
  EXPECT_TRUE(t.may_try("someone-new@example.org", "198.51.100.2", now + 100)) << "other addresses go on";
  EXPECT_TRUE(t.may_try("someone-new@example.org", address, now + 100 + sign_in_throttle::window_ms));
}

}  // namespace
}  // namespace dyad::core
