#include "net/closed_run_cache.hpp"

#include <gtest/gtest.h>

namespace dyad::net {
namespace {

namespace v1 = dyad::v1;

core::series_run run_with(const std::string& code, std::size_t responses) {
  core::series_run run;
  run.plan.set_title("Practice day");
  run.plan.set_series("practice-day");
  auto* q = run.plan.mutable_questionnaire()->add_questions();
  q->set_id("overall");
  q->set_text("Overall?");
  q->mutable_choice()->add_options()->set_id("good");
  run.info = {code, "2026-12-03", static_cast<std::uint32_t>(responses)};
  for (std::size_t i = 0; i < responses; ++i) {
    auto* a = run.responses.emplace_back().add_answers();
    a->set_question_id("overall");
    a->set_option_id("good");
  }
  run.seed = 7;
  return run;
}

TEST(ClosedRunCache, KeepsARunsFiguresWithItsStatisticsComputedOnce) {
  closed_run_cache cache;
  EXPECT_FALSE(cache.find("CALM-42")) << "an empty cache found a run";
  EXPECT_FALSE(cache.of_series("CALM-42", "practice-day").has_value());

  const auto run = run_with("CALM-42", 4);
  cache.keep("CALM-42", "practice-day", run);
  const auto kept = cache.find("CALM-42");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->series, "practice-day");
  EXPECT_EQ(kept->run.responses.size(), 4U);
  EXPECT_EQ(kept->statistics.SerializeAsString(),
            core::run_statistics(run.plan, run.info, run.responses, run.seed).SerializeAsString())
      << "the kept statistics are not the run's";
  EXPECT_EQ(cache.of_series("CALM-42", "practice-day"), true);
  EXPECT_EQ(cache.of_series("CALM-42", "another-day"), false);
  EXPECT_EQ(cache.size(), 1U);
}

TEST(ClosedRunCache, KeepsAtMostMaxRunsLettingTheOldestGo) {
  closed_run_cache cache;
  const auto total = closed_run_cache::max_runs + 5;
  for (std::size_t i = 0; i < total; ++i) cache.keep("RUN-" + std::to_string(i), "practice-day", run_with("RUN", 1));
  cache.keep("RUN-" + std::to_string(total - 1), "practice-day", run_with("RUN", 2));  // kept again: still one
  EXPECT_EQ(cache.size(), closed_run_cache::max_runs) << "the cache grows with every run";
  for (std::size_t i = 0; i < 5; ++i) EXPECT_FALSE(cache.find("RUN-" + std::to_string(i))) << "the oldest were kept";
  EXPECT_TRUE(cache.find("RUN-5"));
  EXPECT_EQ(cache.find("RUN-" + std::to_string(total - 1))->run.responses.size(), 2U);
}

}  // namespace
}  // namespace dyad::net
