// Pairing speed. The floor is the least any pairing can cost: shuffling the ids and pairing
// neighbours, with no history, roles or constraints. Targets: 10,000 people under 100 ms,
// 200 under 1 ms.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/pairing.hpp"
#include "core/seeded_rng.hpp"

namespace {

using dyad::core::group_shape;
using dyad::core::make_groups;
using dyad::core::pairing_history;
using dyad::core::pairing_request;

std::vector<std::string> people(std::int64_t n, std::int64_t first = 1) {
  std::vector<std::string> out;
  for (std::int64_t i = 0; i < n; ++i) out.push_back("p" + std::to_string(first + i));
  return out;
}

pairing_history history_of(const std::vector<std::string>& present, int rounds) {
  pairing_history h;
  for (int r = 0; r < rounds; ++r) h.record(make_groups({present, group_shape::pairs, false, {}, {}, 7}, h)->groups);
  return h;
}

void floor_shuffle_and_pair(benchmark::State& state) {
  const auto present = people(state.range(0));
  for (auto _ : state) {
    auto order = present;
    dyad::core::seeded_rng(7).shuffle(order);
    std::vector<std::pair<std::string, std::string>> pairs;
    for (std::size_t i = 0; i + 1 < order.size(); i += 2) pairs.emplace_back(order[i], order[i + 1]);
    benchmark::DoNotOptimize(pairs);
  }
}

void first_round(benchmark::State& state) {
  const auto present = people(state.range(0));
  const pairing_history empty;
  for (auto _ : state) benchmark::DoNotOptimize(make_groups({present, group_shape::pairs, false, {}, {}, 7}, empty));
}

void after_ten_rounds(benchmark::State& state) {
  const auto present = people(state.range(0));
  const auto h = history_of(present, 10);
  for (auto _ : state) benchmark::DoNotOptimize(make_groups({present, group_shape::pairs, false, {}, {}, 7}, h));
}

// Ten rounds, then a twentieth of the people leave and as many others arrive: the round-robin no
// longer applies and the repeat-free matching does the work.
void after_ten_rounds_with_churn(benchmark::State& state) {
  const auto n = state.range(0);
  const auto before = people(n);
  const auto h = history_of(before, 10);
  std::vector<std::string> now(before.begin() + n / 20, before.end());
  for (auto& p : people(n / 20, n + 1)) now.push_back(p);
  for (auto _ : state) benchmark::DoNotOptimize(make_groups({now, group_shape::pairs, false, {}, {}, 7}, h));
}

void odd_count_after_ten_rounds(benchmark::State& state) {
  const auto present = people(state.range(0) + 1);
  const auto h = history_of(present, 10);
  for (auto _ : state) benchmark::DoNotOptimize(make_groups({present, group_shape::pairs, false, {}, {}, 7}, h));
}

void triads_after_ten_rounds(benchmark::State& state) {
  const auto present = people(state.range(0));
  pairing_history h;
  for (int r = 0; r < 10; ++r) h.record(make_groups({present, group_shape::triads, false, {}, {}, 7}, h)->groups);
  for (auto _ : state) benchmark::DoNotOptimize(make_groups({present, group_shape::triads, false, {}, {}, 7}, h));
}

constexpr auto unit = benchmark::kMillisecond;

}  // namespace

BENCHMARK(floor_shuffle_and_pair)->Arg(100)->Arg(200)->Arg(1000)->Arg(10000)->Unit(unit);
BENCHMARK(first_round)->Arg(100)->Arg(200)->Arg(1000)->Arg(10000)->Unit(unit);
BENCHMARK(after_ten_rounds)->Arg(100)->Arg(200)->Arg(1000)->Arg(10000)->Unit(unit);
BENCHMARK(after_ten_rounds_with_churn)->Arg(100)->Arg(200)->Arg(1000)->Arg(10000)->Unit(unit);
BENCHMARK(odd_count_after_ten_rounds)->Arg(100)->Arg(200)->Arg(1000)->Arg(10000)->Unit(unit);
BENCHMARK(triads_after_ten_rounds)->Arg(100)->Arg(200)->Arg(1000)->Unit(unit);

BENCHMARK_MAIN();
