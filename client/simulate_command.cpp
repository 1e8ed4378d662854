#include "simulate_command.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include "dyad_client.hpp"

namespace dyad::cli {

namespace {

constexpr std::string_view usage = R"(Usage: dyad simulate CODE --server http://HOST:PORT --participants N
                     [--answers FILE] [--answer QUESTION=OPTION:WEIGHT,...]... [--seed S]
                     [--leave-after ROUNDS]

Simulated participants ("Sim 1" … "Sim N") join workshop CODE, follow its rounds (each
assignment is printed) and, when the facilitator opens feedback, each submits one response
drawn from the distribution given, under its own submission id. Runs until the workshop
closes (Goodbye, or the server closes the connections) or Ctrl-C, then prints a summary line.

Answer distributions, per question id, from --answer flags or an answers file with one per line
(blank lines and lines starting with # are ignored):
  QUESTION=OPTION:WEIGHT,OPTION:WEIGHT,...   a choice question: relative weights per option id
                                             (a missing :WEIGHT means 1);
                                             a scale question: the same with values, e.g. pace=3:1,4:2,5:4
  QUESTION+=A canned comment                 a free-text question: one possible comment per line
Unlisted choice and scale questions are answered uniformly; unlisted free-text questions are
left empty unless required. Conditions of the questionnaire are honoured.

Options:
  --server URL          The server, e.g. http://127.0.0.1:8080.
  --participants N      How many simulated participants join (1 to 500).
  --answers FILE        Answer distributions, as above.
  --answer SPEC         One distribution line, as above; may repeat; overrides the file.
  --seed S              Seed of the answers drawn (default: random); same seed, same answers.
  --leave-after ROUNDS  Each participant leaves for good after taking part in ROUNDS rounds.
  -h, --help            Print this help.
Exit codes: 0 the workshop closed or Ctrl-C, 1 no participant could join, 2 wrong usage.
)";

constexpr std::uint64_t max_participants = 500;
constexpr auto answer_timeout = std::chrono::seconds(15);
constexpr int submit_attempts = 3;

int usage_error(const std::string& what) {
  std::cerr << "dyad simulate: " << what << "\n\n" << usage;
  return 2;
}

bool parse_count(const std::string& text, std::uint64_t& out) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// The distributions the simulated answers are drawn from, per question id.
struct answer_distributions {
  std::map<std::string, std::vector<std::pair<std::string, double>>, std::less<>> weights;
  std::map<std::string, std::vector<std::string>, std::less<>> comments;

  // Reads one line; on failure returns a sentence saying what is wrong.
  std::optional<std::string> add_line(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return std::nullopt;
    const auto equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) return "expected QUESTION=OPTION:WEIGHT,… or QUESTION+=COMMENT";
    if (line[equals - 1] == '+') {
      const auto question = trim(line.substr(0, equals - 1));
      const auto comment = trim(line.substr(equals + 1));
      if (question.empty() || comment.empty()) return "a comment line needs a question id and the comment: QUESTION+=TEXT";
      comments[std::string(question)].emplace_back(comment);
      return std::nullopt;
    }
    const auto question = std::string(trim(line.substr(0, equals)));
    std::vector<std::pair<std::string, double>> options;
    std::string_view rest = line.substr(equals + 1);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      const auto colon = item.rfind(':');
      double weight = 1;
      if (colon != std::string_view::npos) {
        const auto weight_text = trim(item.substr(colon + 1));
        const auto* end = weight_text.data() + weight_text.size();
        const auto [ptr, ec] = std::from_chars(weight_text.data(), end, weight);
        if (ec != std::errc() || ptr != end || weight < 0) {
          return "'" + std::string(weight_text) + "' is not a weight; use a number of 0 or more";
        }
      }
      options.emplace_back(std::string(trim(item.substr(0, colon))), weight);
    }
    if (options.empty()) return "name at least one option for '" + question + "'";
    weights[question] = std::move(options);
    return std::nullopt;
  }
};

// Draws one response to the questionnaire: choice and scale from the weights (uniform when
// none fit), free text from the canned comments; conditions are honoured.
v1::FeedbackResponse draw_response(const v1::Questionnaire& questionnaire, const answer_distributions& answers,
                                   std::mt19937_64& rng) {
  v1::FeedbackResponse response;
  std::map<std::string, std::string> chosen;  // question id → option id
  for (const auto& question : questionnaire.questions()) {
    if (question.has_condition()) {
      const auto it = chosen.find(question.condition().question_id());
      const auto& allowed = question.condition().option_ids();
      if (it == chosen.end() || std::find(allowed.begin(), allowed.end(), it->second) == allowed.end()) continue;
    }
    const auto given = answers.weights.find(question.id());
    v1::Answer answer;
    answer.set_question_id(question.id());
    if (question.has_choice()) {
      const auto& options = question.choice().options();
      if (options.empty()) continue;
      std::vector<double> weights(static_cast<std::size_t>(options.size()), given == answers.weights.end() ? 1.0 : 0.0);
      if (given != answers.weights.end()) {
        for (int i = 0; i < options.size(); ++i) {
          for (const auto& [option, weight] : given->second) {
            if (option == options[i].id()) weights[static_cast<std::size_t>(i)] += weight;
          }
        }
      }
      double total = 0;
      for (const double w : weights) total += w;
      if (total <= 0) std::fill(weights.begin(), weights.end(), 1.0);
      std::discrete_distribution<int> pick(weights.begin(), weights.end());
      const auto& option = options[pick(rng)];
      answer.set_option_id(option.id());
      chosen[question.id()] = option.id();
    } else if (question.has_scale()) {
      const auto low = question.scale().min();
      const auto high = std::max(low, question.scale().max());
      std::vector<std::int32_t> values;
      std::vector<double> weights;
      if (given != answers.weights.end()) {
        for (const auto& [value_text, weight] : given->second) {
          std::int32_t value = 0;
          const auto* end = value_text.data() + value_text.size();
          const auto [ptr, ec] = std::from_chars(value_text.data(), end, value);
          if (ec == std::errc() && ptr == end && value >= low && value <= high && weight > 0) {
            values.push_back(value);
            weights.push_back(weight);
          }
        }
      }
      if (values.empty()) {
        answer.set_scale(std::uniform_int_distribution<std::int32_t>(low, high)(rng));
      } else {
        std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
        answer.set_scale(values[pick(rng)]);
      }
    } else if (question.has_text_answer()) {
      const auto canned = answers.comments.find(question.id());
      if (canned != answers.comments.end() && !canned->second.empty()) {
        std::uniform_int_distribution<std::size_t> pick(0, canned->second.size() - 1);
        answer.set_text(canned->second[pick(rng)]);
      } else if (question.required()) {
        answer.set_text("A simulated comment.");
      } else {
        continue;
      }
    } else {
      continue;
    }
    *response.add_answers() = std::move(answer);
  }
  return response;
}

struct options {
  std::string code;
  client::server_address address;
  std::uint64_t participants = 0;
  std::uint64_t seed = 0;
  std::optional<std::uint64_t> leave_after;
  answer_distributions answers;
};

// What every participant's thread shares: the printed lines, the counts, and the connections
// Ctrl-C closes.
struct simulation {
  const options& opts;
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::vector<std::weak_ptr<client::connection>> connections;  // under mutex
  unsigned joined = 0;                                         // under mutex
  unsigned submitted = 0;                                      // under mutex
  unsigned left = 0;                                           // under mutex
  unsigned failed = 0;                                         // under mutex
  std::string ending;                                          // under mutex

  explicit simulation(const options& o) : opts(o) {}

  void say(const std::string& line) {
    const std::lock_guard lock(mutex);
    std::cout << line << '\n' << std::flush;
  }

  void note_ending(const std::string& why) {
    const std::lock_guard lock(mutex);
    if (ending.empty()) ending = why;
  }

  void stop_all() {
    stopping = true;
    std::vector<std::shared_ptr<client::connection>> open;
    {
      const std::lock_guard lock(mutex);
      for (const auto& weak : connections) {
        if (auto c = weak.lock()) open.push_back(std::move(c));
      }
    }
    for (const auto& c : open) c->close();
  }
};

std::string random_submission_id(std::uint64_t index) {
  std::random_device device;
  const auto high = static_cast<std::uint64_t>(device()) << 32U;
  std::ostringstream id;
  id << "sim-" << std::hex << (high | device()) << "-" << std::dec << index;
  return id.str();
}

std::string describe(const v1::Assignment& a) {
  std::string line = "round " + std::to_string(a.round()) + " · " + a.room() + " · " +
                     (a.role_name().empty() ? a.role_id() : a.role_name());
  if (a.partner_names_size() > 0) {
    line += " with ";
    for (int i = 0; i < a.partner_names_size(); ++i) line += (i > 0 ? ", " : "") + a.partner_names(i);
  }
  if (a.with_facilitator()) line += " (with the facilitator)";
  return line;
}

// One simulated participant, on its own thread: blocking waits keep its story readable.
class participant {
public:
  participant(simulation& sim, client::client_runtime& runtime, std::uint64_t index)
      : sim_(sim), runtime_(runtime), index_(index), name_("Sim " + std::to_string(index)),
        rng_(sim.opts.seed * 1000003U + index) {}

  void run() {
    if (!connect_and_join()) return;
    while (!sim_.stopping) {
      const auto event = connection_->wait_for_event([](const auto&) { return true; }, std::chrono::minutes(10));
      if (!event) {
        if (connection_->is_open()) continue;
        sim_.note_ending(connection_->close_reason());
        break;
      }
      if (!handle(*event)) break;
    }
    connection_->close();
  }

private:
  bool connect_and_join() {
    auto opening = client::connection::open(runtime_, sim_.opts.address, sim_.opts.code);
    try {
      if (opening.wait_for(answer_timeout) != std::future_status::ready) throw std::runtime_error("no answer within 15 s");
      connection_ = opening.get();
    } catch (const std::exception& e) {
      fail(std::string("could not connect: ") + e.what());
      return false;
    }
    {
      const std::lock_guard lock(sim_.mutex);
      sim_.connections.push_back(connection_);
    }
    if (sim_.stopping) return false;
    const auto answer = await(connection_->join(name_), "joining");
    if (!answer) return false;
    if (!answer->has_participant_snapshot()) {
      fail("could not join: " + (answer->has_error() ? answer->error().message() : answer->ShortDebugString()));
      return false;
    }
    {
      const std::lock_guard lock(sim_.mutex);
      ++sim_.joined;
    }
    const auto& snapshot = answer->participant_snapshot();
    sim_.say(name_ + " joined \"" + snapshot.workshop_title() + "\" as " + snapshot.shown_name());
    if (snapshot.lifecycle() == v1::LIFECYCLE_CLOSED) {
      sim_.note_ending("the workshop is closed");
      return false;
    }
    if (snapshot.has_assignment()) on_assignment(snapshot.assignment());
    if (snapshot.has_feedback()) on_feedback(snapshot.feedback());
    return true;
  }

  // Returns false when this participant is done.
  bool handle(const v1::ServerMessage& event) {
    switch (event.kind_case()) {
      case v1::ServerMessage::kAssignment:
        return on_assignment(event.assignment());
      case v1::ServerMessage::kPhase:
        if (event.phase().finished() && sim_.opts.leave_after && rounds_.size() >= *sim_.opts.leave_after &&
            event.phase().round() == last_round_) {
          return leave();
        }
        return true;
      case v1::ServerMessage::kFeedback:
        on_feedback(event.feedback());
        return true;
      case v1::ServerMessage::kGoodbye:
        sim_.note_ending("Goodbye: " + event.goodbye().reason());
        return false;
      default:
        return true;
    }
  }

  bool on_assignment(const v1::Assignment& assignment) {
    if (sim_.opts.leave_after && rounds_.size() >= *sim_.opts.leave_after && !rounds_.contains(assignment.round())) {
      return leave();  // a new round after our last one: leave before taking part
    }
    rounds_.insert(assignment.round());
    last_round_ = assignment.round();
    sim_.say(name_ + ": " + describe(assignment));
    return true;
  }

  void on_feedback(const v1::FeedbackState& feedback) {
    if (!feedback.open() || feedback.submitted() || submitted_) return;
    const auto response = draw_response(feedback.questionnaire(), sim_.opts.answers, rng_);
    const auto submission_id = random_submission_id(index_);
    for (int attempt = 1; attempt <= submit_attempts; ++attempt) {
      // The same id on every attempt: the server counts a retried submission once.
      const auto answer = await(connection_->submit_feedback(submission_id, response), "submitting feedback");
      if (!answer) return;
      if (answer->has_ack() || (answer->has_error() && answer->error().code() == v1::ERROR_CODE_ALREADY_SUBMITTED)) {
        submitted_ = true;
        unsigned count = 0;
        {
          const std::lock_guard lock(sim_.mutex);
          count = ++sim_.submitted;
        }
        sim_.say(name_ + " submitted feedback (" + std::to_string(response.answers_size()) + " answers; " +
                 std::to_string(count) + " of " + std::to_string(sim_.opts.participants) + " so far)");
        return;
      }
      if (!answer->has_error() || answer->error().code() != v1::ERROR_CODE_UNAVAILABLE) {
        fail("feedback refused: " + (answer->has_error() ? answer->error().message() : answer->ShortDebugString()));
        return;
      }
    }
    fail("feedback not accepted after " + std::to_string(submit_attempts) + " attempts (the server was unavailable)");
  }

  bool leave() {
    v1::ClientMessage message;
    message.mutable_leave();
    if (await(connection_->request(std::move(message)), "leaving")) {
      const std::lock_guard lock(sim_.mutex);
      ++sim_.left;
    }
    sim_.say(name_ + " left after " + std::to_string(rounds_.size()) + " rounds");
    return false;
  }

  std::optional<v1::ServerMessage> await(std::future<v1::ServerMessage> future, const std::string& what) {
    try {
      if (future.wait_for(answer_timeout) != std::future_status::ready) {
        throw std::runtime_error("no answer within 15 s");
      }
      return future.get();
    } catch (const std::exception& e) {
      if (!sim_.stopping) fail(what + " failed: " + e.what());
      return std::nullopt;
    }
  }

  void fail(const std::string& what) {
    {
      const std::lock_guard lock(sim_.mutex);
      ++sim_.failed;
    }
    sim_.say(name_ + ": " + what);
  }

  simulation& sim_;
  client::client_runtime& runtime_;
  std::uint64_t index_;
  std::string name_;
  std::mt19937_64 rng_;
  std::shared_ptr<client::connection> connection_;
  std::set<std::uint32_t> rounds_;
  std::uint32_t last_round_ = 0;
  bool submitted_ = false;
};

std::optional<options> parse_options(const std::vector<std::string>& args, int& exit_code) {
  options opts;
  std::string server;
  std::string answers_path;
  std::vector<std::string> answer_lines;
  std::optional<std::uint64_t> seed;
  exit_code = 2;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      exit_code = 0;
      return std::nullopt;
    }
    const bool takes_value = arg == "--server" || arg == "--participants" || arg == "--answers" || arg == "--answer" ||
                             arg == "--seed" || arg == "--leave-after";
    if (takes_value && i + 1 >= args.size()) {
      usage_error(arg + " needs a value");
      return std::nullopt;
    }
    if (arg == "--server") {
      server = args[++i];
    } else if (arg == "--participants") {
      if (!parse_count(args[++i], opts.participants) || opts.participants == 0 || opts.participants > max_participants) {
        usage_error("--participants takes a number from 1 to " + std::to_string(max_participants));
        return std::nullopt;
      }
    } else if (arg == "--answers") {
      answers_path = args[++i];
    } else if (arg == "--answer") {
      answer_lines.push_back(args[++i]);
    } else if (arg == "--seed") {
      std::uint64_t value = 0;
      if (!parse_count(args[++i], value)) {
        usage_error("--seed takes a whole number");
        return std::nullopt;
      }
      seed = value;
    } else if (arg == "--leave-after") {
      std::uint64_t value = 0;
      if (!parse_count(args[++i], value) || value == 0) {
        usage_error("--leave-after takes a number of rounds, 1 or more");
        return std::nullopt;
      }
      opts.leave_after = value;
    } else if (arg.size() > 1 && arg[0] == '-') {
      usage_error("unknown option '" + arg + "'");
      return std::nullopt;
    } else if (opts.code.empty()) {
      opts.code = arg;
    } else {
      usage_error("simulate one workshop at a time");
      return std::nullopt;
    }
  }
  if (opts.code.empty()) {
    usage_error("name the workshop's code");
    return std::nullopt;
  }
  if (server.empty()) {
    usage_error("say which server with --server http://HOST:PORT");
    return std::nullopt;
  }
  if (opts.participants == 0) {
    usage_error("say how many participants with --participants N");
    return std::nullopt;
  }
  std::string url_error;
  const auto address = client::parse_server_url(server, &url_error);
  if (!address) {
    usage_error(url_error);
    return std::nullopt;
  }
  opts.address = *address;
  if (!answers_path.empty()) {
    std::ifstream in(answers_path);
    if (!in) {
      std::cerr << answers_path << ": cannot read the answers file; check the path.\n";
      exit_code = 1;
      return std::nullopt;
    }
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      if (const auto problem = opts.answers.add_line(line)) {
        std::cerr << answers_path << ":" << number << ": " << *problem << '\n';
        exit_code = 1;
        return std::nullopt;
      }
    }
  }
  for (const auto& line : answer_lines) {
    if (const auto problem = opts.answers.add_line(line)) {
      usage_error("--answer '" + line + "': " + *problem);
      return std::nullopt;
    }
  }
  opts.seed = seed ? *seed : (static_cast<std::uint64_t>(std::random_device()()) << 32U) | std::random_device()();
  return opts;
}

}  // namespace

int simulate(const std::vector<std::string>& args) {
  int exit_code = 0;
  const auto opts = parse_options(args, exit_code);
  if (!opts) return exit_code;

  // Ctrl-C and SIGTERM go to one thread that closes every connection; every other thread
  // (including the runtime's, started below) inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // sent by ourselves when the simulation is over
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  simulation sim(*opts);
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    if (received != SIGUSR1) {
      sim.note_ending("interrupted");
      sim.stop_all();
    }
  });

  std::cout << "Simulating " << opts->participants << " participants in workshop " << opts->code << " (seed "
            << opts->seed << "); Ctrl-C to stop.\n"
            << std::flush;
  {
    client::client_runtime runtime(2);
    std::vector<std::thread> threads;
    threads.reserve(opts->participants);
    for (std::uint64_t i = 1; i <= opts->participants; ++i) {
      threads.emplace_back([&sim, &runtime, i] { participant(sim, runtime, i).run(); });
    }
    for (auto& thread : threads) thread.join();
  }
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();

  const std::lock_guard lock(sim.mutex);
  std::cout << "simulate: " << sim.joined << " of " << opts->participants << " joined, " << sim.submitted
            << " submitted feedback";
  if (opts->leave_after) std::cout << ", " << sim.left << " left after " << *opts->leave_after << " rounds";
  if (sim.failed > 0) std::cout << ", " << sim.failed << " problems";
  std::cout << "; " << (sim.ending.empty() ? std::string("the connections ended") : sim.ending) << ".\n";
  return sim.joined == 0 && !sim.stopping ? 1 : 0;
}

}  // namespace dyad::cli
