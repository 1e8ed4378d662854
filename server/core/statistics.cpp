#include "core/statistics.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/plan_validator.hpp"
#include "core/questionnaire.hpp"
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

// Whether tally() counted this answer to this question: the same tests, so that the combination
// never counts an answer its run's published figures left out.
bool counted_in_run(const dyad::v1::Question& question, const dyad::v1::Answer& answer) {
  switch (question.kind_case()) {
    case dyad::v1::Question::kChoice:
      return answer.value_case() == dyad::v1::Answer::kOptionId;
    case dyad::v1::Question::kScale:
      return answer.value_case() == dyad::v1::Answer::kScale &&
             answer.scale() >= question.scale().min() && answer.scale() <= question.scale().max();
    case dyad::v1::Question::kTextAnswer:
      return answer.value_case() == dyad::v1::Answer::kText && !is_blank(answer.text());
    case dyad::v1::Question::KIND_NOT_SET:
      return false;
  }
  return false;
}

// A run's responses cut down to what its own statistics show: each response keeps only the
// answers its run counted under a question its run shows. Combining these, the combined figures
// are the sum of the published ones, and subtracting any run's figures reveals nothing hidden.
// The caller leaves out runs whose tallies are hidden altogether.
void append_shown_answers(const series_run& run, const dyad::v1::Tallies& shown,
                          std::vector<dyad::v1::FeedbackResponse>& out) {
  std::unordered_map<std::string_view, const dyad::v1::Question*> questions;
  for (const auto& q : run.plan.questionnaire().questions()) questions.emplace(q.id(), &q);
  std::unordered_set<std::string_view> shown_ids;
  for (const auto& q : shown.questions()) {
    if (!q.hidden()) shown_ids.insert(q.question_id());
  }

  std::unordered_set<std::string_view> seen;
  for (const auto& response : run.responses) {
    auto& kept = out.emplace_back();
    seen.clear();
    for (const auto& answer : response.answers()) {
      const auto question = questions.find(answer.question_id());
      if (question == questions.end()) continue;
      // tally() weighs only a response's first answer to a question, counted or not.
      if (!seen.insert(answer.question_id()).second) continue;
      if (!shown_ids.contains(answer.question_id())) continue;
      if (!counted_in_run(*question->second, answer)) continue;
      *kept.add_answers() = answer;
    }
  }
}

// "Combined results appear once 3 responses come from runs whose own results are shown, …":
// tally()'s "once 3 people have responded" would be false when withheld runs had more.
std::string combined_hidden_reason(unsigned k) {
  const unsigned needed = std::max(k, 1U);
  return "Combined results appear once " + std::to_string(needed) +
         (needed == 1 ? " response comes" : " responses come") +
         " from runs whose own results are shown, so that no one's answers can be singled out.";
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
  std::vector<dyad::v1::FeedbackResponse> shown_responses;
  withheld_runs left_out;
  unsigned k = 0;
  std::uint64_t combined_seed = 0;
  for (const series_run* run : ordered) {
    dyad::v1::RunStatistics* stats = out.add_runs();
    *stats = run_statistics(run->plan, run->info, run->responses, run->seed);
    questionnaires.push_back(&run->plan.questionnaire());
    if (stats->tallies().hidden()) {
      if (!run->responses.empty()) {
        ++left_out.runs;
        left_out.responses += static_cast<std::uint32_t>(run->responses.size());
      }
    } else {
      append_shown_answers(*run, stats->tallies(), shown_responses);
    }
    // A withheld run's threshold still counts: its plan asked for that much protection.
    k = std::max(k, anonymity_threshold(run->plan));
    combined_seed = seeded_rng::mix(combined_seed, run->seed);
  }
  if (ordered.empty()) k = default_anonymity_threshold;

  const dyad::v1::Questionnaire combined = combined_questionnaire(questionnaires);
  *out.mutable_combined() = tally(combined, shown_responses, k, combined_seed);
  if (out.combined().hidden() && left_out.responses > 0) {
    out.mutable_combined()->set_hidden_reason(combined_hidden_reason(k));
  }
  out.set_summary(summarize_series(combined, out.combined(), left_out));
  return out;
}

}  // namespace dyad::core
