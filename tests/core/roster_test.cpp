#include "core/roster.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace dyad::core {
namespace {

using dyad::v1::PRESENCE_AWAY;
using dyad::v1::PRESENCE_DISCONNECTED;
using dyad::v1::PRESENCE_LEFT;
using dyad::v1::PRESENCE_PRESENT;
using dyad::v1::PRESENCE_UNSPECIFIED;
using ids = std::vector<std::string>;

constexpr millis second = 1'000;

template <class T>
testing::AssertionResult succeeded(const result<T>& r) {
  if (r.ok()) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "refused: " << r.err().message;
}

template <class T>
testing::AssertionResult refused(const result<T>& r, errc code, std::string_view words) {
  if (r.ok()) return testing::AssertionFailure() << "accepted; expected a refusal";
  if (r.err().code != code) {
    return testing::AssertionFailure() << "refused with code " << static_cast<int>(r.err().code)
                                       << " instead of " << static_cast<int>(code) << ": "
                                       << r.err().message;
  }
  if (r.err().message.find(words) == std::string::npos) {
    return testing::AssertionFailure() << "message lacks \"" << words
                                       << "\": " << r.err().message;
  }
  return testing::AssertionSuccess();
}

class Roster : public testing::Test {
protected:
  // Joins and insists it worked, so that a test's setup failing says why.
  std::string join(std::string name, std::string email = {}) {
    auto id = roster_.join(std::move(name), std::move(email), clock_.now());
    EXPECT_TRUE(succeeded(id));
    return id.ok() ? id.value() : std::string{};
  }

  manual_clock clock_;
  roster roster_;
};

TEST_F(Roster, JoinAssignsIdsInJoinOrder) {
  EXPECT_EQ(join("Ana"), "p1");
  EXPECT_EQ(join("Ben"), "p2");
  EXPECT_EQ(join("Cleo"), "p3");
  ASSERT_EQ(roster_.size(), 3U);
  EXPECT_EQ(roster_.participants()[1].display_name, "Ben");
}

TEST_F(Roster, JoinTrimsDisplayNameAndEmail) {
  const auto id = join("  \tAna Lima \n", " ana@example.org ");
  const auto* p = roster_.find(id);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->display_name, "Ana Lima");
  EXPECT_EQ(p->shown_name, "Ana Lima");
  EXPECT_EQ(p->email, "ana@example.org");
}

TEST_F(Roster, JoinRefusesEmptyDisplayName) {
  EXPECT_TRUE(refused(roster_.join("", "", clock_.now()), errc::invalid_argument,
                      "Type a display name"));
  EXPECT_TRUE(refused(roster_.join(" \t ", "", clock_.now()), errc::invalid_argument,
                      "Type a display name"));
}

TEST_F(Roster, JoinCountsCharactersNotBytes) {
  std::string forty_accented;
  for (int i = 0; i < 40; ++i) forty_accented += "\xC3\xA9";  // é, two bytes each
  EXPECT_TRUE(succeeded(roster_.join(forty_accented, "", clock_.now())));
  EXPECT_TRUE(succeeded(roster_.join(std::string(40, 'a'), "", clock_.now())));
  EXPECT_TRUE(refused(roster_.join(std::string(41, 'a'), "", clock_.now()),
                      errc::invalid_argument, "41 characters long; shorten it to 40"));
  EXPECT_TRUE(refused(roster_.join(forty_accented + "e", "", clock_.now()),
                      errc::invalid_argument, "41 characters long"));
}

TEST_F(Roster, JoinRefusesControlCharacters) {
  for (const std::string& name : {std::string("Ana\nLima"), std::string("Ana\tLima"),
                                 std::string("Ana\0Lima", 8),
                                 std::string("Ana\x7F"), std::string("Ana\xC2\x85"),
                                 std::string("Ana\xE2\x80\xAE" "amiL")}) {
    EXPECT_TRUE(refused(roster_.join(name, "", clock_.now()), errc::invalid_argument,
                        "control character"))
        << "name of " << name.size() << " bytes";
  }
  EXPECT_EQ(roster_.size(), 0U);
}

TEST_F(Roster, JoinRefusesInvalidUtf8) {
  for (const std::string& name : {std::string("Ana\xFF"), std::string("Ana\xC3"),
                                 std::string("\xC0\xAF"), std::string("\xED\xA0\x80")}) {
    EXPECT_TRUE(refused(roster_.join(name, "", clock_.now()), errc::invalid_argument,
                        "not valid UTF-8"))
        << "name of " << name.size() << " bytes";
  }
}

TEST_F(Roster, JoinAcceptsNoEmail) {
  const auto id = join("Ana");
  EXPECT_EQ(roster_.find(id)->email, "");
}

TEST_F(Roster, JoinRefusesMalformedEmail) {
  struct bad {
    std::string email;
    std::string_view words;
  };
  const std::string long_local(250, 'a');
  for (const auto& [email, words] : std::vector<bad>{
           {"ana.example.org", "exactly one @"},
           {"ana@lima@example.org", "exactly one @"},
           {"@example.org", "exactly one @"},
           {"ana@localhost", "dot after the @"},
           {"ana@.org", "dot after the @"},
           {"ana@example.", "dot after the @"},
           {"ana lima@example.org", "space"},
           {long_local + "@x.org", "longer than 254"},
       }) {
    EXPECT_TRUE(refused(roster_.join("Ana", email, clock_.now()), errc::invalid_argument, words))
        << email;
  }
  EXPECT_EQ(roster_.size(), 0U) << "a refused join adds nobody";
  EXPECT_EQ(join("Ana"), "p1") << "a refused join uses up no id";
}

TEST_F(Roster, JoinAcceptsEmailOfExactly254Characters) {
  const std::string email = std::string(248, 'a') + "@x.org";
  ASSERT_EQ(email.size(), 254U);
  EXPECT_TRUE(succeeded(roster_.join("Ana", email, clock_.now())));
}

TEST_F(Roster, DuplicateDisplayNamesGetDistinguishingShownNames) {
  const auto sam1 = join("Sam");
  const auto sam2 = join("Sam");
  const auto sam3 = join("sam");
  EXPECT_EQ(roster_.shown_name(sam1).value(), "Sam");
  EXPECT_EQ(roster_.shown_name(sam2).value(), "Sam (2)");
  EXPECT_EQ(roster_.shown_name(sam3).value(), "sam (3)") << "names differing in case clash";
  EXPECT_EQ(roster_.find(sam2)->display_name, "Sam") << "the display name stays as typed";
}

TEST_F(Roster, ShownNamesStayUniqueWhenSomeoneTypesASuffix) {
  const auto literal = join("Sam (2)");
  const auto sam1 = join("Sam");
  const auto sam2 = join("Sam");
  EXPECT_EQ(roster_.shown_name(literal).value(), "Sam (2)");
  EXPECT_EQ(roster_.shown_name(sam1).value(), "Sam");
  EXPECT_EQ(roster_.shown_name(sam2).value(), "Sam (3)");
}

TEST_F(Roster, ManyOfOneNameAreNumberedOnWithoutGapsOrRepeats) {
  // A suffix typed by someone, then a hundred more of the name in two spellings: each gets the
  // lowest number not taken, and no shown name is given twice.
  join("Sam (5)");
  std::set<std::string> shown;
  for (int i = 0; i < 100; ++i) {
    const auto id = join(i % 2 == 0 ? "Sam" : "SAM");
    const auto name = roster_.shown_name(id).value();
    std::string key = name;
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(shown.insert(key).second) << name << " given twice";
  }
  EXPECT_TRUE(shown.contains("sam"));
  EXPECT_TRUE(shown.contains("sam (4)"));
  EXPECT_FALSE(shown.contains("sam (5)")) << "the typed one keeps it";
  EXPECT_TRUE(shown.contains("sam (6)"));
  EXPECT_TRUE(shown.contains("sam (101)")) << "numbered on past the typed one, without gaps";
}

TEST_F(Roster, PrepareJoinChecksWithoutAdding) {
  join("Ann");
  const auto n = roster_.prepare_join("  Ben  ", " ben@example.org ");
  ASSERT_TRUE(n.ok()) << n.err().message;
  EXPECT_EQ(n->id, "p2");
  EXPECT_EQ(n->display_name, "Ben");
  EXPECT_EQ(n->email, "ben@example.org");
  EXPECT_EQ(roster_.size(), 1U) << "preparing added someone";
  EXPECT_FALSE(roster_.prepare_join("", "").ok());
}

TEST_F(Roster, NewParticipantIsPresentSinceJoining) {
  const millis joined = clock_.now();
  const auto id = join("Ana");
  EXPECT_EQ(roster_.find(id)->presence, PRESENCE_PRESENT);
  EXPECT_EQ(roster_.since(id).value(), joined);
  EXPECT_EQ(roster_.find(id)->joined_at, joined);
}

TEST_F(Roster, SetPresenceRecordsWhenItStarted) {
  const auto id = join("Ana");
  clock_.advance(30 * second);
  ASSERT_TRUE(succeeded(roster_.set_presence(id, PRESENCE_AWAY, clock_.now())));
  EXPECT_EQ(roster_.find(id)->presence, PRESENCE_AWAY);
  EXPECT_EQ(roster_.since(id).value(), clock_.now());
}

TEST_F(Roster, SetSamePresenceAgainIsNoOpThatKeepsSince) {
  const auto id = join("Ana");
  ASSERT_TRUE(succeeded(roster_.set_presence(id, PRESENCE_DISCONNECTED, clock_.now())));
  const millis dropped = clock_.now();
  clock_.advance(20 * second);
  EXPECT_TRUE(succeeded(roster_.set_presence(id, PRESENCE_DISCONNECTED, clock_.now())));
  EXPECT_EQ(roster_.since(id).value(), dropped);
}

TEST_F(Roster, SetPresenceOfUnknownIdIsNotFound) {
  join("Ana");
  EXPECT_TRUE(refused(roster_.set_presence("p9", PRESENCE_AWAY, clock_.now()), errc::not_found,
                      "\"p9\""));
}

TEST_F(Roster, SetPresenceRefusesUnspecifiedAndUnknownValuesAndChangesNothing) {
  const auto id = join("Ana");
  const auto before = roster_.participants();
  EXPECT_TRUE(refused(roster_.set_presence(id, PRESENCE_UNSPECIFIED, clock_.now()),
                      errc::invalid_argument, "unspecified"));
  EXPECT_TRUE(refused(roster_.set_presence(id, static_cast<dyad::v1::Presence>(99), clock_.now()),
                      errc::invalid_argument, "unknown"));
  EXPECT_EQ(roster_.participants(), before);
}

TEST_F(Roster, SinceNeverMovesBackwardsWhenTheClockStepsBack) {
  const auto id = join("Ana");
  clock_.advance(10 * second);
  ASSERT_TRUE(succeeded(roster_.set_presence(id, PRESENCE_DISCONNECTED, clock_.now())));
  const millis dropped = clock_.now();
  ASSERT_TRUE(succeeded(roster_.set_presence(id, PRESENCE_PRESENT, dropped - 2 * second)));
  EXPECT_EQ(roster_.find(id)->presence, PRESENCE_PRESENT) << "the change is still recorded";
  EXPECT_EQ(roster_.since(id).value(), dropped);
}

TEST_F(Roster, PresentIdsAreConnectedAndNotAwayInJoinOrder) {
  const auto ana = join("Ana");
  const auto ben = join("Ben");
  const auto cleo = join("Cleo");
  const auto dev = join("Dev");
  const auto eli = join("Eli");
  ASSERT_TRUE(succeeded(roster_.set_presence(ben, PRESENCE_AWAY, clock_.now())));
  ASSERT_TRUE(succeeded(roster_.set_presence(cleo, PRESENCE_DISCONNECTED, clock_.now())));
  ASSERT_TRUE(succeeded(roster_.set_presence(dev, PRESENCE_LEFT, clock_.now())));
  ASSERT_TRUE(succeeded(roster_.set_presence(ana, PRESENCE_AWAY, clock_.now())));
  ASSERT_TRUE(succeeded(roster_.set_presence(ana, PRESENCE_PRESENT, clock_.now())));
  EXPECT_EQ(roster_.present_ids(), (ids{ana, eli}));
}

TEST_F(Roster, DisconnectedLongerThanGraceCountsFromDisconnection) {
  const millis grace = 90 * second;
  const auto ana = join("Ana");
  const auto ben = join("Ben");
  const auto cleo = join("Cleo");
  ASSERT_TRUE(succeeded(roster_.set_presence(cleo, PRESENCE_DISCONNECTED, clock_.now())));
  clock_.advance(10 * second);
  ASSERT_TRUE(succeeded(roster_.set_presence(ana, PRESENCE_DISCONNECTED, clock_.now())));
  ASSERT_TRUE(succeeded(roster_.set_presence(ben, PRESENCE_AWAY, clock_.now())));

  clock_.advance(grace - 10 * second - 1);
  EXPECT_EQ(roster_.disconnected_longer_than(grace, clock_.now()), ids{});
  clock_.advance(1);
  EXPECT_EQ(roster_.disconnected_longer_than(grace, clock_.now()), ids{cleo}) << "exactly grace";
  clock_.advance(10 * second);
  EXPECT_EQ(roster_.disconnected_longer_than(grace, clock_.now()), (ids{ana, cleo}))
      << "in join order";

  ASSERT_TRUE(succeeded(roster_.set_presence(ana, PRESENCE_PRESENT, clock_.now())));
  EXPECT_EQ(roster_.disconnected_longer_than(grace, clock_.now()), ids{cleo})
      << "a reconnection ends it";
}

TEST_F(Roster, CountsByPresence) {
  const auto ana = join("Ana");
  join("Ben");
  const auto cleo = join("Cleo");
  ASSERT_TRUE(succeeded(roster_.set_presence(ana, PRESENCE_AWAY, clock_.now())));
  ASSERT_TRUE(succeeded(roster_.set_presence(cleo, PRESENCE_LEFT, clock_.now())));
  EXPECT_EQ(roster_.count(PRESENCE_PRESENT), 1U);
  EXPECT_EQ(roster_.count(PRESENCE_AWAY), 1U);
  EXPECT_EQ(roster_.count(PRESENCE_DISCONNECTED), 0U);
  EXPECT_EQ(roster_.count(PRESENCE_LEFT), 1U);
}

TEST_F(Roster, JoinedLateOnlyAfterRoundsStarted) {
  const auto early = join("Ana");
  clock_.advance(60 * second);
  roster_.mark_rounds_started(clock_.now());
  const millis started = clock_.now();
  const auto same_instant = join("Ben");
  clock_.advance(60 * second);
  roster_.mark_rounds_started(clock_.now());
  const auto late = join("Cleo");

  EXPECT_FALSE(roster_.joined_late(early).value());
  EXPECT_TRUE(roster_.joined_late(same_instant).value()) << "joined after the start was marked";
  EXPECT_TRUE(roster_.joined_late(late).value());
  EXPECT_EQ(roster_.rounds_started_at(), started) << "only the first mark counts";
}

TEST_F(Roster, LookupsOfUnknownIdAreNotFound) {
  join("Ana");
  EXPECT_EQ(roster_.find("p2"), nullptr);
  EXPECT_TRUE(refused(roster_.since("p2"), errc::not_found, "No participant"));
  EXPECT_TRUE(refused(roster_.joined_late("p2"), errc::not_found, "No participant"));
  EXPECT_TRUE(refused(roster_.shown_name("p2"), errc::not_found, "No participant"));
}

TEST_F(Roster, AddKeepsGivenIdsAndLaterJoinsContinueAfterThem) {
  ASSERT_TRUE(succeeded(roster_.add("p1", "Ana", "", clock_.now())));
  ASSERT_TRUE(succeeded(roster_.add("p3", "Ben", "ben@example.org", clock_.now())));
  EXPECT_EQ(roster_.find("p3")->email, "ben@example.org");
  EXPECT_EQ(join("Cleo"), "p4");
}

TEST_F(Roster, AddRefusesTakenOrEmptyIdAndChangesNothing) {
  ASSERT_TRUE(succeeded(roster_.add("p1", "Ana", "", clock_.now())));
  const auto before = roster_.participants();
  EXPECT_TRUE(refused(roster_.add("p1", "Ben", "", clock_.now()), errc::wrong_state,
                      "already on the roster"));
  EXPECT_TRUE(refused(roster_.add("", "Ben", "", clock_.now()), errc::invalid_argument, "empty"));
  EXPECT_EQ(roster_.participants(), before);
}

TEST_F(Roster, RebuildingFromEventsGivesTheSameRoster) {
  // Live: joins, presence changes and the start of rounds, recorded as the event log would.
  join("Sam", "sam@example.org");
  clock_.advance(5 * second);
  join("Sam");
  ASSERT_TRUE(succeeded(roster_.set_presence("p1", PRESENCE_DISCONNECTED, clock_.now())));
  clock_.advance(5 * second);
  roster_.mark_rounds_started(clock_.now());
  join("Ana");
  ASSERT_TRUE(succeeded(roster_.set_presence("p1", PRESENCE_PRESENT, clock_.now())));

  roster rebuilt;
  const auto& live = roster_.participants();
  const millis t0 = live[0].joined_at;
  ASSERT_TRUE(succeeded(rebuilt.add("p1", "Sam", "sam@example.org", t0)));
  ASSERT_TRUE(succeeded(rebuilt.add("p2", "Sam", "", t0 + 5 * second)));
  ASSERT_TRUE(succeeded(rebuilt.set_presence("p1", PRESENCE_DISCONNECTED, t0 + 5 * second)));
  rebuilt.mark_rounds_started(t0 + 10 * second);
  ASSERT_TRUE(succeeded(rebuilt.add("p3", "Ana", "", t0 + 10 * second)));
  ASSERT_TRUE(succeeded(rebuilt.set_presence("p1", PRESENCE_PRESENT, t0 + 10 * second)));

  EXPECT_EQ(rebuilt.participants(), live);
  EXPECT_EQ(rebuilt.rounds_started_at(), roster_.rounds_started_at());
  EXPECT_EQ(rebuilt.shown_name("p2").value(), "Sam (2)");
}

}  // namespace
}  // namespace dyad::core
