// One realistic workshop day after another against a running dyad-server, for the soak script
// (deploy/soak.sh): a workshop from the demo plan, a dashboard, participants joining on their own
// connections, three rounds with "we're done", help asked and withdrawn, the clock extended and
// moved on, a page cut and resumed, then feedback from everyone and closing. Every request must be
// answered as a day expects; anything else stops the loop with the reason. Every page comes from
// 127.0.0.1, so the days are paced under the server's per-address limit on WebSocket upgrades
// (10 a second): a venue behind one address does not open hundreds of pages a minute for hours.
// Usage: dyad_soak_day http://HOST:PORT ADMIN_TOKEN PLAN SECONDS [PARTICIPANTS]

#include <chrono>
#include <cstdint>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dyad/v1/feedback.pb.h"
#include "dyad_client.hpp"
#include "net/demo_forms.hpp"

namespace {

namespace v1 = dyad::v1;
using dyad::client::connection;
using namespace std::chrono_literals;

template <class T>
T await(std::future<T> f, const std::string& what) {
  if (f.wait_for(10s) != std::future_status::ready) throw std::runtime_error("no answer in time to " + what);
  return f.get();
}

v1::ServerMessage must_ack(connection& link, v1::ClientMessage m, const std::string& what) {
  auto answer = await(link.request(std::move(m)), what);
  if (!answer.has_ack()) throw std::runtime_error(what + " refused: " + answer.ShortDebugString());
  return answer;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

v1::FeedbackResponse form_of(std::size_t i) {
  auto r = dyad::test::demo_form(i);
  auto* text = r.add_answers();
  text->set_question_id("most-useful");
  text->set_text("Practising the repair with a partner, day form " + std::to_string(i));
  return r;
}

/// WebSocket upgrades a second the days stay under (the server allows one address 10).
constexpr double upgrades_per_second = 8;

/// Opens a day makes; returns how many pages it opened.
std::size_t one_day(dyad::client::client_runtime& runtime, const dyad::client::server_address& server, const std::string& admin_token,
             const std::string& plan, std::size_t participants, std::uint64_t day) {
  dyad::client::http_api http(server);
  dyad::client::client_error error;
  auto w = http.create_workshop(plan, false, admin_token, &error);
  if (!w) throw std::runtime_error("create_workshop failed: " + error.message);
  auto dashboard = await(connection::open(runtime, server, w->code()), "open the dashboard");
  auto attached = await(dashboard->attach_facilitator(w->facilitator_token()), "attach");
  if (!attached.has_facilitator_snapshot()) throw std::runtime_error("attach refused: " + attached.ShortDebugString());

  struct person {
    std::shared_ptr<connection> link;
    std::string token;
  };
  std::vector<person> people;
  for (std::size_t i = 0; i < participants; ++i) {
    auto link = await(connection::open(runtime, server, w->code()), "open a page");
    auto joined = await(link->join("Person " + std::to_string(i)), "join");
    if (!joined.has_participant_snapshot()) throw std::runtime_error("join refused: " + joined.ShortDebugString());
    people.push_back({link, joined.participant_snapshot().resume_token()});
  }
  const std::vector<std::string> exercises{"noticing-withdrawal", "metacommunication", "observed-repair"};
  for (std::uint32_t round = 1; round <= 3; ++round) {
    v1::ClientMessage launch;
    launch.mutable_launch_round()->set_exercise_id(exercises[round - 1]);
    must_ack(*dashboard, launch, "launch");
    v1::ClientMessage extend;
    extend.mutable_control_clock()->set_action(v1::CLOCK_ACTION_EXTEND);
    extend.mutable_control_clock()->set_by_ms(60'000);
    must_ack(*dashboard, extend, "extend");
    // Someone asks for help and withdraws it; a page drops and resumes; everyone is done.
    v1::ClientMessage help;
    help.mutable_help()->set_round(round);
    help.mutable_help()->set_note("Which excerpt do we use?");
    must_ack(*people[0].link, help, "help");
    v1::ClientMessage withdraw;
    withdraw.mutable_withdraw_help()->set_round(round);
    must_ack(*people[0].link, withdraw, "withdraw help");
    auto& cut = people[(day + round) % people.size()];
    cut.link->drop();
    cut.link = await(connection::open(runtime, server, w->code()), "reopen a page");
    auto resumed = await(cut.link->resume(cut.token), "resume");
    if (!resumed.has_participant_snapshot()) throw std::runtime_error("resume refused: " + resumed.ShortDebugString());
    v1::ClientMessage next;
    next.mutable_control_clock()->set_action(v1::CLOCK_ACTION_NEXT_PHASE);
    must_ack(*dashboard, next, "next phase");
    for (auto& p : people) {
      v1::ClientMessage done;
      done.mutable_done()->set_round(round);
      (void)await(p.link->request(done), "done");  // a room already done answers too
    }
    v1::ClientMessage end;
    end.mutable_end_round();
    must_ack(*dashboard, end, "end the round");
  }
  v1::ClientMessage broadcast;
  broadcast.mutable_broadcast()->set_text("Thank you all; the form is open now.");
  must_ack(*dashboard, broadcast, "broadcast");
  v1::ClientMessage open;
  open.mutable_open_feedback();
  must_ack(*dashboard, open, "open feedback");
  std::vector<std::future<v1::ServerMessage>> forms;
  for (std::size_t i = 0; i < people.size(); ++i)
    forms.push_back(people[i].link->submit_feedback("soak-" + std::to_string(day) + "-" + std::to_string(i), form_of(i)));
  for (auto& f : forms) {
    auto answer = await(std::move(f), "feedback");
    if (!answer.has_ack()) throw std::runtime_error("feedback refused: " + answer.ShortDebugString());
  }
  v1::ClientMessage close;
  close.mutable_close_workshop();
  must_ack(*dashboard, close, "close");
  auto summary = http.export_statistics(w->code(), "summary", w->facilitator_token(), &error);
  if (!summary) throw std::runtime_error("summary export failed: " + error.message);
  for (auto& p : people) p.link->close();
  dashboard->close();
  return 1 + participants + 3;  // the dashboard, every page, a page reopened per round
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: dyad_soak_day http://HOST:PORT ADMIN_TOKEN PLAN SECONDS [PARTICIPANTS]\n";
    return 2;
  }
  std::string problem;
  auto server = dyad::client::parse_server_url(argv[1], &problem);
  if (!server) {
    std::cerr << "dyad_soak_day: " << problem << "\n";
    return 2;
  }
  const std::string admin_token = argv[2];
  const auto plan = read_file(argv[3]);
  const auto seconds = std::stoll(argv[4]);
  const std::size_t participants = argc > 5 ? std::stoul(argv[5]) : 16;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  dyad::client::client_runtime runtime(2);
  std::uint64_t days = 0;
  const auto started = std::chrono::steady_clock::now();
  try {
    while (std::chrono::steady_clock::now() < until) {
      const auto day_started = std::chrono::steady_clock::now();
      const auto opened = one_day(runtime, *server, admin_token, plan, participants, days++);
      std::this_thread::sleep_until(day_started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(static_cast<double>(opened) / upgrades_per_second)));
    }
  } catch (const std::exception& e) {
    std::cerr << "dyad_soak_day: day " << days << " failed: " << e.what() << "\n";
    return 1;
  }
  const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "dyad_soak_day: " << days << " days of " << participants << " participants in " << took << " s\n";
  return 0;
}
