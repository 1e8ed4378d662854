// Storing a burst of feedback: N participants submit at once, each submission a durable commit
// as the server makes it (the response and, every k submissions once 2k are held back, a
// FeedbackReleased of the oldest), k = 5. One by one: one transaction and one fsync each. Grouped:
// appends queued together share one transaction, as the store worker commits them (at most
// store_worker::max_group, 512, a group). Each run starts from a new file in the temporary folder.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/sqlite_event_log.hpp"

namespace {

namespace fs = std::filesystem;
namespace v1 = dyad::v1;
using dyad::store::event_log;
using dyad::store::sqlite_event_log;

constexpr std::size_t k = 5;
constexpr std::size_t max_group = 512;

// Every submission's events as the workshop would give them, in arrival order.
std::vector<std::vector<v1::WorkshopEvent>> submissions(std::int64_t n) {
  std::mt19937_64 rng(42);
  std::deque<std::uint64_t> held;
  std::vector<std::vector<v1::WorkshopEvent>> out;
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<v1::WorkshopEvent> events(1);
    auto* f = events[0].mutable_feedback_submitted();
    f->set_participant_id("participant-" + std::to_string(i));
    f->set_submission_id("submission-" + std::to_string(i));
    const auto key = (rng() >> 1) | 1;
    f->set_response_key(key);
    auto* overall = f->mutable_response()->add_answers();
    overall->set_question_id("overall");
    overall->set_option_id(i % 3 == 0 ? "good" : "excellent");
    auto* comment = f->mutable_response()->add_answers();
    comment->set_question_id("comments");
    comment->set_text("A comment of a few words, about as long as most people write, number " + std::to_string(i));
    held.push_back(key);
    if (held.size() >= 2 * k) {
      auto* released = events.emplace_back().mutable_feedback_released();
      while (held.size() > k) {
        released->add_response_keys(held.front());
        held.pop_front();
      }
    }
    out.push_back(std::move(events));
  }
  return out;
}

void store_feedback(benchmark::State& state, bool grouped) {
  const auto all = submissions(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    std::string tmpl = (fs::temp_directory_path() / "dyad-feedback-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) state.SkipWithError("no temporary folder");
    const fs::path dir = tmpl;
    {
      auto log = sqlite_event_log::open(dir / "dyad.sqlite");
      if (!log) state.SkipWithError(log.err().message.c_str());
      v1::WorkshopEvent created;
      created.mutable_created()->set_code("CALM-42");
      created.mutable_created()->mutable_plan()->set_title("Practice day");
      v1::WorkshopEvent open;
      open.mutable_lifecycle()->set_lifecycle(v1::LIFECYCLE_FEEDBACK);
      (void)(*log)->append("CALM-42", std::vector<v1::WorkshopEvent>{created, open});
      state.ResumeTiming();
      if (grouped) {
        for (std::size_t at = 0; at < all.size(); at += max_group) {
          std::vector<event_log::append_request> group;
          for (std::size_t i = at; i < std::min(all.size(), at + max_group); ++i) group.push_back({"CALM-42", all[i]});
          for (const auto& r : (*log)->append_many(group))
            if (!r) state.SkipWithError(r.err().message.c_str());
        }
      } else {
        for (const auto& events : all)
          if (auto r = (*log)->append("CALM-42", events); !r) state.SkipWithError(r.err().message.c_str());
      }
      state.PauseTiming();
    }
    fs::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["submissions"] = static_cast<double>(state.range(0));
}

void one_by_one(benchmark::State& state) { store_feedback(state, false); }
void grouped(benchmark::State& state) { store_feedback(state, true); }

BENCHMARK(one_by_one)->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(grouped)->Arg(1000)->Arg(5000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
