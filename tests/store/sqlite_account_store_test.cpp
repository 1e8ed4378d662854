#include "store/sqlite_account_store.hpp"
#include "store/sqlite_library_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "store/sqlite_event_log.hpp"

namespace dyad::store {
namespace {

namespace fs = std::filesystem;
constexpr std::int64_t t0 = 1'700'000'000'000;

class SqliteAccountStore : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dyad-accounts-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
    file_ = dir_ / "dyad.sqlite";
    auto log = sqlite_event_log::open(file_);  // sets up the schema, as the server does first
    ASSERT_TRUE(log) << log.err().message;
    log_ = std::move(*log);
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<sqlite_account_store> open() {
    auto s = sqlite_account_store::open(file_);
    EXPECT_TRUE(s) << s.err().message;
    return s ? std::move(*s) : nullptr;
  }
  /// Every byte of the store: the file and its write-ahead log.
  std::string bytes() const {
    std::string all;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      all += s.str();
    }
    return all;
  }

  fs::path dir_, file_;
  std::unique_ptr<sqlite_event_log> log_;
  std::unique_ptr<sqlite_account_store> store_;
};

TEST_F(SqliteAccountStore, AccountsAreKeptByEmailAndATakenEmailIsRefused) {
  auto ana = store_->add_account("ana@example.org", core::account_role::organiser, t0);
  ASSERT_TRUE(ana) << ana.err().message;
  EXPECT_TRUE(ana->password_hash.empty());
  auto twice = store_->add_account("ana@example.org", core::account_role::facilitator, t0);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.err().code, core::errc::invalid_argument);
  EXPECT_NE(twice.err().message.find("already an account"), std::string::npos) << twice.err().message;
  ASSERT_TRUE(store_->add_account("ben@example.org", core::account_role::facilitator, t0));
  store_.reset();
  store_ = open();  // what a restart finds
  auto found = store_->find_by_email("ana@example.org");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, ana->id);
  EXPECT_EQ((*found)->role, core::account_role::organiser);
  auto all = store_->accounts();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[1].email, "ben@example.org");
  ASSERT_TRUE(store_->set_role(ana->id, core::account_role::facilitator));
  EXPECT_EQ((*store_->find_by_id(ana->id))->role, core::account_role::facilitator);
  EXPECT_EQ(store_->set_role("u-nobody", core::account_role::organiser).err().code, core::errc::not_found);
}

TEST_F(SqliteAccountStore, AOneTimeLinkWorksOnceBeforeItExpiresAndEndsTheSessions) {
  auto ana = store_->add_account("ana@example.org", core::account_role::organiser, t0);
  ASSERT_TRUE(ana);
  ASSERT_TRUE(store_->add_link("old-link-hash", ana->id, t0 + 1000));
  ASSERT_TRUE(store_->add_link("link-hash", ana->id, t0 + 1000));
  EXPECT_FALSE(*store_->link_account("old-link-hash", t0)) << "a newer link replaces the older";
  EXPECT_TRUE(*store_->link_account("link-hash", t0 + 999));
  EXPECT_FALSE(*store_->link_account("link-hash", t0 + 1000)) << "expired";
  ASSERT_TRUE(store_->add_session("session-hash", ana->id, t0));
  auto redeemed = store_->redeem_link("link-hash", "$argon2id$stand-in", t0 + 10);
  ASSERT_TRUE(redeemed) << redeemed.err().message;
  EXPECT_EQ(redeemed->password_hash, "$argon2id$stand-in");
  EXPECT_EQ((*store_->find_by_id(ana->id))->password_hash, "$argon2id$stand-in");
  EXPECT_FALSE(*store_->session_account("session-hash", t0 + 20)) << "a new password ends the old sessions";
  auto again = store_->redeem_link("link-hash", "$argon2id$other", t0 + 30);
  ASSERT_FALSE(again) << "a one-time link worked twice";
  EXPECT_EQ(again.err().code, core::errc::not_found);
  EXPECT_EQ((*store_->find_by_id(ana->id))->password_hash, "$argon2id$stand-in") << "a refused use changed the password";
  ASSERT_TRUE(store_->add_link("late-hash", ana->id, t0 + 1000));
  EXPECT_FALSE(store_->redeem_link("late-hash", "$argon2id$late", t0 + 1000)) << "an expired link was used";
}

TEST_F(SqliteAccountStore, SessionsEndWhenIdleAndWithTheirAccount) {
  auto ana = store_->add_account("ana@example.org", core::account_role::organiser, t0);
  ASSERT_TRUE(ana);
  ASSERT_TRUE(store_->add_session("s1", ana->id, t0));
  ASSERT_TRUE(store_->add_session("s2", ana->id, t0));
  // Used now and then, it holds past the idle period counted from its start.
  EXPECT_TRUE(*store_->session_account("s1", t0 + core::session_idle_ms - 1));
  EXPECT_TRUE(*store_->session_account("s1", t0 + core::session_idle_ms + 1000)) << "its last use was recorded";
  EXPECT_FALSE(*store_->session_account("s2", t0 + core::session_idle_ms + 1000)) << "idle too long";
  EXPECT_FALSE(*store_->session_account("s2", t0)) << "an ended session came back";
  ASSERT_TRUE(store_->end_session("s1"));
  EXPECT_FALSE(*store_->session_account("s1", t0 + core::session_idle_ms + 2000));
  ASSERT_TRUE(store_->add_session("s3", ana->id, t0));
  ASSERT_TRUE(store_->add_link("l3", ana->id, t0 + 1000));
  ASSERT_TRUE(store_->remove_account(ana->id));
  EXPECT_FALSE(*store_->session_account("s3", t0 + 1)) << "a removed person stays signed in";
  EXPECT_FALSE(*store_->link_account("l3", t0 + 1)) << "a removed person's link still works";
  EXPECT_EQ(store_->remove_account(ana->id).err().code, core::errc::not_found);
}

TEST_F(SqliteAccountStore, SettingsAreKeptAndRemovedRowsLeaveNoBytes) {
  ASSERT_TRUE(store_->set_setting("admin_token_sha256", "first-hash-bytes"));
  ASSERT_TRUE(store_->set_setting("admin_token_sha256", "second-hash-bytes"));
  EXPECT_EQ(**store_->setting("admin_token_sha256"), "second-hash-bytes");
  EXPECT_FALSE(*store_->setting("nothing"));
  auto ana = store_->add_account("ana@example.org", core::account_role::organiser, t0);
  ASSERT_TRUE(ana);
  ASSERT_TRUE(store_->add_session("session-hash-that-goes-away", ana->id, t0));
  ASSERT_TRUE(store_->end_session("session-hash-that-goes-away"));
  store_.reset();
  log_.reset();  // the WAL checkpointed and closed, as at a stop
  const auto all = bytes();
  EXPECT_EQ(all.find("session-hash-that-goes-away"), std::string::npos) << "an ended session's hash is left in the file";
  EXPECT_EQ(all.find("first-hash-bytes"), std::string::npos) << "a replaced setting is left in the file";
}

TEST_F(SqliteAccountStore, AnOlderFileGainsTheAccountsAndKeepsItsWorkshops) {
  store_.reset();
  log_.reset();
  // A version 1 file: the accounts' tables are not there yet.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE run_access; DROP TABLE runs; DROP TABLE plan_drafts; DROP TABLE plan_versions; "
                         "DROP TABLE plans; DROP TABLE accounts; DROP TABLE sessions; DROP TABLE one_time_links; "
                         "DROP TABLE settings; DROP TABLE feedback_held_responses; DROP TABLE feedback_held_submitters; "
                         "DELETE FROM schema_version WHERE version >= 2;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto too_early = sqlite_account_store::open(file_);
  ASSERT_FALSE(too_early) << "accounts opened on a file without their tables";
  EXPECT_NE(too_early.err().message.find("open it with dyad-server"), std::string::npos) << too_early.err().message;
  auto log = sqlite_event_log::open(file_);
  ASSERT_TRUE(log) << log.err().message;
  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_TRUE(store_->add_account("ana@example.org", core::account_role::organiser, t0));
  // And the workspace's tables (schema 3) came with them.
  auto library = sqlite_library_store::open(file_);
  ASSERT_TRUE(library) << library.err().message;
  EXPECT_TRUE((*library)->add_plan("A plan", false, t0));
}

}  // namespace
}  // namespace dyad::store
