#include "core/statistics.hpp"

#include <algorithm>
#include <utility>

#include "core/plan_validator.hpp"
#include "core/seeded_rng.hpp"
#include "core/summary.hpp"
#include "core/tally.hpp"

namespace dyad::core {
namespace {

dyad::v1::Question* find_question(dyad::v1::Questionnaire& questionnaire, const std::string& id) {
  for (auto& q : *questionnaire.mutable_questions()) {
    if (q.id() == id) return &q;
  }
  return nullptr;
}

bool has_option(const dyad::v1::ChoiceQuestion& choice, const std::string& id) {
  return std::any_of(choice.options().begin(), choice.options().end(),
                     [&](const auto& o) { return o.id() == id; });
}

}  // namespace

dyad::v1::Questionnaire combined_questionnaire(
    std::span<const dyad::v1::Questionnaire* const> oldest_first) {
  dyad::v1::Questionnaire out;
  if (oldest_first.empty()) return out;
  out = *oldest_first.back();
  const auto newest_count = out.questions_size();

  // Newest to oldest, so a dropped option or question keeps the words of the latest plan that
  // still had it.
  for (auto it = oldest_first.rbegin() + 1; it != oldest_first.rend(); ++it) {
    for (const auto& older : (*it)->questions()) {
      dyad::v1::Question* merged = find_question(out, older.id());
      if (merged == nullptr) {
        dyad::v1::Question* added = out.add_questions();
        *added = older;
        continue;
      }
      if (merged->has_choice() && older.has_choice()) {
        for (const auto& option : older.choice().options()) {
          if (!has_option(merged->choice(), option.id())) {
            *merged->mutable_choice()->add_options() = option;
          }
        }
      } else if (merged->has_scale() && older.has_scale()) {
        auto* scale = merged->mutable_scale();
        scale->set_min(std::min(scale->min(), older.scale().min()));
        scale->set_max(std::max(scale->max(), older.scale().max()));
      }
    }
  }

  // The combined summary speaks for the current questionnaire only: a question the newest plan
  // dropped was answered by part of the series, and "Of the thirty participants: 9 …" would
  // misstate whom its figure covers.
  for (int i = newest_count; i < out.questions_size(); ++i) {
    auto* q = out.mutable_questions(i);
    q->clear_summary_lead();
    if (q->has_choice()) q->mutable_choice()->clear_summary_phrase();
    if (q->has_scale()) q->mutable_scale()->clear_summary_phrase();
  }
  return out;
}

dyad::v1::RunStatistics run_statistics(const dyad::v1::Plan& plan, const run_info& info,
                                       std::span<const dyad::v1::FeedbackResponse> responses,
                                       std::uint64_t seed) {
  dyad::v1::RunStatistics out;
  out.set_workshop_code(info.workshop_code);
  out.set_title(plan.title());
  out.set_series(plan.series());
  out.set_date(info.date);
  out.set_participants(info.participants);
  *out.mutable_tallies() = tally(plan.questionnaire(), responses, anonymity_threshold(plan), seed);
  out.set_summary(summarize(plan.questionnaire(), out.tallies()));
  return out;
}

dyad::v1::SeriesStatistics series_statistics(std::string series, std::span<const series_run> runs) {
  std::vector<const series_run*> ordered;
  ordered.reserve(runs.size());
  for (const auto& run : runs) ordered.push_back(&run);
  // "YYYY-MM-DD" sorts as text in date order; stable so equal keys keep the caller's order.
  std::stable_sort(ordered.begin(), ordered.end(), [](const series_run* a, const series_run* b) {
    if (a->info.date != b->info.date) return a->info.date < b->info.date;
    return a->info.workshop_code < b->info.workshop_code;
  });

  dyad::v1::SeriesStatistics out;
  out.set_series(std::move(series));

  std::vector<const dyad::v1::Questionnaire*> questionnaires;
  std::vector<dyad::v1::FeedbackResponse> all_responses;
  unsigned k = 0;
  std::uint64_t combined_seed = 0;
  for (const series_run* run : ordered) {
    *out.add_runs() = run_statistics(run->plan, run->info, run->responses, run->seed);
    questionnaires.push_back(&run->plan.questionnaire());
    all_responses.insert(all_responses.end(), run->responses.begin(), run->responses.end());
    k = std::max(k, anonymity_threshold(run->plan));
    combined_seed = seeded_rng::mix(combined_seed, run->seed);
  }
  if (ordered.empty()) k = default_anonymity_threshold;

  const dyad::v1::Questionnaire combined = combined_questionnaire(questionnaires);
  *out.mutable_combined() = tally(combined, all_responses, k, combined_seed);
  out.set_summary(summarize(combined, out.combined()));
  return out;
}

}  // namespace dyad::core
