// Writes the fuzz target's seed corpus: inputs (fuzz_input.hpp) holding the frames of a realistic
// workshop day on the target's connections, serialised from dyad.v1.ClientMessage here rather
// than kept as binaries, and a libFuzzer dictionary of the plan's ids and the day's tokens.
// Usage: dyad_frame_corpus OUTPUT_DIR DICTIONARY_FILE

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "dyad/v1/wire.pb.h"
#include "fuzz_input.hpp"
#include "live_workshop.hpp"

namespace {

namespace v1 = dyad::v1;
using dyad::fuzz::action;
using dyad::fuzz::workshop_facts;

constexpr std::size_t facilitator = dyad::fuzz::facilitator_slot;
constexpr std::size_t newcomer = dyad::fuzz::anonymous_slot;
/// The connection of participant p1…p4.
constexpr std::size_t person(std::size_t n) { return n; }

/// One input being written: each request gets the next request id of its connection.
class day {
public:
  day& send(std::size_t slot, const std::function<void(v1::ClientMessage&)>& fill) {
    v1::ClientMessage m;
    m.set_request_id(++next_rid_[slot]);
    fill(m);
    dyad::fuzz::write_step(input_, action::binary_frame, slot, m.SerializeAsString());
    return *this;
  }
  day& text(std::size_t slot, const std::string& bytes) {
    dyad::fuzz::write_step(input_, action::text_frame, slot, bytes);
    return *this;
  }
  day& raw(std::size_t slot, const std::string& bytes) {
    dyad::fuzz::write_step(input_, action::binary_frame, slot, bytes);
    return *this;
  }
  day& cut(std::size_t slot) {
    dyad::fuzz::write_step(input_, action::cut, slot, "");
    next_rid_[slot] = 0;
    return *this;
  }
  day& wait_ms(std::uint32_t ms) {
    std::string le(4, '\0');
    for (std::size_t i = 0; i < 4; ++i) le[i] = static_cast<char>((ms >> (8 * i)) & 0xff);
    dyad::fuzz::write_step(input_, action::advance_clock, 0, le);
    return *this;
  }
  const std::string& bytes() const { return input_; }

private:
  std::string input_;
  std::uint64_t next_rid_[dyad::fuzz::connection_count] = {1, 1, 1, 1, 1, 1};  // 1 was the greeting
};

std::string pid(std::size_t n) { return "p" + std::to_string(n); }

auto preview(const std::string& exercise) {
  return [exercise](v1::ClientMessage& m) { m.mutable_preview_round()->set_exercise_id(exercise); };
}
auto launch(const std::string& exercise) {
  return [exercise](v1::ClientMessage& m) { m.mutable_launch_round()->set_exercise_id(exercise); };
}
/// Two pairs chosen by the facilitator: p1 with p2 in Room 1, p3 with p4 in Room 2.
auto launch_pairs(const std::string& exercise) {
  return [exercise](v1::ClientMessage& m) {
    auto* l = m.mutable_launch_round();
    l->set_exercise_id(exercise);
    for (std::size_t room = 0; room < 2; ++room) {
      auto* g = l->add_groups();
      g->set_room("Room " + std::to_string(room + 1));
      auto* t = g->add_members();
      t->set_participant_id(pid(2 * room + 1));
      t->set_role("therapist");
      auto* c = g->add_members();
      c->set_participant_id(pid(2 * room + 2));
      c->set_role("client");
    }
  };
}
auto clock(v1::ClockAction a, std::int64_t by_ms = 0) {
  return [a, by_ms](v1::ClientMessage& m) {
    m.mutable_control_clock()->set_action(a);
    m.mutable_control_clock()->set_by_ms(by_ms);
  };
}
auto done(std::uint32_t round) {
  return [round](v1::ClientMessage& m) { m.mutable_done()->set_round(round); };
}
auto help(std::uint32_t round, const std::string& note) {
  return [round, note](v1::ClientMessage& m) {
    m.mutable_help()->set_round(round);
    m.mutable_help()->set_note(note);
  };
}
auto withdraw(std::uint32_t round) {
  return [round](v1::ClientMessage& m) { m.mutable_withdraw_help()->set_round(round); };
}
auto handled(const std::string& room, std::uint32_t round) {
  return [room, round](v1::ClientMessage& m) {
    m.mutable_help_handled()->set_room(room);
    m.mutable_help_handled()->set_round(round);
  };
}
auto broadcast(const std::string& text) {
  return [text](v1::ClientMessage& m) { m.mutable_broadcast()->set_text(text); };
}
auto mark_away(const std::string& who, bool away) {
  return [who, away](v1::ClientMessage& m) {
    m.mutable_mark_away()->set_participant_id(who);
    m.mutable_mark_away()->set_away(away);
  };
}
auto set_away(bool away) {
  return [away](v1::ClientMessage& m) { m.mutable_set_away()->set_away(away); };
}
auto join(const std::string& name, const std::string& token = {}) {
  return [name, token](v1::ClientMessage& m) {
    m.mutable_join()->set_display_name(name);
    m.mutable_join()->set_resume_token(token);
  };
}
auto resume(const std::string& token) {
  return [token](v1::ClientMessage& m) { m.mutable_resume()->set_resume_token(token); };
}
auto attach(const std::string& token) {
  return [token](v1::ClientMessage& m) { m.mutable_attach()->set_facilitator_token(token); };
}
auto ping(std::int64_t ms) {
  return [ms](v1::ClientMessage& m) { m.mutable_ping()->set_client_ms(ms); };
}
void end_round(v1::ClientMessage& m) { m.mutable_end_round(); }
void open_feedback(v1::ClientMessage& m) { m.mutable_open_feedback(); }
void close_workshop(v1::ClientMessage& m) { m.mutable_close_workshop(); }
void leave(v1::ClientMessage& m) { m.mutable_leave(); }

/// A whole form as participant n of the day would send it.
auto feedback(std::size_t n, const std::string& submission) {
  return [n, submission](v1::ClientMessage& m) {
    auto* s = m.mutable_submit_feedback();
    s->set_submission_id(submission);
    auto* r = s->mutable_response();
    auto choice = [&](const std::string& q, const std::string& o) {
      auto* a = r->add_answers();
      a->set_question_id(q);
      a->set_option_id(o);
    };
    choice("overall", n % 2 == 0 ? "excellent" : "good");
    choice("recommend", n % 3 == 0 ? "perhaps" : "definitely");
    const bool cat = n % 2 == 1;
    choice("cat-therapist", cat ? "yes" : "no");
    choice(cat ? "relevance-cat" : "relevance-non-cat", n == 4 ? "not" : "extremely");
    auto* pace = r->add_answers();
    pace->set_question_id("pace");
    pace->set_scale(static_cast<std::int32_t>(3 + n % 3));
    if (n % 2 == 0) {
      auto* text = r->add_answers();
      text->set_question_id("most-useful");
      text->set_text("Trying the repair out loud with a partner, then hearing it back.");
    }
  };
}

std::vector<std::pair<std::string, day>> the_days() {
  std::vector<std::pair<std::string, day>> days;
  const std::string first = "noticing-withdrawal", second = "metacommunication", third = "observed-repair";

  // A round from preview to the end, with every request a room makes, then the feedback.
  day whole;
  whole.send(facilitator, preview(first))
      .send(facilitator, launch(first))
      .send(person(1), done(1))
      .send(person(2), help(1, "We are not sure which excerpt to use."))
      .send(facilitator, handled("Room 1", 1))
      .send(person(3), help(1, "Stuck"))
      .send(person(3), withdraw(1))
      .send(facilitator, clock(v1::CLOCK_ACTION_EXTEND, 60'000))
      .send(facilitator, clock(v1::CLOCK_ACTION_PAUSE))
      .send(facilitator, clock(v1::CLOCK_ACTION_RESUME))
      .send(facilitator, clock(v1::CLOCK_ACTION_NEXT_PHASE))
      .send(facilitator, broadcast("Back in the main room at ten past."))
      .send(facilitator, end_round)
      .send(facilitator, open_feedback);
  for (std::size_t n = 1; n <= 4; ++n) whole.send(person(n), feedback(n, "form-" + std::to_string(n)));
  whole.send(facilitator, close_workshop);
  days.emplace_back("whole-day", whole);

  // The facilitator's own pairs, phases run out on the clock, a second exercise.
  day rounds;
  rounds.send(facilitator, launch_pairs(second))
      .wait_ms(5 * 60'000)
      .send(person(2), done(1))
      .wait_ms(20 * 60'000)
      .send(person(4), done(1))
      .send(facilitator, end_round)
      .send(facilitator, preview(third))
      .send(facilitator, launch(third))
      .send(person(1), help(2, "Our observer has gone quiet."))
      .send(facilitator, handled("Room 1", 2))
      .send(facilitator, clock(v1::CLOCK_ACTION_NEXT_PHASE))
      .send(facilitator, clock(v1::CLOCK_ACTION_NEXT_PHASE))
      .send(facilitator, end_round);
  days.emplace_back("two-rounds", rounds);

  // People come and go: a late joiner slotted into the running round, someone away, someone
  // leaving, a dropped page resuming, someone gone past the grace period.
  day churn;
  churn.send(facilitator, launch(first))
      .send(newcomer, join("Dana Late"))
      .send(person(2), set_away(true))
      .send(facilitator, mark_away(pid(3), true))
      .send(facilitator, mark_away(pid(3), false))
      .send(person(2), set_away(false))
      .cut(person(1))
      .send(person(1), resume(workshop_facts::resume_token(0)))
      .cut(person(4))
      .wait_ms(120'000)
      .send(person(3), done(1))
      .send(person(2), leave)
      .wait_ms(1'000)
      .send(facilitator, end_round)
      .send(facilitator, launch(second))
      .send(facilitator, end_round);
  days.emplace_back("people-come-and-go", churn);

  // Feedback sent twice (a retry after a drop is counted once), a second form refused, an
  // incomplete form refused, and a late joiner's form.
  day forms;
  forms.send(facilitator, open_feedback)
      .send(person(1), feedback(1, "form-a"))
      .cut(person(1))
      .send(person(1), resume(workshop_facts::resume_token(0)))
      .send(person(1), feedback(1, "form-a"))
      .send(person(1), feedback(1, "form-b"))
      .send(person(2), [](v1::ClientMessage& m) { m.mutable_submit_feedback()->set_submission_id("empty"); })
      .send(person(2), feedback(2, "form-c"))
      .send(newcomer, join("Eve", "eve-chose-this-token-0123456789"))
      .send(newcomer, feedback(3, "form-d"))
      .send(person(3), feedback(3, "form-e"))
      .send(person(4), feedback(4, "form-f"))
      .send(facilitator, close_workshop)
      .send(person(3), ping(5));
  days.emplace_back("feedback-retries", forms);

  // What the server refuses: greetings twice, wrong tokens, other people's requests, frames that
  // are not requests.
  day refusals;
  refusals.send(newcomer, broadcast("Not yet greeted"))
      .send(newcomer, attach("not-the-facilitators-token"))
      .send(newcomer, resume("unknown-token-unknown-token"))
      .send(newcomer, join("Bad token", "short"))
      .send(newcomer, join("Frank"))
      .send(newcomer, join("Frank again"))
      .send(person(1), launch(first))
      .send(facilitator, done(1))
      .send(facilitator, clock(v1::CLOCK_ACTION_UNSPECIFIED))
      .send(facilitator, launch("no-such-exercise"))
      .send(facilitator, ping(1'700'000'000'000))
      .text(person(2), "hello")
      .raw(person(2), std::string("\x08\x00", 2))
      .raw(person(2), std::string("\x08\x07", 2))
      .raw(person(2), "\xff\xff\xff")
      .send(facilitator, open_feedback)
      .send(facilitator, launch(first));
  days.emplace_back("refusals", refusals);

  // The dashboard reconnects mid-round and the facilitator drives the clock from the new one.
  day dashboard;
  dashboard.send(facilitator, launch_pairs(first))
      .cut(facilitator)
      .send(facilitator, [](v1::ClientMessage& m) { m.mutable_attach()->set_facilitator_token(workshop_facts::facilitator_token); })
      .send(facilitator, clock(v1::CLOCK_ACTION_EXTEND, 120'000))
      .send(facilitator, clock(v1::CLOCK_ACTION_PAUSE))
      .wait_ms(30'000)
      .send(facilitator, clock(v1::CLOCK_ACTION_RESUME))
      .send(person(1), help(1, "help"))
      .send(person(2), help(1, "help too"))
      .send(facilitator, end_round)
      .send(facilitator, broadcast(""))
      .send(facilitator, preview(second));
  days.emplace_back("dashboard-reconnects", dashboard);
  return days;
}

void dictionary_entry(std::ofstream& out, const std::string& word) {
  out << '"';
  for (const char c : word) {
    const auto ch = static_cast<unsigned char>(c);
    if (ch == '"' || ch == '\\' || ch < 0x20 || ch > 0x7e) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", ch);
      out << hex;
    } else {
      out << ch;
    }
  }
  out << "\"\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: dyad_frame_corpus OUTPUT_DIR DICTIONARY_FILE\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  for (const auto& [name, d] : the_days()) {
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out << d.bytes();
    if (!out) {
      std::cerr << "cannot write " << (dir / name) << "\n";
      return 1;
    }
  }
  std::ofstream dict(argv[2], std::ios::trunc);
  const std::set<std::string> words{
      "noticing-withdrawal", "metacommunication", "observed-repair", "therapist", "client", "observer",
      "Room 1", "Room 2", "Room 3", "p1", "p2", "p3", "p4", "p5", "overall", "recommend", "cat-therapist",
      "relevance-cat", "relevance-non-cat", "pace", "most-useful", "change", "excellent", "good", "fair", "poor",
      "definitely", "perhaps", "no", "yes", "extremely", "some", "not", workshop_facts::facilitator_token,
      workshop_facts::resume_token(0), workshop_facts::resume_token(1), workshop_facts::resume_token(2),
      workshop_facts::resume_token(3)};
  for (const auto& w : words) dictionary_entry(dict, w);
  std::cout << "dyad_frame_corpus: wrote " << the_days().size() << " inputs to " << dir.string() << " and "
            << words.size() << " words to " << argv[2] << "\n";
  return dict ? 0 : 1;
}
