// The `dyad` command line (create, simulate, export) run as separate processes against the real
// dyad-server on an ephemeral port, with the test as the facilitator; and the coalescing of the
// facilitator's Tallies under a burst of submissions.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_runner.hpp"
#include "dyad_client.hpp"
#include "net/net_test_support.hpp"
#include "net/server_process.hpp"

namespace dyad::test {
namespace {

namespace v1 = dyad::v1;
using namespace std::chrono_literals;
using client::connection;

std::string shown(const cli_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

/// `dyad ARGS…` started in the background, its output going to files; killed if still running
/// when destroyed.
class background_dyad {
public:
  background_dyad(const std::vector<std::string>& args, const std::filesystem::path& dir)
      : out_path_(dir / "simulate.out"), err_path_(dir / "simulate.err") {
    std::vector<std::string> argv_strings{DYAD_CLI};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out = out_path_.string();
    const std::string err = err_path_.string();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (o < 0 || e < 0) _exit(126);
      dup2(o, STDOUT_FILENO);
      dup2(e, STDERR_FILENO);
      close(o);
      close(e);
      execv(argv[0], argv.data());
      _exit(127);
    }
    const pid_t pid = pid_;
    exit_ = std::async(std::launch::async, [pid] {
      int status = 0;
      while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
      }
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    });
  }
  ~background_dyad() {
    if (exit_.valid() && exit_.wait_for(0s) != std::future_status::ready) {
      ::kill(pid_, SIGKILL);
      exit_.wait();
    }
  }
  background_dyad(const background_dyad&) = delete;
  background_dyad& operator=(const background_dyad&) = delete;

  /// The exit status, or nothing if it is still running after `timeout` (then it is killed).
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout) {
    if (exit_.wait_for(timeout) != std::future_status::ready) {
      ::kill(pid_, SIGKILL);
      exit_.wait();
      exit_ = {};
      return std::nullopt;
    }
    return exit_.get();
  }

  std::string output() const { return "stdout:\n" + read_text(out_path_) + "\nstderr:\n" + read_text(err_path_); }

  /// Whether `text` appears in its standard output within `timeout`, read as it is written.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_text(out_path_).find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(20ms);  // polling a file: the next look, not a guess at when
    }
    return true;
  }

private:
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
  pid_t pid_ = -1;
  std::future<int> exit_;
};

class CliAgainstServer : public ::testing::Test {
protected:
  void SetUp() override {
    server_ = std::make_unique<server_process>(dir_.path() / "data");
    address_.port = server_->port();
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) {
      EXPECT_EQ(server_->stop(), 0) << "dyad-server did not exit 0 on SIGTERM; logs:\n" << server_->logs();
    }
  }

  std::shared_ptr<connection> open(const std::string& code) {
    return await(connection::open(runtime_, address_, code), "open");
  }

  static v1::ServerMessage ask(connection& link, v1::ClientMessage m, const std::string& what) {
    return await(link.request(std::move(m)), what);
  }

  temp_dir dir_;
  std::unique_ptr<server_process> server_;
  client::server_address address_;
  std::string url_;
  client::client_runtime runtime_{2};
};

std::uint32_t option_count(const v1::Tallies& t, const std::string& question, const std::string& option) {
  for (const auto& q : t.questions()) {
    if (q.question_id() != question) continue;
    for (const auto& o : q.options())
      if (o.option_id() == option) return o.count();
  }
  return 0;
}

TEST_F(CliAgainstServer, CreateSimulateAndExport) {
  constexpr int participants = 4;
  const std::string plan = std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.textproto";

  // Create: the code and both links.
  const auto created = run_dyad({"create", plan, "--server", url_, "--admin-token", server_process::admin_token});
  ASSERT_EQ(created.exit_code, 0) << shown(created);
  std::smatch code_match;
  ASSERT_TRUE(std::regex_search(created.out, code_match, std::regex(R"(Workshop ([A-Z0-9]{4}-[A-Z0-9]{4}) created\.)")))
      << shown(created);
  const std::string code = code_match[1];
  std::smatch token_match;
  ASSERT_TRUE(std::regex_search(created.out, token_match,
                                std::regex("Facilitator \\(keep private\\): " + url_ + "/f/" + code + "#t=([0-9a-zA-Z]+)")))
      << shown(created);
  const std::string token = token_match[1];
  EXPECT_NE(created.out.find("Participants:               " + url_ + "/j/" + code + "\n"), std::string::npos)
      << shown(created);

  // Simulate: four participants who all rate the morning excellent.
  background_dyad simulate({"simulate", code, "--server", url_, "--participants", std::to_string(participants),
                            "--answer", "overall=excellent:1,good:0,fair:0,poor:0", "--seed", "7"},
                           dir_.path());

  auto facilitator = open(code);
  const auto attached = await(facilitator->attach_facilitator(token), "attach");
  ASSERT_TRUE(attached.has_facilitator_snapshot()) << describe(attached);
  if (attached.facilitator_snapshot().roster().entries_size() < participants) {
    const auto roster = facilitator->wait_for_event(
        [](const v1::ServerMessage& m) { return roster_total(m) >= participants; },
        answer_deadline);
    ASSERT_TRUE(roster.has_value()) << "the roster never showed " << participants << " participants; simulate:\n"
                                    << simulate.output();
    EXPECT_EQ(roster_total(*roster), participants) << describe(*roster);
  }

  v1::ClientMessage open_feedback;
  open_feedback.mutable_open_feedback();
  const auto opened = ask(*facilitator, open_feedback, "open feedback");
  ASSERT_TRUE(opened.has_ack()) << describe(opened);
  // Four are fewer than a release needs: the facilitator sees them when the workshop closes.
  ASSERT_TRUE(simulate.wait_for_output("4 of 4 so far", answer_deadline)) << simulate.output();

  v1::ClientMessage close;
  close.mutable_close_workshop();
  const auto closed = ask(*facilitator, close, "close the workshop");
  ASSERT_TRUE(closed.has_ack()) << describe(closed);
  const auto tallies = facilitator->wait_for_event(
      [](const v1::ServerMessage& m) { return m.has_tallies() && m.tallies().responses() == participants; },
      answer_deadline);
  ASSERT_TRUE(tallies.has_value()) << "the facilitator never saw " << participants << " responses; simulate:\n"
                                   << simulate.output();
  EXPECT_EQ(option_count(tallies->tallies(), "overall", "excellent"), 4u) << describe(*tallies);

  const auto exit_code = simulate.wait_for_exit(answer_deadline);
  ASSERT_TRUE(exit_code.has_value()) << "dyad simulate did not exit after the workshop closed:\n" << simulate.output();
  EXPECT_EQ(*exit_code, 0) << simulate.output();
  EXPECT_NE(simulate.output().find("simulate: 4 of 4 joined, 4 submitted feedback"), std::string::npos)
      << simulate.output();

  // Export: the summary sentence from the plan's phrases, and the CSV's counts.
  const auto summary = run_dyad({"export", code, "--server", url_, "--token", token, "--format", "summary"});
  ASSERT_EQ(summary.exit_code, 0) << shown(summary);
  EXPECT_EQ(summary.out, "Of the four participants: 4 rated the morning as excellent.\n") << shown(summary);

  const auto csv = run_dyad({"export", code, "--server", url_, "--token", token, "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << shown(csv);
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "question_id,question,answered,option_id,option,count,percent")
      << shown(csv);
  const std::string head = "overall,How would you rate the morning overall?,4,";
  EXPECT_NE(csv.out.find(head + "excellent,Excellent,4,100\n"), std::string::npos) << shown(csv);
  for (const char* other : {"good,Good,0,0\n", "fair,Fair,0,0\n", "poor,Poor,0,0\n"})
    EXPECT_NE(csv.out.find(head + other), std::string::npos) << other << " in " << shown(csv);

  // The organiser's view of every run: this server holds one run of the series.
  const auto series = run_dyad({"export", code, "--server", url_, "--token", token, "--format", "csv", "--series"});
  ASSERT_EQ(series.exit_code, 0) << shown(series);
  EXPECT_EQ(series.out.substr(0, series.out.find('\n')), "run,date,question_id,question,answered,option_id,option,count,percent")
      << shown(series);
  EXPECT_NE(series.out.find(code + ","), std::string::npos) << shown(series);
  EXPECT_NE(series.out.find("all runs,," + head + "excellent,Excellent,4,100\n"), std::string::npos) << shown(series);
}

class Tallies : public CliAgainstServer {};

TEST_F(Tallies, ABurstOfSubmissionsIsCoalesced) {
  constexpr std::uint32_t participants = 12;
  constexpr int max_tallies_events = 8;
  client::client_error error;
  const auto w = client::http_api(address_).create_workshop(valid_plan(), false, server_process::admin_token, &error);
  ASSERT_TRUE(w.has_value()) << error.message;

  std::vector<std::shared_ptr<connection>> people;
  for (std::uint32_t i = 0; i < participants; ++i) {
    auto link = open(w->code());
    const auto joined = await(link->join("Burst " + std::to_string(i)), "join");
    ASSERT_TRUE(joined.has_participant_snapshot()) << describe(joined);
    people.push_back(std::move(link));
  }
  auto facilitator = open(w->code());
  const auto attached = await(facilitator->attach_facilitator(w->facilitator_token()), "attach");
  ASSERT_TRUE(attached.has_facilitator_snapshot()) << describe(attached);

  v1::ClientMessage open_feedback;
  open_feedback.mutable_open_feedback();
  const auto opened = ask(*facilitator, open_feedback, "open feedback");
  ASSERT_TRUE(opened.has_ack()) << describe(opened);

  // Every Tallies event from here on, counted as it arrives (the state outlives the handler).
  struct seen {
    std::mutex mutex;
    std::condition_variable changed;
    int tallies_events = 0;
    std::optional<v1::Tallies> last;
  };
  const auto state = std::make_shared<seen>();
  facilitator->on_event([state](const v1::ServerMessage& m) {
    if (!m.has_tallies()) return;
    const std::lock_guard lock(state->mutex);
    ++state->tallies_events;
    state->last = m.tallies();
    state->changed.notify_all();
  });

  // All at once: 7 rate it excellent, 5 good.
  std::vector<std::future<v1::ServerMessage>> sent;
  for (std::uint32_t i = 0; i < participants; ++i) {
    v1::FeedbackResponse r;
    auto* a = r.add_answers();
    a->set_question_id("overall");
    a->set_option_id(i < 7 ? "excellent" : "good");
    sent.push_back(people[i]->submit_feedback("burst-" + std::to_string(i), std::move(r)));
  }
  for (std::uint32_t i = 0; i < participants; ++i) {
    const auto answer = await(std::move(sent[i]), "submit feedback " + std::to_string(i));
    EXPECT_TRUE(answer.has_ack()) << "participant " << i << ": " << describe(answer);
  }

  // The newest are held back until the workshop closes.
  v1::ClientMessage close;
  close.mutable_close_workshop();
  ASSERT_TRUE(ask(*facilitator, close, "close").has_ack());
  std::unique_lock lock(state->mutex);
  const bool all_counted = state->changed.wait_for(
      lock, answer_deadline, [&] { return state->last && state->last->responses() == participants; });
  const auto& last = state->last;
  ASSERT_TRUE(all_counted) << "the facilitator never saw Tallies of " << participants << " responses; last: "
                           << (last ? last->ShortDebugString() : std::string("none"));
  EXPECT_LE(state->tallies_events, max_tallies_events) << "a burst of " << participants << " submissions gave "
                                                       << state->tallies_events << " Tallies events, not coalesced";
  EXPECT_FALSE(last->hidden()) << last->ShortDebugString();
  EXPECT_EQ(option_count(*last, "overall", "excellent"), 7u) << last->ShortDebugString();
  EXPECT_EQ(option_count(*last, "overall", "good"), 5u) << last->ShortDebugString();
  EXPECT_EQ(option_count(*last, "overall", "fair"), 0u) << last->ShortDebugString();
}

}  // namespace
}  // namespace dyad::test
