#include "store/sqlite_event_log.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/workshop.hpp"

namespace dyad::store {
namespace {

namespace fs = std::filesystem;
namespace v1 = dyad::v1;

// ---------------------------------------------------------------------------------------------
// Events

v1::WorkshopEvent created(const std::string& code) {
  v1::WorkshopEvent e;
  auto* c = e.mutable_created();
  c->set_code(code);
  c->mutable_plan()->set_title("Practice day");
  c->set_seed(7);
  c->set_at_ms(1'700'000'000'000);
  return e;
}

v1::WorkshopEvent joined(const std::string& id, const std::string& name) {
  v1::WorkshopEvent e;
  auto* j = e.mutable_joined();
  j->set_participant_id(id);
  j->set_display_name(name);
  j->set_at_ms(1'700'000'060'000);
  return e;
}

v1::WorkshopEvent presence(const std::string& id, v1::Presence p) {
  v1::WorkshopEvent e;
  auto* c = e.mutable_presence();
  c->set_participant_id(id);
  c->set_presence(p);
  c->set_at_ms(1'700'000'120'000);
  return e;
}

v1::WorkshopEvent launched(std::uint32_t round, const std::string& a, const std::string& b) {
  v1::WorkshopEvent e;
  auto* r = e.mutable_round_launched();
  r->set_round(round);
  r->set_exercise_id("listening");
  auto* g = r->add_groups();
  g->set_room("Room 1");
  auto* m1 = g->add_members();
  m1->set_participant_id(a);
  m1->set_role("therapist");
  auto* m2 = g->add_members();
  m2->set_participant_id(b);
  m2->set_role("client");
  r->set_at_ms(1'700'000'180'000);
  return e;
}

v1::WorkshopEvent clock_extended(std::uint32_t round) {
  v1::WorkshopEvent e;
  auto* c = e.mutable_clock();
  c->set_round(round);
  c->set_action(v1::CLOCK_ACTION_EXTEND);
  c->set_by_ms(120'000);
  c->set_at_ms(1'700'000'240'000);
  return e;
}

v1::WorkshopEvent round_ended(std::uint32_t round) {
  v1::WorkshopEvent e;
  e.mutable_round_ended()->set_round(round);
  e.mutable_round_ended()->set_at_ms(1'700'000'900'000);
  return e;
}

v1::WorkshopEvent lifecycle(v1::Lifecycle l) {
  v1::WorkshopEvent e;
  e.mutable_lifecycle()->set_lifecycle(l);
  e.mutable_lifecycle()->set_at_ms(1'700'001'000'000);
  return e;
}

v1::FeedbackResponse response(const std::string& comment) {
  v1::FeedbackResponse r;
  auto* a = r.add_answers();
  a->set_question_id("overall");
  a->set_option_id("excellent");
  auto* t = r.add_answers();
  t->set_question_id("comments");
  t->set_text(comment);
  return r;
}

v1::WorkshopEvent feedback(const std::string& participant, const std::string& submission, const std::string& comment) {
  v1::WorkshopEvent e;
  auto* f = e.mutable_feedback_submitted();
  f->set_participant_id(participant);
  f->set_submission_id(submission);
  *f->mutable_response() = response(comment);
  return e;
}

// One line per event, so a failed comparison shows what differs.
std::vector<std::string> lines(const std::vector<v1::WorkshopEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.ShortDebugString());
  return out;
}

// The free-text comments of the response-only restore events, in loaded order.
std::vector<std::string> loaded_comments(const std::vector<v1::WorkshopEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (!e.has_feedback_submitted() || !e.feedback_submitted().has_response()) continue;
    for (const auto& a : e.feedback_submitted().response().answers())
      if (a.has_text()) out.push_back(a.text());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The raw file, read the way someone with a copy of it would.

class raw_db {
public:
  explicit raw_db(const fs::path& file) {
    const int rc = sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(db_);
  }
  ~raw_db() { sqlite3_close_v2(db_); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;

  // Every row, every column as bytes (integers as decimal text). Empty on error, with a failure.
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return out;
    }
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const void* p = sqlite3_column_blob(s, c);
        const int n = sqlite3_column_bytes(s, c);
        row.emplace_back(p == nullptr ? "" : std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)));
      }
      out.push_back(std::move(row));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    return out;
  }

  std::string one(const std::string& sql) {
    auto r = rows(sql);
    return r.empty() || r[0].empty() ? std::string() : r[0][0];
  }

  // Whether `sql` compiles against this file's schema.
  bool compiles(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
    sqlite3_finalize(s);
    return rc == SQLITE_OK;
  }

  void exec(const std::string& sql) {
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_);
  }

  std::set<std::string> columns(const std::string& table) {
    std::set<std::string> out;
    for (const auto& r : rows("SELECT name FROM pragma_table_info('" + table + "')")) out.insert(r[0]);
    return out;
  }

private:
  sqlite3* db_ = nullptr;
};

// The whole file, or nothing when it does not exist.
std::string read_bytes(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return {};
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::ifstream in(file, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  return bytes;
}

// ---------------------------------------------------------------------------------------------

class SqliteEventLog : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dyad-store-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
    // A folder that does not exist yet: open must create it.
    file_ = dir_ / "data" / "events.sqlite";
  }

  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<sqlite_event_log> open_log() {
    auto opened = sqlite_event_log::open(file_);
    EXPECT_TRUE(opened.ok()) << opened.err().message;
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  static std::vector<v1::WorkshopEvent> load(event_log& log, const std::string& code) {
    auto loaded = log.load(code);
    EXPECT_TRUE(loaded.ok()) << loaded.err().message;
    return loaded.ok() ? std::move(*loaded) : std::vector<v1::WorkshopEvent>{};
  }

  static std::uint64_t append(event_log& log, const std::string& code, const std::vector<v1::WorkshopEvent>& events) {
    auto seq = log.append(code, events);
    EXPECT_TRUE(seq.ok()) << seq.err().message;
    return seq.ok() ? *seq : 0;
  }

  fs::path dir_;
  fs::path file_;
};

TEST_F(SqliteEventLog, AppendThenLoadKeepsEveryKindInOrder) {
  auto log = open_log();
  ASSERT_TRUE(log);
  const std::vector<v1::WorkshopEvent> day = {
      created("CALM-42"),
      joined("p1", "Ann"),
      joined("p2", "Ben"),
      lifecycle(v1::LIFECYCLE_ROUNDS),
      launched(1, "p1", "p2"),
      clock_extended(1),
      presence("p2", v1::PRESENCE_AWAY),
      round_ended(1),
      lifecycle(v1::LIFECYCLE_FEEDBACK),
  };
  append(*log, "CALM-42", {day.begin(), day.begin() + 3});
  append(*log, "CALM-42", {day.begin() + 3, day.end()});
  EXPECT_EQ(lines(load(*log, "CALM-42")), lines(day));
}

TEST_F(SqliteEventLog, SequenceNumbersGrowByOnePerEventAndFeedbackTakesNone) {
  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(append(*log, "CALM-42", {created("CALM-42")}), 1U);
  EXPECT_EQ(append(*log, "CALM-42", {joined("p1", "Ann"), joined("p2", "Ben")}), 3U);
  EXPECT_EQ(append(*log, "CALM-42", {lifecycle(v1::LIFECYCLE_FEEDBACK)}), 4U);
  // A number would place the submission among the other events, so feedback has none.
  EXPECT_EQ(append(*log, "CALM-42", {feedback("p1", "s1", "Useful")}), 4U);
  EXPECT_EQ(append(*log, "CALM-42", {}), 4U) << "an empty batch reports where the log stands";
  EXPECT_EQ(append(*log, "CALM-42", {lifecycle(v1::LIFECYCLE_CLOSED)}), 5U);
  EXPECT_EQ(append(*log, "OTHER-1", {}), 0U) << "an empty batch creates no workshop";
  auto codes = log->workshop_codes(false);
  ASSERT_TRUE(codes.ok()) << codes.err().message;
  EXPECT_EQ(*codes, std::vector<std::string>{"CALM-42"});
}

TEST_F(SqliteEventLog, EventsSurviveCloseAndReopen) {
  const std::vector<v1::WorkshopEvent> events = {created("CALM-42"), joined("p1", "Ann"),
                                                 lifecycle(v1::LIFECYCLE_FEEDBACK)};
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    append(*log, "CALM-42", events);
    append(*log, "CALM-42", {feedback("p1", "s1", "Useful")});
  }
  auto log = open_log();
  ASSERT_TRUE(log);
  auto expected = events;
  v1::WorkshopEvent who;
  who.mutable_feedback_submitted()->set_participant_id("p1");
  who.mutable_feedback_submitted()->set_submission_id("s1");
  v1::WorkshopEvent what;
  *what.mutable_feedback_submitted()->mutable_response() = response("Useful");
  expected.push_back(who);
  expected.push_back(what);
  auto loaded = load(*log, "CALM-42");
  ASSERT_EQ(loaded.size(), expected.size());
  EXPECT_NE(loaded.back().feedback_submitted().response_key(), 0U) << "the response comes back under its key";
  loaded.back().mutable_feedback_submitted()->clear_response_key();
  EXPECT_EQ(lines(loaded), lines(expected));
  EXPECT_EQ(append(*log, "CALM-42", {joined("p2", "Ben")}), 4U) << "numbering carries on after a reopen";
}

TEST_F(SqliteEventLog, WorkshopsAreKeptApart) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), joined("p1", "Ann")});
  append(*log, "BOLD-7", {created("BOLD-7")});
  append(*log, "CALM-42", {joined("p2", "Ben")});
  append(*log, "BOLD-7", {joined("p1", "Cas"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  // The same participant id in two workshops is two people: each may give feedback once.
  append(*log, "BOLD-7", {feedback("p1", "s1", "Bold")});
  append(*log, "CALM-42", {lifecycle(v1::LIFECYCLE_FEEDBACK), feedback("p1", "s1", "Calm")});

  const auto calm = load(*log, "CALM-42");
  const auto bold = load(*log, "BOLD-7");
  ASSERT_EQ(calm.size(), 6U) << ::testing::PrintToString(lines(calm));
  ASSERT_EQ(bold.size(), 5U) << ::testing::PrintToString(lines(bold));
  EXPECT_EQ(calm[2].joined().display_name(), "Ben");
  EXPECT_EQ(bold[1].joined().display_name(), "Cas");
  EXPECT_EQ(loaded_comments(calm), std::vector<std::string>{"Calm"});
  EXPECT_EQ(loaded_comments(bold), std::vector<std::string>{"Bold"});
  EXPECT_TRUE(load(*log, "NONE-0").empty()) << "an unknown workshop has an empty log";
  auto codes = log->workshop_codes(false);
  ASSERT_TRUE(codes.ok()) << codes.err().message;
  EXPECT_EQ(*codes, (std::vector<std::string>{"BOLD-7", "CALM-42"}));
}

TEST_F(SqliteEventLog, OpenOnlyListingLeavesOutClosedWorkshops) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "AAA-1", {created("AAA-1")});
  append(*log, "BBB-2", {created("BBB-2"), lifecycle(v1::LIFECYCLE_FEEDBACK), lifecycle(v1::LIFECYCLE_CLOSED)});
  append(*log, "CCC-3", {created("CCC-3"), lifecycle(v1::LIFECYCLE_ROUNDS)});
  append(*log, "CCC-3", {lifecycle(v1::LIFECYCLE_CLOSED)});
  // The latest lifecycle decides: closed and then (say, by a facilitator's undo) reopened is open.
  append(*log, "DDD-4", {created("DDD-4"), lifecycle(v1::LIFECYCLE_CLOSED), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  // Events after the close that are not lifecycle changes leave it closed.
  append(*log, "BBB-2", {presence("p1", v1::PRESENCE_LEFT)});

  auto open = log->workshop_codes(true);
  ASSERT_TRUE(open.ok()) << open.err().message;
  EXPECT_EQ(*open, (std::vector<std::string>{"AAA-1", "DDD-4"}));
  auto all = log->workshop_codes(false);
  ASSERT_TRUE(all.ok()) << all.err().message;
  EXPECT_EQ(*all, (std::vector<std::string>{"AAA-1", "BBB-2", "CCC-3", "DDD-4"}));

  log.reset();
  log = open_log();
  ASSERT_TRUE(log);
  auto reopened = log->workshop_codes(true);
  ASSERT_TRUE(reopened.ok()) << reopened.err().message;
  EXPECT_EQ(*reopened, (std::vector<std::string>{"AAA-1", "DDD-4"})) << "a restarted server finds the same";
}

TEST_F(SqliteEventLog, LoadGivesFeedbackBackAsUnlinkedSubmittersThenResponses) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  append(*log, "CALM-42", {feedback("p2", "s-b", "Second")});
  append(*log, "CALM-42", {feedback("p1", "s-a", "First"), feedback("p3", "s-c", "Third")});
  append(*log, "CALM-42", {lifecycle(v1::LIFECYCLE_CLOSED)});

  const auto events = load(*log, "CALM-42");
  ASSERT_EQ(events.size(), 9U) << ::testing::PrintToString(lines(events));
  EXPECT_TRUE(events[0].has_created());
  EXPECT_TRUE(events[1].has_lifecycle());
  EXPECT_EQ(events[2].lifecycle().lifecycle(), v1::LIFECYCLE_CLOSED) << "ordinary events first, feedback after";
  // Who, ordered by participant id, never by arrival, and without any response.
  for (std::size_t i = 3; i < 6; ++i) {
    const auto& f = events[i].feedback_submitted();
    EXPECT_TRUE(events[i].has_feedback_submitted());
    EXPECT_FALSE(f.has_response()) << events[i].ShortDebugString();
    EXPECT_EQ(f.participant_id(), "p" + std::to_string(i - 2));
    EXPECT_EQ(f.submission_id(), std::string("s-") + static_cast<char>('a' + (i - 3)));
  }
  // What, with nothing of who.
  for (std::size_t i = 6; i < 9; ++i) {
    const auto& f = events[i].feedback_submitted();
    EXPECT_TRUE(f.has_response()) << events[i].ShortDebugString();
    EXPECT_TRUE(f.participant_id().empty()) << events[i].ShortDebugString();
    EXPECT_TRUE(f.submission_id().empty()) << events[i].ShortDebugString();
  }
  auto comments = loaded_comments(events);
  std::sort(comments.begin(), comments.end());
  EXPECT_EQ(comments, (std::vector<std::string>{"First", "Second", "Third"}));
}

TEST_F(SqliteEventLog, AResponseKeepsTheKeyItCameWithAndAClashWritesNothing) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  auto keyed = [](const std::string& participant, const std::string& comment, std::uint64_t key) {
    auto e = feedback(participant, "s-" + participant, comment);
    e.mutable_feedback_submitted()->set_response_key(key);
    return e;
  };
  append(*log, "CALM-42", {keyed("p1", "First", 77), keyed("p2", "Second", (std::uint64_t{1} << 63) - 1)});
  append(*log, "CALM-42", {feedback("p3", "s-p3", "Unkeyed")});

  const std::vector<v1::WorkshopEvent> clash{keyed("p4", "Clash", 77)};
  const auto refused = log->append("CALM-42", clash);
  ASSERT_FALSE(refused) << "a second response under key 77 was stored";
  EXPECT_EQ(refused.err().code, errc::invalid_argument) << refused.err().message;
  const std::vector<v1::WorkshopEvent> too_big{keyed("p5", "Too big", std::uint64_t{1} << 63)};
  const auto out_of_range = log->append("CALM-42", too_big);
  ASSERT_FALSE(out_of_range) << "a key above 2^63 - 1 was stored";
  EXPECT_EQ(out_of_range.err().code, errc::invalid_argument) << out_of_range.err().message;

  std::map<std::string, std::uint64_t> key_of;
  std::set<std::string> submitters;
  for (const auto& e : load(*log, "CALM-42")) {
    if (!e.has_feedback_submitted()) continue;
    const auto& f = e.feedback_submitted();
    if (!f.participant_id().empty()) submitters.insert(f.participant_id());
    if (f.has_response()) key_of[f.response().answers(1).text()] = f.response_key();
  }
  EXPECT_EQ(submitters, (std::set<std::string>{"p1", "p2", "p3"})) << "a refused batch left its submitter behind";
  ASSERT_EQ(key_of.size(), 3U);
  EXPECT_EQ(key_of["First"], 77U);
  EXPECT_EQ(key_of["Second"], (std::uint64_t{1} << 63) - 1);
  EXPECT_NE(key_of["Unkeyed"], 0U) << "a response stored without a key is given one";
}

TEST_F(SqliteEventLog, AResponseWithNoAnswersStillComesBackAsAResponse) {
  auto log = open_log();
  ASSERT_TRUE(log);
  v1::WorkshopEvent blank;
  blank.mutable_feedback_submitted()->set_participant_id("p1");
  blank.mutable_feedback_submitted()->set_submission_id("s1");
  blank.mutable_feedback_submitted()->mutable_response();  // every question optional, none answered
  append(*log, "CALM-42", {created("CALM-42"), blank});
  const auto events = load(*log, "CALM-42");
  ASSERT_EQ(events.size(), 3U) << ::testing::PrintToString(lines(events));
  EXPECT_TRUE(events[2].feedback_submitted().has_response()) << "an empty response was lost: " << events[2].ShortDebugString();
  EXPECT_EQ(events[2].feedback_submitted().response().answers_size(), 0);
}

TEST_F(SqliteEventLog, SecondSubmissionInOneBatchWritesNothing) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  const auto before = lines(load(*log, "CALM-42"));

  auto refused = log->append("CALM-42", std::vector<v1::WorkshopEvent>{
                                            joined("p9", "Late"),
                                            feedback("p1", "s1", "Once"),
                                            feedback("p2", "s2", "Other"),
                                            feedback("p1", "s3", "Twice"),
                                        });
  ASSERT_FALSE(refused.ok()) << "a participant counted twice";
  EXPECT_EQ(refused.err().code, errc::already_submitted) << refused.err().message;
  EXPECT_NE(refused.err().message.find("p1"), std::string::npos) << refused.err().message;
  EXPECT_NE(refused.err().message.find("Nothing was written"), std::string::npos) << refused.err().message;
  EXPECT_EQ(lines(load(*log, "CALM-42")), before) << "the refused batch left something behind";
  EXPECT_EQ(append(*log, "CALM-42", {joined("p9", "Late")}), 3U) << "the refused batch used sequence numbers";
}

TEST_F(SqliteEventLog, SecondSubmissionAgainstAStoredOneWritesNothing) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  append(*log, "CALM-42", {feedback("p1", "s1", "Once")});
  const auto before = lines(load(*log, "CALM-42"));

  // Even a retry under the same submission id: the core acknowledges retries without storing.
  for (const auto* submission : {"s1", "s2"}) {
    auto refused = log->append("CALM-42", std::vector<v1::WorkshopEvent>{
                                              presence("p2", v1::PRESENCE_AWAY),
                                              feedback("p2", "s9", "Fine"),
                                              feedback("p1", submission, "Twice"),
                                          });
    ASSERT_FALSE(refused.ok()) << "p1 counted twice under " << submission;
    EXPECT_EQ(refused.err().code, errc::already_submitted) << refused.err().message;
    EXPECT_EQ(lines(load(*log, "CALM-42")), before) << "the refused batch left something behind";
  }
  log.reset();
  log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(lines(load(*log, "CALM-42")), before) << "after a reopen";
}

TEST_F(SqliteEventLog, MalformedEventsAreRefusedAndWriteNothing) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42")});
  const auto before = lines(load(*log, "CALM-42"));

  v1::WorkshopEvent no_response = feedback("p1", "s1", "x");
  no_response.mutable_feedback_submitted()->clear_response();
  v1::WorkshopEvent no_participant = feedback("", "s1", "x");
  v1::WorkshopEvent no_submission = feedback("p1", "", "x");
  v1::WorkshopEvent response_only;
  *response_only.mutable_feedback_submitted()->mutable_response() = response("restore form");
  for (const auto& bad : {v1::WorkshopEvent{}, no_response, no_participant, no_submission, response_only}) {
    auto refused = log->append("CALM-42", std::vector<v1::WorkshopEvent>{joined("p1", "Ann"), bad});
    ASSERT_FALSE(refused.ok()) << bad.ShortDebugString();
    EXPECT_EQ(refused.err().code, errc::invalid_argument) << refused.err().message;
    EXPECT_NE(refused.err().message.find("Event 2 of 2"), std::string::npos) << refused.err().message;
  }
  auto no_code = log->append("", std::vector<v1::WorkshopEvent>{joined("p1", "Ann")});
  ASSERT_FALSE(no_code.ok());
  EXPECT_EQ(no_code.err().code, errc::invalid_argument) << no_code.err().message;
  EXPECT_EQ(lines(load(*log, "CALM-42")), before);
}

TEST_F(SqliteEventLog, FeedbackTablesHoldNoParticipantSubmissionOrTime) {
  const std::vector<std::string> participants = {"participant-ann-3141", "participant-ben-2718",
                                                 "participant-cas-1618"};
  const std::vector<std::string> submissions = {"submission-ann-0577", "submission-ben-1414",
                                                "submission-cas-1732"};
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    append(*log, "CALM-42", {created("CALM-42")});
    for (std::size_t i = 0; i < participants.size(); ++i) append(*log, "CALM-42", {joined(participants[i], "Name")});
    append(*log, "CALM-42", {lifecycle(v1::LIFECYCLE_FEEDBACK)});
    for (std::size_t i = 0; i < participants.size(); ++i)
      append(*log, "CALM-42", {feedback(participants[i], submissions[i], "comment " + std::to_string(i))});
  }
  raw_db raw(file_);

  // The schema itself: what a response row can hold, and nothing that could be a time; held
  // back or released alike.
  for (const auto* table : {"feedback_responses", "feedback_held_responses"})
    EXPECT_EQ(raw.columns(table), (std::set<std::string>{"workshop_id", "shuffle_key", "response"})) << table;
  for (const auto* table : {"feedback_submitters", "feedback_held_submitters"})
    EXPECT_EQ(raw.columns(table), (std::set<std::string>{"workshop_id", "participant_id", "submission_id"})) << table;
  for (const auto& table :
       {"feedback_responses", "feedback_submitters", "feedback_held_responses", "feedback_held_submitters"})
    for (const auto& column : raw.columns(table))
      for (const auto* timeish : {"time", "_at", "_ms", "date", "seq", "created"})
        EXPECT_EQ(column.find(timeish), std::string::npos) << table << "." << column << " looks like a time";

  // Every column of every response row: no participant or submission id, in any form.
  const auto responses = raw.rows("SELECT * FROM feedback_responses UNION ALL SELECT * FROM feedback_held_responses");
  ASSERT_EQ(responses.size(), participants.size());
  std::vector<std::string> ids = participants;
  ids.insert(ids.end(), submissions.begin(), submissions.end());
  for (const auto& row : responses)
    for (const auto& value : row)
      for (const auto& id : ids) EXPECT_EQ(value.find(id), std::string::npos) << "a response row holds " << id;
  // The response blobs are exactly serialized FeedbackResponses: nothing appended or wrapped.
  for (const auto& row :
       raw.rows("SELECT response FROM feedback_responses UNION ALL SELECT response FROM feedback_held_responses")) {
    v1::FeedbackResponse r;
    EXPECT_TRUE(r.ParseFromString(row[0]));
    EXPECT_EQ(r.SerializeAsString(), row[0]);
  }
  // And the submitter rows say nothing of what was submitted.
  for (const auto& row :
       raw.rows("SELECT * FROM feedback_submitters UNION ALL SELECT * FROM feedback_held_submitters"))
    for (const auto& value : row) EXPECT_EQ(value.find("comment"), std::string::npos) << value;
}

TEST_F(SqliteEventLog, FeedbackTablesHaveNoRowidThatWouldRecordArrival) {
  {
    auto log = open_log();
    ASSERT_TRUE(log);
  }
  raw_db raw(file_);
  EXPECT_FALSE(raw.compiles("SELECT rowid FROM feedback_responses")) << "a rowid grows with each insert";
  EXPECT_FALSE(raw.compiles("SELECT rowid FROM feedback_submitters")) << "a rowid grows with each insert";
  EXPECT_FALSE(raw.compiles("SELECT rowid FROM feedback_held_responses")) << "a rowid grows with each insert";
  EXPECT_FALSE(raw.compiles("SELECT rowid FROM feedback_held_submitters")) << "a rowid grows with each insert";
  EXPECT_TRUE(raw.compiles("SELECT rowid FROM workshops")) << "the check above would prove nothing";
}

TEST_F(SqliteEventLog, EventsTableHoldsNothingOfASubmission) {
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    append(*log, "CALM-42", {created("CALM-42"), joined("p1", "Ann"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
    append(*log, "CALM-42", {feedback("p1", "submission-7f3a", "a-distinctive-comment"), presence("p1", v1::PRESENCE_LEFT)});
  }
  raw_db raw(file_);
  EXPECT_EQ(raw.one("SELECT count(*) FROM events WHERE kind = 9"), "0");
  for (const auto& row : raw.rows("SELECT * FROM events"))
    for (const auto& value : row) {
      EXPECT_EQ(value.find("submission-7f3a"), std::string::npos) << "the events table holds the submission id";
      EXPECT_EQ(value.find("a-distinctive-comment"), std::string::npos) << "the events table holds the response";
    }
  // The schema refuses a feedback row outright, whoever writes it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  const int rc = sqlite3_exec(db, "INSERT INTO events (workshop_id, seq, kind, payload) VALUES (1, 99, 9, x'00')",
                              nullptr, nullptr, nullptr);
  EXPECT_EQ(rc & 0xff, SQLITE_CONSTRAINT) << sqlite3_errmsg(db);
  sqlite3_close_v2(db);
}

TEST_F(SqliteEventLog, ResponsesLoadInAnOrderUnrelatedToArrivalAndStable) {
  constexpr int n = 40;
  std::vector<std::string> arrival;
  std::vector<std::string> participants;
  std::vector<v1::WorkshopEvent> loaded_a, loaded_b;
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    for (const auto* code : {"AAA-1", "BBB-2"}) {
      append(*log, code, {created(code), lifecycle(v1::LIFECYCLE_FEEDBACK)});
      arrival.clear();
      participants.clear();
      for (int i = 0; i < n; ++i) {
        // Participants arrive in an order unlike their ids; comments are numbered by arrival.
        const std::string who = "p" + std::to_string(100 + (i * 17) % n);
        const std::string comment = "comment " + std::to_string(100 + i);
        arrival.push_back(comment);
        participants.push_back(who);
        append(*log, code, {feedback(who, "s-" + who, comment)});
      }
    }
    loaded_a = load(*log, "AAA-1");
    loaded_b = load(*log, "BBB-2");
    EXPECT_EQ(lines(load(*log, "AAA-1")), lines(loaded_a)) << "the order changed between two loads";
  }
  const auto order_a = loaded_comments(loaded_a);
  const auto order_b = loaded_comments(loaded_b);
  ASSERT_EQ(order_a.size(), static_cast<std::size_t>(n));
  EXPECT_TRUE(std::is_permutation(order_a.begin(), order_a.end(), arrival.begin()));
  // 1 in 40! that a random order equals arrival; a stored order that follows arrival always does.
  EXPECT_NE(order_a, arrival) << "responses come back in arrival order";
  EXPECT_NE(order_b, arrival) << "responses come back in arrival order";
  // The same arrival in two workshops gives two unrelated orders: the order comes from random
  // keys, not from anything the arrival determines.
  EXPECT_NE(order_a, order_b) << "the order is a function of arrival";

  // Submitters come back ordered by participant id, not by arrival either.
  std::vector<std::string> submitters;
  for (const auto& e : loaded_a)
    if (e.has_feedback_submitted() && !e.feedback_submitted().participant_id().empty())
      submitters.push_back(e.feedback_submitted().participant_id());
  auto sorted = participants;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(submitters, sorted);

  auto log = open_log();
  ASSERT_TRUE(log);
  EXPECT_EQ(loaded_comments(load(*log, "AAA-1")), order_a) << "the order changed across a reopen";
}

// Someone with a copy of the file reads its bytes, not only its rows: the place of each row in
// the file must not follow arrival either, or the n-th response and the n-th submitter pair up.
TEST_F(SqliteEventLog, FileLayoutOfFeedbackFollowsKeysNotArrival) {
  constexpr int n = 40;
  std::vector<std::string> arrival_comments, arrival_submitters;
  std::vector<std::string> key_order;
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
    for (int i = 0; i < n; ++i) {
      const std::string who = "submitter-" + std::to_string(100 + (i * 17) % n);
      const std::string comment = "comment-" + std::to_string(100 + i);
      arrival_submitters.push_back(who);
      arrival_comments.push_back(comment);
      append(*log, "CALM-42", {feedback(who, "s-" + std::to_string(i), comment)});
    }
    key_order = loaded_comments(load(*log, "CALM-42"));
  }
  const std::string bytes = read_bytes(file_);
  ASSERT_FALSE(bytes.empty());
  // Each string's place in the file; exactly one copy, so no stale bytes keep an old layout.
  auto by_place = [&](const std::vector<std::string>& strings) {
    std::vector<std::pair<std::size_t, std::string>> placed;
    for (const auto& str : strings) {
      const auto at = bytes.find(str);
      EXPECT_NE(at, std::string::npos) << str << " is not in the file";
      EXPECT_EQ(bytes.find(str, at + 1), std::string::npos) << str << " is in the file twice";
      placed.emplace_back(at, str);
    }
    std::sort(placed.begin(), placed.end());
    std::vector<std::string> out;
    for (auto& [at, str] : placed) out.push_back(str);
    return out;
  };
  auto reversed = [](std::vector<std::string> v) {
    std::reverse(v.begin(), v.end());
    return v;
  };

  const auto comments = by_place(arrival_comments);
  EXPECT_NE(comments, arrival_comments) << "responses lie in the file in arrival order";
  EXPECT_NE(comments, reversed(arrival_comments)) << "responses lie in the file in arrival order";
  EXPECT_TRUE(comments == key_order || comments == reversed(key_order)) << "responses lie in the file out of key order";

  auto sorted = arrival_submitters;
  std::sort(sorted.begin(), sorted.end());
  const auto submitters = by_place(arrival_submitters);
  EXPECT_NE(submitters, arrival_submitters) << "submitters lie in the file in arrival order";
  EXPECT_NE(submitters, reversed(arrival_submitters)) << "submitters lie in the file in arrival order";
  EXPECT_TRUE(submitters == sorted || submitters == reversed(sorted)) << "submitters lie in the file out of id order";
}

TEST_F(SqliteEventLog, WriteAheadLogKeepsNoTraceOfWhoSubmittedWhat) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  append(*log, "CALM-42", {feedback("participant-in-wal", "s1", "comment-in-wal")});
  // One commit wrote the submitter's page and the response's page side by side; while the log is
  // still open, the WAL must not hold them.
  fs::path wal = file_;
  wal += "-wal";
  std::error_code ec;
  const auto size = fs::exists(wal, ec) ? fs::file_size(wal, ec) : 0U;
  EXPECT_EQ(size, 0U) << "the WAL still holds the feedback commit";
  const auto bytes = read_bytes(wal);
  EXPECT_EQ(bytes.find("participant-in-wal"), std::string::npos);
  EXPECT_EQ(bytes.find("comment-in-wal"), std::string::npos);
  EXPECT_EQ(loaded_comments(load(*log, "CALM-42")), std::vector<std::string>{"comment-in-wal"});
}

// A response's key as the workshop draws it, carried by the live event.
v1::WorkshopEvent keyed_feedback(const std::string& participant, const std::string& comment, std::uint64_t key) {
  auto e = feedback(participant, "s-" + participant, comment);
  e.mutable_feedback_submitted()->set_response_key(key);
  return e;
}

v1::WorkshopEvent released(const std::vector<std::uint64_t>& keys) {
  v1::WorkshopEvent e;
  for (const auto key : keys) e.mutable_feedback_released()->add_response_keys(key);
  e.mutable_feedback_released()->set_at_ms(1'700'000'950'000);
  return e;
}

// Where each string lies in `bytes`, failing unless it lies there exactly once.
std::map<std::string, std::size_t> places(const std::string& bytes, const std::vector<std::string>& strings) {
  std::map<std::string, std::size_t> out;
  for (const auto& str : strings) {
    const auto at = bytes.find(str);
    EXPECT_NE(at, std::string::npos) << str << " is not in the file";
    EXPECT_EQ(bytes.find(str, at + 1), std::string::npos) << str << " is in the file twice";
    out[str] = at;
  }
  return out;
}

// The strings ordered by where they lie in `bytes`.
std::vector<std::string> in_file_order(const std::string& bytes, const std::vector<std::string>& strings) {
  std::vector<std::pair<std::size_t, std::string>> placed;
  for (const auto& [str, at] : places(bytes, strings)) placed.emplace_back(at, str);
  std::sort(placed.begin(), placed.end());
  std::vector<std::string> out;
  for (auto& [at, str] : placed) out.push_back(str);
  return out;
}

// A release moves its responses to the settled table once; later feedback commits leave them
// where they lie, so a commit costs the held rows, not every response of the day.
TEST_F(SqliteEventLog, SettledResponsesKeepTheirPlaceInTheFileWhenLaterBatchesArrive) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  const std::vector<std::string> first = {"first-batch-a", "first-batch-b", "first-batch-c", "first-batch-d"};
  append(*log, "CALM-42",
         {keyed_feedback("p1", first[0], 4000), keyed_feedback("p2", first[1], 1000), keyed_feedback("p3", first[2], 3000),
          keyed_feedback("p4", first[3], 2000), released({1000, 2000, 3000, 4000})});
  const auto before = places(read_bytes(file_), first);
  {
    raw_db raw(file_);
    EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_responses"), "4");
    EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_held_responses"), "0");
    EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_submitters"), "4") << "a release settles the waiting submitters";
    EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_held_submitters"), "0");
  }

  // Keys below the first batch's: rewriting every response in key order would move all of them.
  append(*log, "CALM-42", {keyed_feedback("p5", "second-batch-a", 20), keyed_feedback("p6", "second-batch-b", 10), released({10, 20})});
  append(*log, "CALM-42", {keyed_feedback("p7", "held-back-a", 5)});
  append(*log, "CALM-42", {keyed_feedback("p8", "held-back-b", 7)});

  const auto bytes = read_bytes(file_);
  EXPECT_EQ(places(bytes, first), before) << "settled responses were rewritten by later batches";
  (void)places(bytes, {"second-batch-a", "second-batch-b", "held-back-a", "held-back-b"});
  raw_db raw(file_);
  EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_responses"), "6");
  EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_held_responses"), "2");
  EXPECT_EQ(raw.one("SELECT group_concat(participant_id) FROM feedback_held_submitters"), "p7,p8");
  // Loaded, held and settled alike, by key.
  EXPECT_EQ(loaded_comments(load(*log, "CALM-42")),
            (std::vector<std::string>{"held-back-a", "held-back-b", "second-batch-b", "second-batch-a", "first-batch-b",
                                      "first-batch-d", "first-batch-c", "first-batch-a"}));
}

// Submissions that reach the store together (a group commit, or one batch) go in by key and by
// participant id, never in the order they arrived, whether held back or settled at closing.
TEST_F(SqliteEventLog, ABatchOfManySubmissionsLiesInKeyOrder) {
  constexpr int n = 50;
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  std::vector<std::vector<v1::WorkshopEvent>> batches;
  std::vector<std::string> arrival_comments, arrival_submitters;
  std::map<std::uint64_t, std::string> by_key;
  for (int i = 0; i < n; ++i) {
    // Keys unlike arrival: a fixed permutation of 1..n, spread out.
    const std::uint64_t key = 1000 + static_cast<std::uint64_t>((i * 29) % n) * 7919;
    const std::string who = "submitter-" + std::to_string(100 + (i * 13) % n);
    const std::string comment = "batched-" + std::to_string(100 + i);
    arrival_comments.push_back(comment);
    arrival_submitters.push_back(who);
    by_key[key] = comment;
    // Submission ids that do not repeat the participant's id, so each id is in the file once.
    auto e = feedback(who, "sent-" + std::to_string(i), comment);
    e.mutable_feedback_submitted()->set_response_key(key);
    batches.push_back({e});
  }
  std::vector<event_log::append_request> group;
  for (const auto& b : batches) group.push_back({"CALM-42", b});
  const auto commits_before = log->commits();
  const auto results = log->append_many(group);
  ASSERT_EQ(results.size(), group.size());
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(log->commits(), commits_before + 1) << "a group is one transaction";

  std::vector<std::string> key_order;
  for (const auto& [key, comment] : by_key) key_order.push_back(comment);
  auto id_order = arrival_submitters;
  std::sort(id_order.begin(), id_order.end());
  auto reversed = [](std::vector<std::string> v) {
    std::reverse(v.begin(), v.end());
    return v;
  };
  auto check = [&](const char* when) {
    const auto bytes = read_bytes(file_);
    const auto comments = in_file_order(bytes, arrival_comments);
    EXPECT_NE(comments, arrival_comments) << when << ": responses lie in arrival order";
    EXPECT_TRUE(comments == key_order || comments == reversed(key_order)) << when << ": responses lie out of key order";
    const auto submitters = in_file_order(bytes, arrival_submitters);
    EXPECT_NE(submitters, arrival_submitters) << when << ": submitters lie in arrival order";
    EXPECT_TRUE(submitters == id_order || submitters == reversed(id_order)) << when << ": submitters lie out of id order";
  };
  check("held back");
  append(*log, "CALM-42", {lifecycle(v1::LIFECYCLE_CLOSED)});
  {
    raw_db raw(file_);
    EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_responses"), std::to_string(n)) << "closing settles every response";
    EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_held_responses"), "0");
    EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_held_submitters"), "0");
  }
  check("settled at closing");
  EXPECT_EQ(loaded_comments(load(*log, "CALM-42")), key_order);
}

TEST_F(SqliteEventLog, AGroupOfAppendsIsOneCommitAndARefusedOneWritesNothingOfItsOwn) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  append(*log, "KIND-7", {created("KIND-7")});
  append(*log, "CALM-42", {feedback("p0", "s-p0", "stored before")});

  const std::vector<v1::WorkshopEvent> a = {feedback("p1", "s-p1", "from p1")};
  const std::vector<v1::WorkshopEvent> b = {joined("k1", "Kai")};
  const std::vector<v1::WorkshopEvent> twice = {presence("p1", v1::PRESENCE_AWAY), feedback("p1", "s-again", "p1 again")};
  const std::vector<v1::WorkshopEvent> before = {feedback("p0", "s-p0", "p0 again")};
  const std::vector<v1::WorkshopEvent> no_kind = {joined("k2", "Lee"), v1::WorkshopEvent{}};
  const std::vector<v1::WorkshopEvent> c = {joined("k3", "Mo"), feedback("p2", "s-p2", "from p2")};
  const std::vector<v1::WorkshopEvent> none;
  const std::vector<event_log::append_request> group = {
      {"CALM-42", a}, {"KIND-7", b}, {"CALM-42", twice}, {"CALM-42", before}, {"KIND-7", no_kind}, {"CALM-42", c}, {"KIND-7", none}};
  const auto commits_before = log->commits();
  const auto results = log->append_many(group);
  EXPECT_EQ(log->commits(), commits_before + 1) << "one transaction for the group";
  ASSERT_EQ(results.size(), group.size());
  ASSERT_TRUE(results[0].ok()) << results[0].err().message;
  EXPECT_EQ(*results[0], 2U) << "feedback takes no sequence number";
  ASSERT_TRUE(results[1].ok()) << results[1].err().message;
  EXPECT_EQ(*results[1], 2U);
  ASSERT_FALSE(results[2].ok()) << "p1 counted twice within a group";
  EXPECT_EQ(results[2].err().code, errc::already_submitted) << results[2].err().message;
  ASSERT_FALSE(results[3].ok()) << "p0 counted twice across commits";
  EXPECT_EQ(results[3].err().code, errc::already_submitted) << results[3].err().message;
  ASSERT_FALSE(results[4].ok());
  EXPECT_EQ(results[4].err().code, errc::invalid_argument) << results[4].err().message;
  ASSERT_TRUE(results[5].ok()) << results[5].err().message;
  EXPECT_EQ(*results[5], 3U) << "the refused append before it used no sequence number";
  ASSERT_TRUE(results[6].ok()) << results[6].err().message;
  EXPECT_EQ(*results[6], 2U) << "an empty batch gives the last number, after the group's earlier appends";

  const auto calm = load(*log, "CALM-42");
  EXPECT_EQ(calm.size(), 3U + 3U + 3U) << ::testing::PrintToString(lines(calm));
  auto comments = loaded_comments(calm);
  std::sort(comments.begin(), comments.end());
  EXPECT_EQ(comments, (std::vector<std::string>{"from p1", "from p2", "stored before"}));
  for (const auto& e : calm) EXPECT_FALSE(e.has_presence()) << "the refused append left its presence change";
  const auto kind = load(*log, "KIND-7");
  ASSERT_EQ(kind.size(), 2U) << ::testing::PrintToString(lines(kind));
  EXPECT_EQ(kind[1].joined().participant_id(), "k1");
}

// A file written before held-back feedback had tables of its own: everything it holds sits in
// the settled tables. Opened by this version, it keeps its feedback, refuses its submitters a
// second time, and goes on from there.
TEST_F(SqliteEventLog, AVersion3FileKeepsItsFeedback) {
  {
    auto log = open_log();
    ASSERT_TRUE(log);
    append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
    append(*log, "CALM-42", {keyed_feedback("p1", "old-one", 11), keyed_feedback("p2", "old-two", 22)});
    append(*log, "CALM-42", {keyed_feedback("p3", "old-three", 33), released({11, 22, 33})});
    append(*log, "CALM-42", {keyed_feedback("p4", "old-four", 44)});
  }
  {
    // As version 3 kept it: every response and submitter in the settled tables.
    raw_db raw(file_);
    raw.exec("INSERT INTO feedback_responses SELECT * FROM feedback_held_responses;"
             "INSERT INTO feedback_submitters SELECT * FROM feedback_held_submitters;"
             "DROP TABLE feedback_held_responses; DROP TABLE feedback_held_submitters;"
             "DELETE FROM schema_version WHERE version = 4;");
    EXPECT_EQ(raw.one("SELECT max(version) FROM schema_version"), "3");
  }
  {
    // Read beside an older server that has not been upgraded yet: as it is.
    auto reader = sqlite_event_log::open_read_only(file_);
    ASSERT_TRUE(reader.ok()) << reader.err().message;
    EXPECT_EQ(loaded_comments(load(**reader, "CALM-42")),
              (std::vector<std::string>{"old-one", "old-two", "old-three", "old-four"}));
    const std::vector<v1::WorkshopEvent> nothing = {joined("p9", "Late")};
    EXPECT_FALSE((*reader)->append("CALM-42", nothing).ok());
    raw_db raw(file_);
    EXPECT_EQ(raw.one("SELECT max(version) FROM schema_version"), "3") << "reading upgraded the file";
  }

  auto log = open_log();
  ASSERT_TRUE(log);
  {
    raw_db raw(file_);
    EXPECT_EQ(raw.one("SELECT max(version) FROM schema_version"), "4");
  }
  const auto events = load(*log, "CALM-42");
  EXPECT_EQ(loaded_comments(events), (std::vector<std::string>{"old-one", "old-two", "old-three", "old-four"}));
  std::vector<std::string> submitters;
  for (const auto& e : events)
    if (e.has_feedback_submitted() && !e.feedback_submitted().participant_id().empty())
      submitters.push_back(e.feedback_submitted().participant_id());
  EXPECT_EQ(submitters, (std::vector<std::string>{"p1", "p2", "p3", "p4"}));

  const std::vector<v1::WorkshopEvent> again = {keyed_feedback("p2", "second time", 55)};
  auto refused = log->append("CALM-42", again);
  ASSERT_FALSE(refused.ok()) << "a submitter of the old file counted twice";
  EXPECT_EQ(refused.err().code, errc::already_submitted) << refused.err().message;
  const std::vector<v1::WorkshopEvent> clash = {keyed_feedback("p5", "old key", 44)};
  auto clashed = log->append("CALM-42", clash);
  ASSERT_FALSE(clashed.ok()) << "a key of the old file given twice";
  EXPECT_EQ(clashed.err().code, errc::invalid_argument) << clashed.err().message;

  // A release naming an old key and a new one moves only the new one; closing moves the rest.
  append(*log, "CALM-42", {keyed_feedback("p5", "new-five", 5), released({44, 5})});
  append(*log, "CALM-42", {keyed_feedback("p6", "new-six", 66)});
  append(*log, "CALM-42", {lifecycle(v1::LIFECYCLE_CLOSED)});
  EXPECT_EQ(loaded_comments(load(*log, "CALM-42")),
            (std::vector<std::string>{"new-five", "old-one", "old-two", "old-three", "old-four", "new-six"}));
  raw_db raw(file_);
  EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_held_responses"), "0");
  EXPECT_EQ(raw.one("SELECT count(*) FROM feedback_submitters"), "6");
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
}

// Exports read beside the writer: a reader mid-read neither holds up a feedback commit nor keeps
// its trace in the WAL for longer than it reads; the next commit empties the WAL.
TEST_F(SqliteEventLog, AReaderMidReadDelaysOnlyTheWalsEmptyingToTheNextCommit) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42"), lifecycle(v1::LIFECYCLE_FEEDBACK)});
  auto reader = sqlite_event_log::open_read_only(file_);
  ASSERT_TRUE(reader.ok()) << reader.err().message;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "BEGIN; SELECT count(*) FROM events;", nullptr, nullptr, nullptr), SQLITE_OK);

  append(*log, "CALM-42", {feedback("participant-mid-read", "s1", "comment-mid-read")});
  fs::path wal = file_;
  wal += "-wal";
  std::error_code ec;
  EXPECT_GT(fs::exists(wal, ec) ? fs::file_size(wal, ec) : 0U, 0U) << "the reader's snapshot should keep the WAL";
  // Another reader sees the acknowledged submission at once.
  EXPECT_EQ(loaded_comments(load(**reader, "CALM-42")), std::vector<std::string>{"comment-mid-read"});

  ASSERT_EQ(sqlite3_exec(raw, "COMMIT;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(raw);
  append(*log, "CALM-42", {joined("p9", "Late")});
  EXPECT_EQ(fs::exists(wal, ec) ? fs::file_size(wal, ec) : 0U, 0U) << "the next commit did not empty the WAL";
}

TEST_F(SqliteEventLog, CorruptFileIsUnavailableAndSaysWhatToDo) {
  fs::create_directories(file_.parent_path());
  {
    std::ofstream out(file_, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not an SQLite database, just text. ";
  }
  auto opened = sqlite_event_log::open(file_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.err().code, errc::unavailable) << opened.err().message;
  EXPECT_NE(opened.err().message.find(file_.string()), std::string::npos) << opened.err().message;
  EXPECT_NE(opened.err().message.find("backup"), std::string::npos) << opened.err().message;
}

TEST_F(SqliteEventLog, UnwritablePathIsUnavailableAndSaysWhatToDo) {
  // A regular file where the data folder should be: refused even to root.
  const fs::path blocker = dir_ / "blocker";
  std::ofstream(blocker) << "a file, not a folder";
  const fs::path under_file = blocker / "events.sqlite";
  auto opened = sqlite_event_log::open(under_file);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.err().code, errc::unavailable) << opened.err().message;
  EXPECT_NE(opened.err().message.find(under_file.string()), std::string::npos) << opened.err().message;
  EXPECT_NE(opened.err().message.find("right to write"), std::string::npos) << opened.err().message;

  // A folder the server may not write to. Root ignores permissions, so only as anyone else.
  if (::geteuid() != 0) {
    const fs::path locked = dir_ / "locked";
    fs::create_directories(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    const fs::path inside = locked / "events.sqlite";
    auto refused = sqlite_event_log::open(inside);
    fs::permissions(locked, fs::perms::owner_all);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.err().code, errc::unavailable) << refused.err().message;
    EXPECT_NE(refused.err().message.find(inside.string()), std::string::npos) << refused.err().message;
    EXPECT_NE(refused.err().message.find("read and write"), std::string::npos) << refused.err().message;
  }

  // A folder where the file should be.
  fs::create_directories(dir_ / "a-folder");
  auto folder = sqlite_event_log::open(dir_ / "a-folder");
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.err().code, errc::unavailable) << folder.err().message;
  EXPECT_NE(folder.err().message.find((dir_ / "a-folder").string()), std::string::npos) << folder.err().message;
}

TEST_F(SqliteEventLog, AnotherDatabaseOrANewerSchemaIsRefused) {
  fs::create_directories(file_.parent_path());
  {
    raw_db raw(file_);
    raw.exec("CREATE TABLE recipes (name TEXT)");
  }
  auto foreign = sqlite_event_log::open(file_);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.err().code, errc::unavailable) << foreign.err().message;
  EXPECT_NE(foreign.err().message.find("not a Dyad event log"), std::string::npos) << foreign.err().message;

  fs::remove(file_);
  { auto log = open_log(); }
  {
    raw_db raw(file_);
    raw.exec("UPDATE schema_version SET version = 99");
  }
  auto newer = sqlite_event_log::open(file_);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.err().code, errc::unavailable) << newer.err().message;
  EXPECT_NE(newer.err().message.find("newer Dyad"), std::string::npos) << newer.err().message;
}

TEST_F(SqliteEventLog, JournalIsWalAndSynchronousIsFull) {
  auto log = open_log();
  ASSERT_TRUE(log);
  auto settings = log->durability();
  ASSERT_TRUE(settings.ok()) << settings.err().message;
  EXPECT_EQ(settings->journal_mode, "wal");
  EXPECT_EQ(settings->synchronous, 2) << "2 is FULL: every commit is fsynced";
  EXPECT_TRUE(settings->foreign_keys);
  EXPECT_TRUE(settings->secure_delete) << "deleted and rewritten rows must be zeroed, not left in the file";
  // WAL is a property of the file, seen by any connection.
  raw_db raw(file_);
  EXPECT_EQ(raw.one("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteEventLog, HealthyUntilTheFileDisappears) {
  auto log = open_log();
  ASSERT_TRUE(log);
  auto ok = log->healthy();
  EXPECT_TRUE(ok.ok()) << ok.err().message;
  fs::remove_all(file_.parent_path());
  auto gone = log->healthy();
  ASSERT_FALSE(gone.ok()) << "writes to a deleted file would vanish at restart";
  EXPECT_EQ(gone.err().code, errc::unavailable);
  EXPECT_NE(gone.err().message.find(file_.string()), std::string::npos) << gone.err().message;
}

TEST_F(SqliteEventLog, CallsFromSeveralThreadsAreSerialised) {
  auto log = open_log();
  ASSERT_TRUE(log);
  append(*log, "CALM-42", {created("CALM-42")});
  constexpr int threads = 4, each = 10;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&log, t] {
      for (int i = 0; i < each; ++i) {
        const auto id = "p" + std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(log->append("CALM-42", std::vector<v1::WorkshopEvent>{joined(id, "Name")}).ok());
        EXPECT_TRUE(log->load("CALM-42").ok());
        EXPECT_TRUE(log->healthy().ok());
      }
    });
  for (auto& w : workers) w.join();
  EXPECT_EQ(load(*log, "CALM-42").size(), static_cast<std::size_t>(1 + threads * each));
  EXPECT_EQ(append(*log, "CALM-42", {}), static_cast<std::uint64_t>(1 + threads * each));
}

// Acknowledged means durable: a writer killed the instant after append returned ok has lost
// nothing. (SIGKILL leaves the kernel's page cache; power loss is covered by synchronous=FULL,
// checked above.)
TEST_F(SqliteEventLog, AcknowledgedAppendSurvivesSigkill) {
  const std::vector<v1::WorkshopEvent> first = {created("CALM-42"), joined("p1", "Ann"),
                                                lifecycle(v1::LIFECYCLE_FEEDBACK), feedback("p1", "s1", "Kept")};
  const std::vector<v1::WorkshopEvent> second = {joined("p2", "Ben"), presence("p2", v1::PRESENCE_AWAY)};
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0) << std::strerror(errno);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    ::close(ready[0]);
    // The child opens its own connection: an SQLite connection must not cross a fork.
    auto opened = sqlite_event_log::open(file_);
    // The second batch holds no feedback, so it sits in the WAL, uncheckpointed, when killed.
    const bool stored = opened.ok() && (*opened)->append("CALM-42", first).ok() &&
                        (*opened)->append("CALM-42", second).ok();
    const char byte = stored ? 'k' : 'f';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(3);
    if (!stored) ::_exit(1);
    for (;;) ::pause();  // acknowledged; now wait to be killed mid-flight
  }
  ::close(ready[1]);
  pollfd p{ready[0], POLLIN, 0};
  const int polled = ::poll(&p, 1, 30'000);
  char byte = 0;
  const bool got = polled == 1 && ::read(ready[0], &byte, 1) == 1;
  ::kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ::close(ready[0]);
  ASSERT_TRUE(got) << "the child never reported its append";
  ASSERT_EQ(byte, 'k') << "the child's append failed";
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "the child was not killed but ended by itself";

  auto log = open_log();
  ASSERT_TRUE(log);
  const auto events = load(*log, "CALM-42");
  ASSERT_EQ(events.size(), 7U) << ::testing::PrintToString(lines(events));
  EXPECT_EQ(events[3].ShortDebugString(), second[0].ShortDebugString());
  EXPECT_EQ(events[4].ShortDebugString(), second[1].ShortDebugString());
  EXPECT_EQ(events[5].feedback_submitted().participant_id(), "p1");
  EXPECT_EQ(loaded_comments(events), std::vector<std::string>{"Kept"});
  EXPECT_EQ(append(*log, "CALM-42", {joined("p3", "Cas")}), 6U);
}

// ---------------------------------------------------------------------------------------------
// With the real core: a workshop rebuilt from what the store gives back.

constexpr const char* plan_text = R"pb(
  title: "Practice day"
  series: "practice-day"
  exercises {
    id: "listening"
    title: "Listening for the rupture"
    group_size: GROUP_SIZE_PAIRS
    roles { id: "therapist" name: "Therapist" kind: ROLE_KIND_THERAPIST instructions: "Notice the shift." }
    roles { id: "client" name: "Client" kind: ROLE_KIND_CLIENT instructions: "Play the client's lines." }
    excerpt_id: "first-session"
    phases { name: "Practice" minutes: 10 }
  }
  transcripts {
    id: "session"
    turns { speaker: "Therapist" paragraphs: "You went quiet just then." }
    turns { speaker: "Client" paragraphs: "It doesn't matter." }
    excerpts { id: "first-session" title: "Going quiet" first_turn: 1 last_turn: 2 }
  }
  questionnaire {
    questions {
      id: "overall" text: "Overall?" required: true
      choice {
        options { id: "excellent" label: "Excellent" }
        options { id: "good" label: "Good" }
        summary_phrase: "rated the workshop as {option}"
        summary_continuation: "as {option}"
      }
    }
    questions { id: "comments" text: "Comments?" text_answer {} }
  }
)pb";

TEST_F(SqliteEventLog, WorkshopRebuildsFromTheLoadedLog) {
  core::manual_clock clock;
  v1::Plan plan;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(plan_text, &plan));
  auto log = open_log();
  ASSERT_TRUE(log);
  auto store = [&](const core::event_list& events) { append(*log, "CALM-42", events); };

  auto created_now = core::workshop::create(clock, plan, "CALM-42", 7, 11);
  ASSERT_TRUE(created_now.ok()) << created_now.err().message;
  auto w = std::move(created_now->first);
  store(created_now->second);
  std::vector<std::string> ids;
  for (const auto* name : {"Ann", "Ben", "Cas", "Dee", "Eli", "Fay", "Gus", "Hal"}) {
    auto j = w.join(name, "");
    ASSERT_TRUE(j.ok()) << j.err().message;
    ids.push_back(j->participant_id);
    store(j->events);
  }
  auto opened = w.open_feedback();
  ASSERT_TRUE(opened.ok()) << opened.err().message;
  store(*opened);
  // Seven of eight send theirs: at six held back, the oldest three are released; four stay back.
  for (std::size_t i = 0; i < 7; ++i) {
    auto sent = w.submit_feedback(ids[i], "s" + std::to_string(i), response("from " + std::to_string(i)), 900 + i);
    ASSERT_TRUE(sent.ok()) << sent.err().message;
    store(sent->events);
  }
  ASSERT_EQ(w.responses_shown(), 3U);

  log.reset();
  log = open_log();
  ASSERT_TRUE(log);
  const auto events = load(*log, "CALM-42");
  auto rebuilt = core::workshop::replay(clock, events, 11);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.err().message;
  EXPECT_EQ(rebuilt->responses_received(), 7U);
  EXPECT_EQ(rebuilt->responses_shown(), 3U) << "the restart released what was held back";
  EXPECT_EQ(rebuilt->tallies().SerializeAsString(), w.tallies().SerializeAsString())
      << "the figures shown before the restart are the figures shown after it";
  EXPECT_EQ(rebuilt->lifecycle(), v1::LIFECYCLE_FEEDBACK);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_TRUE(rebuilt->feedback().has_submitted(ids[i])) << ids[i];
  EXPECT_FALSE(rebuilt->feedback().has_submitted(ids[7]));
  // A retry is still recognised after the restart, and a second submission still refused.
  auto retry = rebuilt->submit_feedback(ids[0], "s0", response("from 0"), 990);
  ASSERT_TRUE(retry.ok()) << retry.err().message;
  EXPECT_EQ(retry->outcome, core::submit_outcome::duplicate);
  auto again = rebuilt->submit_feedback(ids[1], "another", response("twice"), 991);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.err().code, errc::already_submitted);
  // The one who had not submitted still can, and the store takes it.
  auto last = rebuilt->submit_feedback(ids[7], "s7", response("from 7"), 992);
  ASSERT_TRUE(last.ok()) << last.err().message;
  store(last->events);
  EXPECT_EQ(loaded_comments(load(*log, "CALM-42")).size(), 8U);
  // Closing releases the rest, and a rebuild of the closed workshop shows all eight.
  auto closed = rebuilt->close();
  ASSERT_TRUE(closed.ok()) << closed.err().message;
  store(*closed);
  auto reopened = core::workshop::replay(clock, load(*log, "CALM-42"), 11);
  ASSERT_TRUE(reopened.ok()) << reopened.err().message;
  EXPECT_EQ(reopened->responses_shown(), 8U);
}

// ---------------------------------------------------------------------------------------------
// Erasing a day's personal data: checked on the bytes of every file SQLite keeps.

struct person {
  std::string name;
  std::string email;
};

class SqliteErasure : public SqliteEventLog {
protected:
  void SetUp() override {
    SqliteEventLog::SetUp();
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(plan_text, &plan_));
  }

  // A day run through the core, each command's events stored as the server stores them: people
  // join with e-mails, a round with a help request and a broadcast that name people, someone
  // leaves, a late joiner, a second round, feedback with comments, and (with `close`) closing.
  // The last of `people` joins late.
  void run_day(event_log& log, const std::string& code, const std::vector<person>& people, bool close) {
    auto store = [&](const core::event_list& events) { append(log, code, events); };
    auto created_now = core::workshop::create(clock_, plan_, code, 7, 11);
    ASSERT_TRUE(created_now.ok()) << created_now.err().message;
    auto w = std::move(created_now->first);
    store(created_now->second);
    std::vector<std::string> ids;
    auto join = [&](const person& p) {
      auto j = w.join(p.name, p.email, std::string(32, static_cast<char>('a' + ids.size())));
      ASSERT_TRUE(j.ok()) << j.err().message;
      ids.push_back(j->participant_id);
      store(j->events);
    };
    for (std::size_t i = 0; i + 1 < people.size(); ++i) join(people[i]);
    auto round = w.launch_round("listening");
    ASSERT_TRUE(round.ok()) << round.err().message;
    store(*round);
    clock_.advance(60'000);
    auto help = w.ask_for_help(ids[0], 0, "Help: " + people[1].name + " froze");
    ASSERT_TRUE(help.ok()) << help.err().message;
    store(*help);
    store(*w.broadcast(people[0].name + ", please rejoin your room."));
    join(people.back());
    store(*w.set_presence(ids[1], v1::PRESENCE_LEFT));
    store(*w.end_round());
    store(*w.launch_round("listening"));
    clock_.advance(600'000);
    store(*w.end_round());
    store(*w.open_feedback());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i == 1) continue;  // left
      const auto sent = w.submit_feedback(ids[i], "s" + std::to_string(i),
                                          response("the rupture exercise, comment " + std::to_string(i)), 700 + i);
      ASSERT_TRUE(sent.ok()) << sent.err().message;
      store(sent->events);
    }
    if (close) store(*w.close());
  }

  // The statistics of the workshop rebuilt from what the log gives back.
  std::string statistics_of(event_log& log, const std::string& code) {
    auto w = core::workshop::replay(clock_, load(log, code), 11);
    EXPECT_TRUE(w.ok()) << w.err().message;
    return w.ok() ? w->statistics("2026-11-21").SerializeAsString() : std::string();
  }

  // Each of `words` found in any file of the log's folder (the file, -wal, -shm, a journal),
  // as "file: word".
  std::vector<std::string> found_in_files(const std::vector<std::string>& words) {
    std::vector<std::string> found;
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(file_.parent_path())) {
      ++files;
      const auto bytes = read_bytes(entry.path());
      for (const auto& word : words)
        if (bytes.find(word) != std::string::npos) found.push_back(entry.path().filename().string() + ": " + word);
    }
    EXPECT_GE(files, 1U);
    return found;
  }

  // Names and addresses as typed, and as anyone searching a copy might spell them.
  static std::vector<std::string> spellings(const std::vector<person>& people) {
    std::vector<std::string> out;
    auto add_cases = [&](const std::string& s) {
      out.push_back(s);
      std::string lower = s, upper = s;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.push_back(lower);
      out.push_back(upper);
    };
    for (const auto& p : people) {
      add_cases(p.name);
      for (std::size_t start = 0; start < p.name.size();) {  // each part of the name on its own
        const auto end = std::min(p.name.find(' ', start), p.name.size());
        if (end - start >= 3) add_cases(p.name.substr(start, end - start));
        start = end + 1;
      }
      if (!p.email.empty()) add_cases(p.email);
    }
    // std::toupper and std::tolower leave non-ASCII letters alone: their other cases, by hand.
    for (const char* s : {"søren ærø", "SØREN ÆRØ", "SØREN", "ærø", "ÆRØ", "Øyvind Åsbø", "øyvind åsbø", "Øyvind",
                          "øyvind", "Åsbø", "åsbø"})
      out.emplace_back(s);
    return out;
  }

  core::manual_clock clock_;
  v1::Plan plan_;
  const std::vector<person> day_ = {
      {"Zebedee Quartermaine", "zq@example.org"},
      {"Ottoline Fairweather", "ottoline.f@example.net"},
      {"Hortensia Blenkinsop", "hblenk@example.com"},
      {"Søren Ærø", "soren.aero@example.dk"},
      // Upper and lower case of non-ASCII letters, typed as UTF-8.
      {"ØYVIND ÅSBØ", "oyvind@example.no"},
  };
};

TEST_F(SqliteErasure, NoNameOrEmailIsLeftInAnyFileAndTheFiguresStay) {
  auto log = open_log();
  ASSERT_TRUE(log);
  run_day(*log, "CALM-42", day_, true);
  const auto words = spellings(day_);
  ASSERT_FALSE(found_in_files(words).empty()) << "the day's names should be on disk before the erasure";
  const auto statistics_before = statistics_of(*log, "CALM-42");
  const auto events_before = load(*log, "CALM-42");

  auto erased = log->erase_personal_data("CALM-42", 1'800'000'000'000);
  ASSERT_TRUE(erased.ok()) << erased.err().message;

  const auto left = found_in_files(words);
  EXPECT_TRUE(left.empty()) << "still on disk: " << ::testing::PrintToString(left);
  EXPECT_TRUE(found_in_files({"froze", "please rejoin"}).empty()) << "a help note or broadcast naming people";
  const auto kept = found_in_files({"Participant 1", "comment 3"});
  EXPECT_NE(std::find_if(kept.begin(), kept.end(), [](const std::string& f) { return f.ends_with("Participant 1"); }),
            kept.end())
      << "the new names are in the file";
  EXPECT_NE(std::find_if(kept.begin(), kept.end(), [](const std::string& f) { return f.ends_with("comment 3"); }),
            kept.end())
      << "the anonymous comments are kept";
  fs::path wal = file_;
  wal += "-wal";
  std::error_code ec;
  EXPECT_EQ(fs::exists(wal, ec) ? fs::file_size(wal, ec) : 0U, 0U) << "the write-ahead log was emptied";

  EXPECT_EQ(statistics_of(*log, "CALM-42"), statistics_before) << "the figures are the same after the erasure";
  const auto events_after = load(*log, "CALM-42");
  ASSERT_EQ(events_after.size(), events_before.size() + 1);
  std::size_t feedback = 0;
  for (const auto& e : events_after) feedback += e.has_feedback_submitted();
  EXPECT_EQ(feedback, 8U) << "four submitters and four responses, as before";

  // Reopened, the log replays to the same day with the new names.
  log.reset();
  log = open_log();
  ASSERT_TRUE(log);
  auto w = core::workshop::replay(clock_, load(*log, "CALM-42"), 11);
  ASSERT_TRUE(w.ok()) << w.err().message;
  EXPECT_EQ(w->personal_data_erased_ms(), 1'800'000'000'000);
  ASSERT_EQ(w->people().size(), day_.size());
  for (std::size_t i = 0; i < day_.size(); ++i) {
    EXPECT_EQ(w->people().participants()[i].shown_name, "Participant " + std::to_string(i + 1));
    EXPECT_EQ(w->people().participants()[i].email, "");
  }
  EXPECT_EQ(w->statistics("2026-11-21").SerializeAsString(), statistics_before);
  EXPECT_EQ(w->round_number(), 2U);
  log.reset();
  raw_db raw(file_);
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
}

TEST_F(SqliteErasure, ALargeDaySpreadOverManyPagesLeavesNothing) {
  // Enough people that the events span many pages, so the rewrite touches many pages (and the
  // shorter rows may let SQLite rebalance them) rather than one.
  std::vector<person> crowd;
  for (int i = 0; i < 120; ++i) {
    const auto n = std::to_string(i);
    crowd.push_back({"Xanthippe Vorobyeva-Lindqvist " + n, "xanthippe.vorobyeva." + n + "@example.org"});
  }
  auto log = open_log();
  ASSERT_TRUE(log);
  run_day(*log, "CALM-42", crowd, true);
  const auto statistics_before = statistics_of(*log, "CALM-42");
  ASSERT_FALSE(found_in_files({"Vorobyeva"}).empty());
  auto erased = log->erase_personal_data("CALM-42", 1'800'000'000'000);
  ASSERT_TRUE(erased.ok()) << erased.err().message;
  const auto left = found_in_files({"Xanthippe", "xanthippe", "Vorobyeva", "Lindqvist", "example.org"});
  EXPECT_TRUE(left.empty()) << "still on disk: " << ::testing::PrintToString(left);
  EXPECT_EQ(statistics_of(*log, "CALM-42"), statistics_before);
  log.reset();
  raw_db raw(file_);
  EXPECT_EQ(raw.one("PRAGMA integrity_check"), "ok");
}

TEST_F(SqliteErasure, OnlyTheErasedWorkshopLosesItsNames) {
  auto log = open_log();
  ASSERT_TRUE(log);
  const std::vector<person> other = {{"Philippa Gostelow", "pg@example.org"},
                                     {"Barnaby Wrexham", ""},
                                     {"Ignatius Pemberton", "ip@example.org"}};
  run_day(*log, "CALM-42", day_, true);
  run_day(*log, "KIND-7", other, true);
  ASSERT_TRUE(log->erase_personal_data("CALM-42", 1'800'000'000'000).ok());
  EXPECT_TRUE(found_in_files(spellings(day_)).empty());
  const auto others = load(*log, "KIND-7");
  ASSERT_GT(others.size(), 2U);
  EXPECT_EQ(others[1].joined().display_name(), "Philippa Gostelow") << "another workshop was erased too";
  EXPECT_EQ(others[1].joined().email(), "pg@example.org");
}

TEST_F(SqliteErasure, AnOpenOrUnknownWorkshopIsRefusedAndNothingChanges) {
  auto log = open_log();
  ASSERT_TRUE(log);
  run_day(*log, "CALM-42", day_, false);  // feedback still open
  const auto before = lines(load(*log, "CALM-42"));

  auto refused = log->erase_personal_data("CALM-42", 1'800'000'000'000);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.err().code, errc::wrong_state) << refused.err().message;
  EXPECT_NE(refused.err().message.find("close the workshop first"), std::string::npos) << refused.err().message;
  EXPECT_EQ(lines(load(*log, "CALM-42")), before) << "a refused erasure changed the log";
  EXPECT_FALSE(found_in_files({"Zebedee Quartermaine", "zq@example.org"}).empty());

  auto unknown = log->erase_personal_data("NOPE-1", 1'800'000'000'000);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.err().code, errc::not_found) << unknown.err().message;
  EXPECT_TRUE(load(*log, "NOPE-1").empty()) << "refusing an unknown workshop created it";
  auto empty = log->erase_personal_data("", 1'800'000'000'000);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.err().code, errc::invalid_argument);
}

TEST_F(SqliteErasure, ErasingTwiceIsFine) {
  auto log = open_log();
  ASSERT_TRUE(log);
  run_day(*log, "CALM-42", day_, true);
  ASSERT_TRUE(log->erase_personal_data("CALM-42", 1'800'000'000'000).ok());
  const auto once = lines(load(*log, "CALM-42"));
  auto again = log->erase_personal_data("CALM-42", 1'900'000'000'000);
  ASSERT_TRUE(again.ok()) << again.err().message;
  EXPECT_EQ(lines(load(*log, "CALM-42")), once) << "the second erasure wrote something";
  EXPECT_TRUE(found_in_files(spellings(day_)).empty());
}

TEST_F(SqliteErasure, AReaderHoldingTheWalDelaysTheWipeUntilErasedAgain) {
  auto log = open_log();
  ASSERT_TRUE(log);
  run_day(*log, "CALM-42", day_, true);
  // Another connection (a backup, `dyad` reading beside the server) mid-read: its snapshot keeps
  // the WAL from being emptied.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file_.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM events;", nullptr, nullptr, nullptr), SQLITE_OK);

  auto held = log->erase_personal_data("CALM-42", 1'800'000'000'000);
  ASSERT_FALSE(held.ok()) << "reported gone while the WAL could not be emptied";
  EXPECT_EQ(held.err().code, errc::unavailable);
  EXPECT_NE(held.err().message.find("Erase again"), std::string::npos) << held.err().message;

  ASSERT_EQ(sqlite3_exec(reader, "COMMIT;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close_v2(reader);
  auto again = log->erase_personal_data("CALM-42", 1'900'000'000'000);
  ASSERT_TRUE(again.ok()) << again.err().message;
  const auto left = found_in_files(spellings(day_));
  EXPECT_TRUE(left.empty()) << "still on disk: " << ::testing::PrintToString(left);
  auto w = core::workshop::replay(clock_, load(*log, "CALM-42"), 11);
  ASSERT_TRUE(w.ok()) << w.err().message;
  EXPECT_EQ(w->personal_data_erased_ms(), 1'800'000'000'000) << "the first erasure was committed, and only once";
}

}  // namespace
}  // namespace dyad::store
