// The server under abuse it must survive, as a separate process on an ephemeral port and a fresh
// data folder, driven through the client library:
//   - SIGKILL at a random moment of a feedback burst, then a restart on the same data folder:
//     every acknowledged submission is counted, none twice, and the store passes SQLite's
//     integrity check;
//   - participants' connections cut at random during rounds: each resumes with their token into
//     the same group, and the stored log holds each acknowledged action once and replays to what
//     the live server reports.
// Randomness comes from one seed, printed first, so that a failure replays: set
// DYAD_ROBUSTNESS_SEED to it. DYAD_KILL_MOMENTS and DYAD_CUT_ROUNDS say how much to do (the test
// command does a few; deploy/robustness.sh --long does 50 moments).

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/workshop.hpp"
#include "dyad/v1/feedback.pb.h"
#include "net/public_url.hpp"
#include "net/demo_forms.hpp"
#include "net/server_fixture.hpp"
#include "net/store_integrity.hpp"
#include "net/workshop_views.hpp"
#include "store/sqlite_event_log.hpp"

namespace dyad::test {
namespace {

using namespace std::chrono_literals;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoull(v) : fallback;
}

/// The run's seed: DYAD_ROBUSTNESS_SEED, or a fresh one; printed so that a failure replays.
std::uint64_t the_seed(const char* test) {
  const auto seed = env_number("DYAD_ROBUSTNESS_SEED", std::random_device{}());
  std::cout << test << ": seed " << seed << " (replay with DYAD_ROBUSTNESS_SEED=" << seed << ")" << std::endl;
  return seed;
}

std::string demo_plan() { return read_text(std::string(DYAD_SOURCE_DIR) + "/deploy/demo/ruptures-one-day.textproto"); }

class Robustness : public server_fixture {
protected:
  void SetUp() override {}  // each test starts its own servers

  std::filesystem::path store_file(const std::filesystem::path& data) const { return data / "dyad.sqlite"; }

  /// The responses stored, from the statistics export (all of them once the workshop is closed).
  std::size_t responses(const v1::CreateWorkshopResponse& w) {
    client::client_error error;
    auto json = http().export_statistics(w.code(), "json", w.facilitator_token(), &error);
    if (!json) throw std::runtime_error("statistics export failed: " + error.message);
    v1::RunStatistics stats;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (!google::protobuf::util::JsonStringToMessage(*json, &stats, options).ok())
      throw std::runtime_error("statistics are not RunStatistics JSON: " + *json);
    return std::size_t{stats.tallies().responses()};
  }
};

// ---------------------------------------------------------------------------------------------

TEST_F(Robustness, AcknowledgedFeedbackSurvivesSigkillAtRandomMomentsOfABurst) {
  const auto seed = the_seed("SIGKILL during a feedback burst");
  const auto moments = env_number("DYAD_KILL_MOMENTS", 10);
  constexpr std::size_t people_count = 24;
  std::mt19937_64 rng(seed);
  std::size_t acked_total = 0, stored_unacked_total = 0;

  for (std::uint64_t moment = 0; moment < moments; ++moment) {
    // The moment: after this many acknowledgements have arrived, plus up to 400 µs.
    const auto after_acks = std::uniform_int_distribution<std::size_t>(0, people_count - 1)(rng);
    const auto jitter = std::chrono::microseconds(std::uniform_int_distribution<int>(0, 400)(rng));
    SCOPED_TRACE("moment " + std::to_string(moment) + ": killed after " + std::to_string(after_acks) +
                 " acknowledgements + " + std::to_string(jitter.count()) + " µs (seed " + std::to_string(seed) + ")");
    const auto data = dir_.path() / ("kill-" + std::to_string(moment));
    start({}, data);
    const auto w = create_workshop(demo_plan());
    std::vector<participant> people;
    for (std::size_t i = 0; i < people_count; ++i) people.push_back(join(w.code(), "Person " + std::to_string(i)));
    {
      auto facilitator = attach(w);
      auto opened = ask(*facilitator, open_feedback());
      ASSERT_TRUE(opened.has_ack()) << describe(opened);
      facilitator->close();
    }
    const auto submission = [&](std::size_t i) { return "burst-" + std::to_string(moment) + "-" + std::to_string(i); };

    // Everyone at once.
    std::vector<std::future<v1::ServerMessage>> sent;
    for (std::size_t i = 0; i < people_count; ++i) sent.push_back(people[i].link->submit_feedback(submission(i), demo_form(i)));
    const auto until = std::chrono::steady_clock::now() + answer_deadline;
    for (;;) {
      const auto ready = static_cast<std::size_t>(std::count_if(
          sent.begin(), sent.end(), [](auto& f) { return f.wait_for(0s) == std::future_status::ready; }));
      if (ready >= after_acks) break;
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "only " << ready << " answers to the burst arrived";
      std::this_thread::yield();
    }
    std::this_thread::sleep_for(jitter);
    server_->kill();
    server_.reset();

    std::vector<bool> acked(people_count, false);
    for (std::size_t i = 0; i < people_count; ++i) {
      ASSERT_EQ(sent[i].wait_for(answer_deadline), std::future_status::ready) << "submission " << i << " was never settled";
      try {
        const auto answer = sent[i].get();
        acked[i] = answer.has_ack();
        EXPECT_TRUE(answer.has_ack()) << "submission " << i << " was refused: " << describe(answer);
      } catch (const client::client_exception&) {
        // Lost with the connection: never acknowledged.
      }
    }
    const auto acked_count = static_cast<std::size_t>(std::count(acked.begin(), acked.end(), true));
    acked_total += acked_count;

    start({}, data);
    // Every page resumes: an acknowledged submission is stored; then each sends its form again
    // with the same id, as a page does with an answer it is unsure of, which must count once.
    std::size_t stored_before_retries = 0;
    for (std::size_t i = 0; i < people_count; ++i) {
      auto link = open(w.code());
      auto resumed = await(link->resume(people[i].snapshot.resume_token()), "resume " + std::to_string(i));
      ASSERT_TRUE(resumed.has_participant_snapshot()) << "person " << i << ": " << describe(resumed);
      const bool stored = resumed.participant_snapshot().feedback().submitted();
      EXPECT_TRUE(stored || !acked[i]) << "person " << i << "'s acknowledged submission was lost";
      if (stored) ++stored_before_retries;
      auto retry = await(link->submit_feedback(submission(i), demo_form(i)), "retry " + std::to_string(i));
      EXPECT_TRUE(retry.has_ack()) << "person " << i << "'s retry: " << describe(retry);
      link->close();
    }
    stored_unacked_total += stored_before_retries - std::min(stored_before_retries, acked_count);
    {
      auto facilitator = attach(w);
      ASSERT_TRUE(ask(*facilitator, close_workshop()).has_ack());
      facilitator->close();
    }
    EXPECT_EQ(responses(w), people_count) << "after the retries each person's form is counted exactly once ("
                                         << acked_count << " acknowledged before the kill, " << stored_before_retries
                                         << " stored)";
    for (auto& p : people) p.link->drop();
    stop_cleanly();
    EXPECT_EQ(integrity_of(store_file(data)), "ok");
    std::cout << "moment " << moment << ": killed after " << after_acks << " answers + " << jitter.count() << " µs; "
              << acked_count << " acknowledged, " << stored_before_retries << " stored before the retries, "
              << people_count << " counted after them; integrity ok" << std::endl;
  }
  std::cout << "SIGKILL during a feedback burst: " << moments << " moments, " << acked_total
            << " acknowledged submissions all kept, " << stored_unacked_total
            << " stored but unacknowledged (counted once after their retry), seed " << seed << std::endl;
}

// ---------------------------------------------------------------------------------------------

/// Each participant's room in the current round, from a facilitator's snapshot.
std::map<std::string, std::string> rooms_of(const v1::FacilitatorSnapshot& s) {
  std::map<std::string, std::string> rooms;
  for (const auto& g : s.groups())
    for (const auto& m : g.members()) rooms[m.participant_id()] = g.room();
  return rooms;
}

/// What the live server and a replay of the log must agree on (the plan, the links and the
/// clock's reading aside).
v1::FacilitatorSnapshot comparable(v1::FacilitatorSnapshot s) {
  s.clear_plan();
  s.clear_phase();
  s.clear_join_url();
  s.clear_join_url_local_only();
  return s;
}

TEST_F(Robustness, CutConnectionsResumeIntoTheirGroupsAndTheLogHoldsEachActionOnce) {
  const auto seed = the_seed("connections cut during rounds");
  const auto rounds = env_number("DYAD_CUT_ROUNDS", 4);
  constexpr std::size_t people_count = 12;
  std::mt19937_64 rng(seed);
  const auto data = dir_.path() / "data";
  start({}, data);
  const auto w = create_workshop(demo_plan());
  auto facilitator = attach(w);
  std::vector<participant> people;
  for (std::size_t i = 0; i < people_count; ++i) people.push_back(join(w.code(), "Person " + std::to_string(i)));
  const std::vector<std::string> exercises{"noticing-withdrawal", "metacommunication", "observed-repair"};

  // Every acknowledged action, and every one cut off before its answer: (round, who, note).
  std::set<std::tuple<std::uint32_t, std::string, std::string>> acked_help, unsure_help;
  // "We're done" is the room's: (round, room) of every acknowledged or unanswered press.
  std::set<std::pair<std::uint32_t, std::string>> acked_done, unsure_done;
  std::size_t cuts = 0, in_flight_cuts = 0;

  // What a dashboard opened now is shown (every request before it has been answered).
  const auto snapshot = [&] {
    auto link = open(w.code());
    auto s = await(link->attach_facilitator(w.facilitator_token()), "attach");
    link->close();
    if (!s.has_facilitator_snapshot()) throw std::runtime_error("attach refused: " + describe(s));
    return s.facilitator_snapshot();
  };

  for (std::uint32_t round = 1; round <= rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round) + " (seed " + std::to_string(seed) + ")");
    auto launched = ask(*facilitator, launch(exercises[(round - 1) % exercises.size()]));
    ASSERT_TRUE(launched.has_ack()) << describe(launched);
    const auto groups_at_launch = rooms_of(snapshot());
    ASSERT_EQ(groups_at_launch.size(), people_count) << "not everyone is in a group";

    std::set<std::string> done_this_round;
    const auto room_of = [&](const participant& who) { return std::pair{round, groups_at_launch.at(who.id())}; };
    for (std::size_t step = 0; step < 4 * people_count; ++step) {
      const auto i = std::uniform_int_distribution<std::size_t>(0, people_count - 1)(rng);
      auto& p = people[i];
      const auto what = std::uniform_int_distribution<int>(0, 5)(rng);
      const std::string note = "r" + std::to_string(round) + " step " + std::to_string(step) + " from " + p.id();
      v1::ClientMessage m;
      const bool done = what == 0 && !done_this_round.contains(p.id());
      if (done) {
        m.mutable_done()->set_round(round);
      } else {
        m.mutable_help()->set_round(round);
        m.mutable_help()->set_note(note);
      }
      if (what >= 3) {
        // Cut: with what == 5 the request goes out and the socket is cut under it, unanswered.
        ++cuts;
        if (what == 5) {
          ++in_flight_cuts;
          auto unanswered = p.link->request(m);
          p.link->drop();
          if (done) {
            unsure_done.insert(room_of(p));
            done_this_round.insert(p.id());
          } else {
            unsure_help.insert({round, p.id(), note});
          }
          try {
            const auto answer = await(std::move(unanswered), "a request cut under it");
            if (answer.has_ack()) {
              if (done) acked_done.insert(room_of(p));
              else acked_help.insert({round, p.id(), note});
            }
          } catch (const client::client_exception&) {
          }
        } else {
          p.link->drop();
        }
        p.link = open(w.code());
        auto resumed = await(p.link->resume(p.snapshot.resume_token()), "resume of " + p.id());
        ASSERT_TRUE(resumed.has_participant_snapshot()) << p.id() << ": " << describe(resumed);
        const auto& card = resumed.participant_snapshot().assignment();
        EXPECT_EQ(card.round(), round) << p.id() << " resumed outside the round: " << describe(resumed);
        EXPECT_EQ(card.room(), groups_at_launch.at(p.id())) << p.id() << " resumed into another room: " << describe(resumed);
        continue;
      }
      const auto answer = ask(*p.link, m);
      if (!answer.has_ack()) continue;  // e.g. help while the room's request is open: refused, stored nowhere
      if (done) {
        acked_done.insert(room_of(p));
        done_this_round.insert(p.id());
      } else {
        acked_help.insert({round, p.id(), note});
      }
    }

    // Everyone is present again, in the group they were given.
    const auto now = snapshot();
    EXPECT_EQ(rooms_of(now), groups_at_launch) << "the groups changed after the cuts";
    for (const auto& e : now.roster().entries())
      EXPECT_EQ(e.presence(), v1::PRESENCE_PRESENT) << e.participant_id() << " is not present after resuming";
    ASSERT_TRUE(ask(*facilitator, [] {
                  v1::ClientMessage m;
                  m.mutable_end_round();
                  return m;
                }()).has_ack());
  }

  // The log, read beside the running server, replays to what the server reports, and holds each
  // acknowledged action once and each unanswered one at most once.
  const auto live = snapshot();
  auto log = store::sqlite_event_log::open_read_only(store_file(data));
  ASSERT_TRUE(log.ok()) << log.err().message;
  auto events = (*log)->load(w.code());
  ASSERT_TRUE(events.ok()) << events.err().message;
  core::manual_clock clock;
  auto replayed = core::workshop::replay(clock, *events, 1);
  ASSERT_TRUE(replayed.ok()) << replayed.err().message;
  net::public_links links;
  EXPECT_EQ(comparable(net::facilitator_snapshot(*replayed, links)).ShortDebugString(), comparable(live).ShortDebugString())
      << "the replayed log differs from what the live server reports";

  std::map<std::tuple<std::uint32_t, std::string, std::string>, int> help_stored;
  std::map<std::pair<std::uint32_t, std::string>, int> done_stored;
  for (const auto& e : *events) {
    if (!e.has_room_status()) continue;
    const auto& r = e.room_status();
    if (r.change() == v1::ROOM_STATUS_CHANGE_HELP_REQUESTED) ++help_stored[{r.round(), r.participant_id(), r.note()}];
    if (r.change() == v1::ROOM_STATUS_CHANGE_DONE) ++done_stored[{r.round(), r.room()}];
  }
  for (const auto& h : acked_help)
    EXPECT_EQ(help_stored[h], 1) << "acknowledged help request '" << std::get<2>(h) << "' is stored " << help_stored[h] << " times";
  for (const auto& [h, n] : help_stored) {
    EXPECT_EQ(n, 1) << "help request '" << std::get<2>(h) << "' is stored " << n << " times";
    EXPECT_TRUE(acked_help.contains(h) || unsure_help.contains(h)) << "help request '" << std::get<2>(h) << "' was never sent";
  }
  for (const auto& d : acked_done) EXPECT_EQ(done_stored[d], 1) << "acknowledged done of " << d.second << " in round " << d.first;
  for (const auto& [d, n] : done_stored) {
    EXPECT_EQ(n, 1) << d.second << "'s done in round " << d.first << " is stored " << n << " times";
    EXPECT_TRUE(acked_done.contains(d) || unsure_done.contains(d)) << "nobody in " << d.second << " pressed done in round " << d.first;
  }
  std::cout << "connections cut during rounds: " << rounds << " rounds of " << people_count << " people, " << cuts
            << " cuts (" << in_flight_cuts << " under a request), " << acked_help.size() << " help requests and "
            << acked_done.size() << " rooms' dones acknowledged, each stored once; the replay equals the live server; seed "
            << seed << std::endl;
  for (auto& p : people) p.link->drop();
  facilitator->close();
  stop_cleanly();
  EXPECT_EQ(integrity_of(store_file(data)), "ok");
}

}  // namespace
}  // namespace dyad::test
