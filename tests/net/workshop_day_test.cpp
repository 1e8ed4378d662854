// A whole workshop day against the real dyad-server process, and durability of acknowledged
// feedback across kills at several points. Driven through the client library only.

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "dyad/v1/feedback.pb.h"
#include "dyad_client.hpp"
#include "net/net_test_support.hpp"
#include "net/server_fixture.hpp"
#include "net/server_process.hpp"

namespace dyad::test {
namespace {

namespace v1 = dyad::v1;
using namespace std::chrono_literals;
using client::connection;

// The grace period (1 s) plus the server's regroup tick (every second), with room to spare.
constexpr auto regroup_deadline = 20s;

std::string demo_plan_path() { return std::string(DYAD_SOURCE_DIR) + "/deploy/demo/ruptures-one-day.textproto"; }

/// The demo plan's text with its 90 s grace period cut to 1 s, so that a test can outwait it.
std::string demo_plan_with_short_grace() {
  std::string text = read_text(demo_plan_path());
  const std::string from = "grace_period_seconds: 90";
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("the demo plan no longer says '" + from + "'");
  text.replace(at, from.size(), "grace_period_seconds: 1");
  return text;
}

v1::ClientMessage end_round() {
  v1::ClientMessage m;
  m.mutable_end_round();
  return m;
}
v1::ClientMessage set_away(bool away) {
  v1::ClientMessage m;
  m.mutable_set_away()->set_away(away);
  return m;
}

void add_choice(v1::FeedbackResponse& r, const std::string& question, const std::string& option) {
  auto* a = r.add_answers();
  a->set_question_id(question);
  a->set_option_id(option);
}

/// The response of participant `i` of 20, chosen so that the figures are exact:
/// overall 11 excellent, 9 good; recommend 12 definitely, 6 perhaps, 2 no; CAT therapist 13 yes
/// (relevance 8 extremely, 5 some), 7 no (relevance to non-CAT work 4 extremely, 2 some, 1 not);
/// pace 14 × 4 and 6 × 5 (mean 4.3); a comment from every fourth.
v1::FeedbackResponse day_response(std::size_t i) {
  v1::FeedbackResponse r;
  add_choice(r, "overall", i < 11 ? "excellent" : "good");
  add_choice(r, "recommend", i < 12 ? "definitely" : i < 18 ? "perhaps" : "no");
  const bool cat = i < 13;
  add_choice(r, "cat-therapist", cat ? "yes" : "no");
  if (cat) {
    add_choice(r, "relevance-cat", i < 8 ? "extremely" : "some");
  } else {
    add_choice(r, "relevance-non-cat", i < 17 ? "extremely" : i < 19 ? "some" : "not");
  }
  auto* pace = r.add_answers();
  pace->set_question_id("pace");
  pace->set_scale(i < 14 ? 4 : 5);
  if (i % 4 == 0) {
    auto* useful = r.add_answers();
    useful->set_question_id("most-useful");
    useful->set_text("Practising the repair in threes, participant " + std::to_string(i));
  }
  return r;
}

const v1::QuestionTally* find_question(const v1::Tallies& t, const std::string& id) {
  for (const auto& q : t.questions())
    if (q.question_id() == id) return &q;
  return nullptr;
}

std::uint32_t option_count(const v1::Tallies& t, const std::string& question, const std::string& option) {
  const auto* q = find_question(t, question);
  if (q == nullptr) return 0;
  for (const auto& o : q->options())
    if (o.option_id() == option) return o.count();
  return 0;
}

std::size_t member_count(const v1::FacilitatorSnapshot& s) {
  std::size_t n = 0;
  for (const auto& g : s.groups()) n += static_cast<std::size_t>(g.members_size());
  return n;
}

class WorkshopDay : public server_fixture {
protected:
  std::pair<std::shared_ptr<connection>, v1::FacilitatorSnapshot> attach(const v1::CreateWorkshopResponse& w) {
    auto link = open(w.code());
    auto answer = await(link->attach_facilitator(w.facilitator_token()), "attach");
    if (!answer.has_facilitator_snapshot()) throw std::runtime_error("attach refused: " + describe(answer));
    return {link, answer.facilitator_snapshot()};
  }

  /// What a freshly opened dashboard sees now.
  v1::FacilitatorSnapshot fresh_snapshot(const v1::CreateWorkshopResponse& w) {
    auto [link, snapshot] = attach(w);
    link->close();
    return snapshot;
  }

  static v1::ServerMessage ask(connection& link, v1::ClientMessage m, const std::string& what) {
    return await(link.request(std::move(m)), what);
  }

  /// Waits for this participant's Assignment of `round` with a room, and returns it.
  static v1::Assignment assignment_in(const participant& p, std::uint32_t round) {
    auto m = p.link->wait_for_event(
        [round](const v1::ServerMessage& e) {
          return e.has_assignment() && e.assignment().round() == round && !e.assignment().room().empty();
        },
        answer_deadline);
    if (!m) throw std::runtime_error(p.name() + " got no Assignment for round " + std::to_string(round));
    return m->assignment();
  }

};

/// Checks that the groups of a snapshot hold each of `present` exactly once and no one alone.
void expect_everyone_once_and_no_one_alone(const v1::FacilitatorSnapshot& s, const std::set<std::string>& present,
                                           const std::string& when) {
  std::map<std::string, int> seen;
  for (const auto& g : s.groups()) {
    EXPECT_GE(g.members_size(), 2) << when << ": " << g.room() << " leaves someone alone: " << g.ShortDebugString();
    for (const auto& m : g.members()) ++seen[m.participant_id()];
  }
  for (const auto& id : present) EXPECT_EQ(seen[id], 1) << when << ": " << id << " is not in exactly one group";
  EXPECT_EQ(member_count(s), present.size()) << when << ": groups hold someone not present";
}

// ---------------------------------------------------------------------------------------------

TEST_F(WorkshopDay, TwentyParticipantsThreeRoundsFeedbackAndSummary) {
  const auto w = create_workshop(demo_plan_with_short_grace());

  std::vector<participant> people;
  for (int i = 1; i <= 20; ++i) people.push_back(join(w.code(), "Participant " + std::to_string(i)));
  for (const auto& p : people) EXPECT_FALSE(p.snapshot.has_assignment()) << p.name() << " has a room in the lobby";
  auto [facilitator, first_view] = attach(w);
  ASSERT_EQ(first_view.roster().entries_size(), 20) << first_view.roster().ShortDebugString();

  // Round 1 (pairs): 20 present, so ten pairs.
  auto launched = ask(*facilitator, launch("noticing-withdrawal"), "launch round 1");
  ASSERT_TRUE(launched.has_ack()) << describe(launched);
  std::map<std::string, std::vector<std::string>> room_members;  // room -> shown names
  for (const auto& p : people) {
    const auto a = assignment_in(p, 1);
    EXPECT_EQ(a.exercise_id(), "noticing-withdrawal") << p.name();
    EXPECT_EQ(a.partner_names_size(), 1) << p.name() << " in round 1 of 20 people: " << a.ShortDebugString();
    EXPECT_TRUE(a.role_id() == "therapist" || a.role_id() == "client") << p.name() << ": " << a.role_id();
    room_members[a.room()].push_back(p.name());
  }
  EXPECT_EQ(room_members.size(), 10u) << "round 1 of 20 people should have ten rooms";

  // Two late joiners are slotted in at once: their join answer already holds a room.
  for (int i = 21; i <= 22; ++i) {
    people.push_back(join(w.code(), "Late " + std::to_string(i)));
    const auto& late = people.back();
    ASSERT_TRUE(late.snapshot.has_assignment()) << late.name() << " joined during round 1 without a room";
    const auto& a = late.snapshot.assignment();
    EXPECT_EQ(a.round(), 1u) << late.name();
    EXPECT_FALSE(a.room().empty()) << late.name() << ": " << a.ShortDebugString();
    EXPECT_GE(a.partner_names_size(), 1) << late.name() << ": " << a.ShortDebugString();
    EXPECT_LE(a.partner_names_size(), 2) << late.name() << ": " << a.ShortDebugString();
    EXPECT_FALSE(a.role_id().empty()) << late.name() << ": " << a.ShortDebugString();
  }

  // Two people drop while round 1 runs (the grace period only regroups a running round). Pick
  // two in different pairs, so that each leaves a partner who would otherwise sit alone.
  std::map<std::string, std::size_t> index_of;  // participant id -> index in people
  for (std::size_t i = 0; i < people.size(); ++i) index_of[people[i].id()] = i;
  const auto before_drop = fresh_snapshot(w);
  std::vector<std::size_t> dropped, orphans;
  for (const auto& g : before_drop.groups()) {
    if (g.members_size() != 2 || dropped.size() == 2) continue;
    dropped.push_back(index_of.at(g.members(0).participant_id()));
    orphans.push_back(index_of.at(g.members(1).participant_id()));
  }
  ASSERT_EQ(dropped.size(), 2u) << "no two pairs to break: " << before_drop.ShortDebugString();
  for (const auto i : dropped) people[i].link->drop();

  const std::string a_id = people[dropped[0]].id(), b_id = people[dropped[1]].id();
  // The dashboard hears of the roster's changes (both drops together, or one after the other).
  std::map<std::string, v1::Presence> seen;
  auto roster = facilitator->wait_for_event(
      [&](const v1::ServerMessage& m) {
        const auto* entries = roster_entries(m);
        if (entries == nullptr) return false;
        for (const auto& e : *entries) seen[e.participant_id()] = e.presence();
        return seen[a_id] == v1::PRESENCE_DISCONNECTED && seen[b_id] == v1::PRESENCE_DISCONNECTED;
      },
      answer_deadline);
  ASSERT_TRUE(roster.has_value()) << "the facilitator's roster never showed " << a_id << " and " << b_id
                                  << " disconnected";
  EXPECT_EQ(roster_total(*roster), 22) << roster->ShortDebugString();

  // Past the grace period, each left partner is regrouped: a new Assignment naming neither.
  const std::set<std::string> gone_names{people[dropped[0]].name(), people[dropped[1]].name()};
  for (const auto i : orphans) {
    auto regrouped = people[i].link->wait_for_event(
        [&gone_names](const v1::ServerMessage& m) {
          if (!m.has_assignment() || m.assignment().round() != 1 || m.assignment().room().empty()) return false;
          if (m.assignment().partner_names_size() == 0) return false;
          for (const auto& n : m.assignment().partner_names())
            if (gone_names.contains(n)) return false;
          return true;
        },
        regroup_deadline);
    ASSERT_TRUE(regrouped.has_value()) << people[i].name() << " was left alone after the grace period";
  }
  std::set<std::string> present;
  for (std::size_t i = 0; i < people.size(); ++i)
    if (i != dropped[0] && i != dropped[1]) present.insert(people[i].id());
  ASSERT_EQ(present.size(), 20u);
  const auto after_drop = fresh_snapshot(w);
  for (const auto& e : after_drop.roster().entries())
    if (e.participant_id() == a_id || e.participant_id() == b_id) {
      EXPECT_EQ(e.presence(), v1::PRESENCE_DISCONNECTED) << e.ShortDebugString();
    }
  expect_everyone_once_and_no_one_alone(after_drop, present, "round 1 after the grace period");

  ASSERT_TRUE(ask(*facilitator, end_round(), "end round 1").has_ack());

  // Round 2 (the other pairs exercise) with an odd count: one person steps away, 19 remain.
  std::vector<std::size_t> connected;
  for (std::size_t i = 0; i < people.size(); ++i)
    if (present.contains(people[i].id())) connected.push_back(i);
  const std::size_t away = connected.front();
  ASSERT_TRUE(ask(*people[away].link, set_away(true), "step away").has_ack());
  auto second = ask(*facilitator, launch("metacommunication"), "launch round 2");
  ASSERT_TRUE(second.has_ack()) << describe(second);
  const auto round2 = fresh_snapshot(w);
  EXPECT_EQ(round2.round(), 2u);
  EXPECT_EQ(round2.exercise_id(), "metacommunication");
  std::set<std::string> present_but_away = present;
  present_but_away.erase(people[away].id());
  expect_everyone_once_and_no_one_alone(round2, present_but_away, "round 2 with 19 present");
  int triads = 0;
  for (const auto& g : round2.groups()) {
    EXPECT_LE(g.members_size(), 3) << g.ShortDebugString();
    if (g.members_size() != 3) continue;
    ++triads;
    std::multiset<std::string> roles;
    for (const auto& m : g.members()) roles.insert(m.role());
    EXPECT_EQ(roles, (std::multiset<std::string>{"client", "observer", "therapist"})) << g.ShortDebugString();
  }
  EXPECT_EQ(triads, 1) << "19 people in pairs make exactly one triad: " << round2.ShortDebugString();
  int observers = 0;
  for (const auto i : connected) {
    if (i == away) continue;
    const auto a = assignment_in(people[i], 2);
    EXPECT_EQ(a.exercise_id(), "metacommunication") << people[i].name();
    if (a.role_id() == "observer") {
      ++observers;
      EXPECT_EQ(a.partner_names_size(), 2) << people[i].name() << ": " << a.ShortDebugString();
      EXPECT_FALSE(a.checklist().empty()) << "the observer has no checklist: " << a.ShortDebugString();
    }
  }
  EXPECT_EQ(observers, 1) << "exactly one observer in round 2";
  // Back from the break, slotted in at once.
  ASSERT_TRUE(ask(*people[away].link, set_away(false), "come back").has_ack());
  const auto back = assignment_in(people[away], 2);
  EXPECT_GE(back.partner_names_size(), 1) << back.ShortDebugString();
  ASSERT_TRUE(ask(*facilitator, end_round(), "end round 2").has_ack());

  // Round 3 (triads): 20 present make six triads and one pair.
  auto third = ask(*facilitator, launch("observed-repair"), "launch round 3");
  ASSERT_TRUE(third.has_ack()) << describe(third);
  const auto round3 = fresh_snapshot(w);
  EXPECT_EQ(round3.round(), 3u);
  expect_everyone_once_and_no_one_alone(round3, present, "round 3");
  std::map<int, int> sizes;
  for (const auto& g : round3.groups()) ++sizes[g.members_size()];
  EXPECT_EQ(sizes, (std::map<int, int>{{2, 1}, {3, 6}})) << round3.ShortDebugString();
  for (const auto i : connected) {
    const auto a = assignment_in(people[i], 3);
    EXPECT_EQ(a.exercise_id(), "observed-repair") << people[i].name();
    EXPECT_GE(a.partner_names_size(), 1) << people[i].name() << ": " << a.ShortDebugString();
  }
  ASSERT_TRUE(ask(*facilitator, end_round(), "end round 3").has_ack());

  // Feedback from the 20 still connected.
  auto opened = ask(*facilitator, open_feedback(), "open feedback");
  ASSERT_TRUE(opened.has_ack()) << describe(opened);
  ASSERT_EQ(connected.size(), 20u);
  std::vector<std::future<v1::ServerMessage>> sent;
  for (std::size_t n = 0; n < connected.size(); ++n)
    sent.push_back(people[connected[n]].link->submit_feedback("day-form-" + std::to_string(n), day_response(n)));
  for (std::size_t n = 0; n < sent.size(); ++n) {
    auto answer = await(std::move(sent[n]), "submit feedback " + std::to_string(n));
    EXPECT_TRUE(answer.has_ack()) << people[connected[n]].name() << ": " << describe(answer);
  }

  // Released in batches while feedback is open: of 20, all but the newest 3 to 5.
  auto live = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_tallies() && m.tallies().responses() >= 15; }, answer_deadline);
  ASSERT_TRUE(live.has_value()) << "the facilitator never saw Tallies of the first batches";
  EXPECT_LE(live->tallies().responses(), 17u) << "the newest responses were shown before closing";
  v1::ClientMessage close;
  close.mutable_close_workshop();
  ASSERT_TRUE(ask(*facilitator, close, "close").has_ack());
  auto tallies = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_tallies() && m.tallies().responses() == 20; }, answer_deadline);
  ASSERT_TRUE(tallies.has_value()) << "the facilitator never saw Tallies of 20 responses";
  const auto& t = tallies->tallies();
  EXPECT_FALSE(t.hidden()) << t.ShortDebugString();
  const std::vector<std::tuple<std::string, std::string, std::uint32_t>> expected_counts{
      {"overall", "excellent", 11},        {"overall", "good", 9},
      {"overall", "fair", 0},              {"overall", "poor", 0},
      {"recommend", "definitely", 12},     {"recommend", "perhaps", 6},
      {"recommend", "no", 2},              {"cat-therapist", "yes", 13},
      {"cat-therapist", "no", 7},          {"relevance-cat", "extremely", 8},
      {"relevance-cat", "some", 5},        {"relevance-cat", "not", 0},
      {"relevance-non-cat", "extremely", 4}, {"relevance-non-cat", "some", 2},
      {"relevance-non-cat", "not", 1},
  };
  for (const auto& [question, option, count] : expected_counts)
    EXPECT_EQ(option_count(t, question, option), count) << question << "/" << option << " in " << t.ShortDebugString();
  const auto* pace = find_question(t, "pace");
  ASSERT_NE(pace, nullptr) << t.ShortDebugString();
  EXPECT_EQ(pace->answered(), 20u) << pace->ShortDebugString();
  EXPECT_EQ(std::vector<std::uint32_t>(pace->scale().counts().begin(), pace->scale().counts().end()),
            (std::vector<std::uint32_t>{0, 0, 0, 14, 6}))
      << pace->ShortDebugString();

  client::client_error error;
  auto summary = http().export_statistics(w.code(), "summary", w.facilitator_token(), &error);
  ASSERT_TRUE(summary.has_value()) << error.message;
  EXPECT_EQ(*summary,
            "Of the twenty participants: 11 rated the workshop as excellent, 9 as good. "
            "12 would definitely recommend the workshop to a colleague, 6 perhaps, 2 not. "
            "8 rated the workshop as extremely relevant to their CAT work, 5 of some relevance. "
            "And if you are not a CAT therapist: 4 rated the workshop as extremely relevant to their non-CAT "
            "work, 2 of some relevance, 1 not relevant. "
            "20 rated the pace of the day 4.3 out of 5 on average.\n");
}

// ---------------------------------------------------------------------------------------------

TEST_F(WorkshopDay, AcknowledgedFeedbackSurvivesKillsAtSeveralPoints) {
  constexpr std::size_t submitters = 8;
  for (const std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{6}}) {
    SCOPED_TRACE("killed after " + std::to_string(k) + " acknowledged submissions");
    // A fresh data folder for each kill point.
    const auto data = dir_.path() / ("data-after-" + std::to_string(k));
    start({}, data);
    const auto w = create_workshop(read_text(demo_plan_path()));
    std::vector<participant> people;
    for (std::size_t i = 0; i < submitters; ++i) people.push_back(join(w.code(), "Submitter " + std::to_string(i)));
    {
      [[maybe_unused]] auto [facilitator, view] = attach(w);
      auto opened = ask(*facilitator, open_feedback(), "open feedback");
      ASSERT_TRUE(opened.has_ack()) << describe(opened);
      facilitator->close();
    }
    const auto form = [](std::size_t i) { return "kill-form-" + std::to_string(i); };

    for (std::size_t i = 0; i < k; ++i) {
      auto ack = await(people[i].link->submit_feedback(form(i), day_response(i)), "submit " + std::to_string(i));
      ASSERT_TRUE(ack.has_ack()) << "submission " << i << ": " << describe(ack);
    }
    // The next one goes out, and the server dies under it.
    auto in_flight = people[k].link->submit_feedback(form(k), day_response(k));
    server_->kill();
    server_.reset();
    bool in_flight_acked = false;
    ASSERT_EQ(in_flight.wait_for(answer_deadline), std::future_status::ready)
        << "the in-flight submission neither failed nor was answered after the kill";
    try {
      in_flight_acked = in_flight.get().has_ack();
    } catch (const client::client_exception&) {
      in_flight_acked = false;  // lost with the connection: never acknowledged
    }
    const std::size_t acknowledged = k + (in_flight_acked ? 1U : 0U);

    start({}, data);  // the same data folder, a new port
    const auto stored = [&](const std::string& when) {
      client::client_error error;
      auto json = http().export_statistics(w.code(), "json", w.facilitator_token(), &error);
      if (!json) throw std::runtime_error(when + ": statistics export failed: " + error.message);
      v1::RunStatistics stats;
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      const auto parsed = google::protobuf::util::JsonStringToMessage(*json, &stats, options);
      if (!parsed.ok()) throw std::runtime_error(when + ": statistics are not RunStatistics JSON: " + *json);
      return std::size_t{stats.tallies().responses()};
    };
    // While feedback is open the figures show only released batches, so what was stored is read
    // from the figures at closing, after the retries below (which must not add to it).
    std::size_t stored_before_retries = 0;

    // Everyone acknowledged (and the one in flight) resumes and retries with the same id.
    for (std::size_t i = 0; i <= k && i < submitters; ++i) {
      auto link = open(w.code());
      auto resumed = await(link->resume(people[i].snapshot.resume_token()), "resume " + std::to_string(i));
      ASSERT_TRUE(resumed.has_participant_snapshot()) << "submitter " << i << ": " << describe(resumed);
      if (i < acknowledged) {
        EXPECT_TRUE(resumed.participant_snapshot().feedback().submitted())
            << "submitter " << i << " was acknowledged but the snapshot says not submitted: " << describe(resumed);
      }
      if (resumed.participant_snapshot().feedback().submitted()) ++stored_before_retries;
      auto retry = await(link->submit_feedback(form(i), day_response(i)), "retry " + std::to_string(i));
      EXPECT_TRUE(retry.has_ack()) << "retry of submitter " << i << " with the same id: " << describe(retry);
      if (i < acknowledged) {
        auto other = await(link->submit_feedback(form(i) + "-again", day_response(i)), "second form " + std::to_string(i));
        ASSERT_TRUE(other.has_error()) << "submitter " << i << " submitted twice: " << describe(other);
        EXPECT_EQ(other.error().code(), v1::ERROR_CODE_ALREADY_SUBMITTED) << describe(other);
      }
      link->close();
    }
    EXPECT_GE(stored_before_retries, acknowledged) << "an acknowledged submission was lost";
    EXPECT_LE(stored_before_retries, k + 1) << "more responses than were sent";
    {
      [[maybe_unused]] auto [facilitator, view] = attach(w);
      v1::ClientMessage close;
      close.mutable_close_workshop();
      ASSERT_TRUE(ask(*facilitator, close, "close").has_ack());
      facilitator->close();
    }
    EXPECT_EQ(stored("after the retries and closing"), k + 1) << "retries were counted twice or lost";

    for (auto& p : people) p.link->drop();
    const int status = server_->stop();
    EXPECT_EQ(status, 0) << "logs:\n" << server_->logs();
    server_.reset();
  }
}

}  // namespace
}  // namespace dyad::test
