#include "core/tally.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/questionnaire.hpp"
#include "core/seeded_rng.hpp"

namespace dyad::core {
namespace {

using dyad::v1::Answer;
using dyad::v1::Question;

// Beyond this many values a scale gets a mean but no per-value counts, so that a plan with an
// absurd range cannot make the server allocate gigabytes. The plan validator keeps real scales
// far below it.
constexpr std::int64_t max_scale_values = 1000;

// count / answered in percent, rounded half up to one decimal, in integers so that the same
// counts give the same figure on every platform (6 of 11 is 54.5, 5 of 11 is 45.5).
double percent_of(std::uint32_t count, std::uint32_t answered) {
  if (answered == 0) return 0.0;
  const std::uint64_t tenths =
      (std::uint64_t{count} * 2000U + answered) / (std::uint64_t{2} * answered);
  return static_cast<double>(tenths) / 10.0;
}

std::string trimmed(const std::string& text) {
  // is_blank() already said there is something besides white space; strip only ASCII white
  // space at the ends, the layout a participant's own line breaks give.
  const char* ws = " \t\n\r\v\f";
  const auto first = text.find_first_not_of(ws);
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(ws);
  return text.substr(first, last - first + 1);
}

// The raw material of one question's tally, before the anonymity rule is applied.
struct question_counts {
  std::uint32_t answered = 0;
  std::vector<std::uint32_t> option_counts;            // choice: plan order
  std::map<std::string, std::uint32_t> extra_options;  // choice: ids missing from the plan
  std::vector<std::uint32_t> scale_counts;             // scale: min..max
  std::int64_t scale_sum = 0;                          // scale
  std::vector<std::string> comments;                   // text
};

void count_answer(const Question& question, const Answer& answer, question_counts& c) {
  switch (question.kind_case()) {
    case Question::kChoice: {
      if (answer.value_case() != Answer::kOptionId) return;
      const auto& options = question.choice().options();
      const auto it = std::find_if(options.begin(), options.end(),
                                   [&](const auto& o) { return o.id() == answer.option_id(); });
      if (it != options.end()) {
        ++c.option_counts[static_cast<std::size_t>(it - options.begin())];
      } else {
        ++c.extra_options[answer.option_id()];
      }
      ++c.answered;
      return;
    }
    case Question::kScale: {
      if (answer.value_case() != Answer::kScale) return;
      const auto& scale = question.scale();
      if (answer.scale() < scale.min() || answer.scale() > scale.max()) return;
      const auto offset = std::int64_t{answer.scale()} - scale.min();
      if (!c.scale_counts.empty()) ++c.scale_counts[static_cast<std::size_t>(offset)];
      c.scale_sum += answer.scale();
      ++c.answered;
      return;
    }
    case Question::kTextAnswer:
      if (answer.value_case() != Answer::kText || is_blank(answer.text())) return;
      c.comments.push_back(trimmed(answer.text()));
      ++c.answered;
      return;
    case Question::KIND_NOT_SET:
      return;
  }
}

void fill_shown(const Question& question, question_counts& c, std::uint64_t comment_seed,
                std::size_t position, dyad::v1::QuestionTally& out) {
  out.set_answered(c.answered);
  switch (question.kind_case()) {
    case Question::kChoice: {
      const auto& options = question.choice().options();
      for (int i = 0; i < options.size(); ++i) {
        auto* o = out.add_options();
        o->set_option_id(options[i].id());
        o->set_label(options[i].label().empty() ? options[i].id() : options[i].label());
        o->set_count(c.option_counts[static_cast<std::size_t>(i)]);
        o->set_percent(percent_of(o->count(), c.answered));
      }
      for (const auto& [id, count] : c.extra_options) {
        auto* o = out.add_options();
        o->set_option_id(id);
        o->set_label(id);
        o->set_count(count);
        o->set_percent(percent_of(count, c.answered));
      }
      break;
    }
    case Question::kScale: {
      auto* s = out.mutable_scale();
      s->set_min(question.scale().min());
      s->set_max(question.scale().max());
      if (c.answered > 0) {
        s->set_mean(static_cast<double>(c.scale_sum) / static_cast<double>(c.answered));
      }
      for (const auto n : c.scale_counts) s->add_counts(n);
      break;
    }
    case Question::kTextAnswer: {
      // Each question gets its own stream, so adding a comment to one question does not
      // reshuffle another's.
      seeded_rng rng(seeded_rng::mix(comment_seed, position));
      rng.shuffle(c.comments);
      for (auto& comment : c.comments) out.add_comments(std::move(comment));
      break;
    }
    case Question::KIND_NOT_SET:
      break;
  }
}

}  // namespace

std::string hidden_reason(unsigned k) {
  const unsigned needed = std::max(k, 1U);
  return "Results appear once " + std::to_string(needed) +
         (needed == 1 ? " person has" : " people have") +
         " responded, so that no one's answers can be singled out.";
}

dyad::v1::Tallies tally(const dyad::v1::Questionnaire& questionnaire,
                        std::span<const dyad::v1::FeedbackResponse> responses, unsigned k,
                        std::uint64_t comment_seed) {
  const unsigned threshold = std::max(k, 1U);
  dyad::v1::Tallies out;
  out.set_responses(static_cast<std::uint32_t>(responses.size()));
  out.set_anonymity_threshold(threshold);
  const bool all_hidden = responses.size() < threshold;
  if (all_hidden) {
    out.set_hidden(true);
    out.set_hidden_reason(hidden_reason(threshold));
  }

  const auto& questions = questionnaire.questions();
  std::vector<question_counts> counts(static_cast<std::size_t>(questions.size()));
  std::unordered_map<std::string_view, std::size_t> index;
  for (int i = 0; i < questions.size(); ++i) {
    const auto position = static_cast<std::size_t>(i);
    index.emplace(questions[i].id(), position);
    if (questions[i].has_choice()) {
      counts[position].option_counts.assign(
          static_cast<std::size_t>(questions[i].choice().options_size()), 0);
    } else if (questions[i].has_scale()) {
      const auto values = std::int64_t{questions[i].scale().max()} - questions[i].scale().min() + 1;
      if (values > 0 && values <= max_scale_values) {
        counts[position].scale_counts.assign(static_cast<std::size_t>(values), 0);
      }
    }
  }

  // Nothing is counted when everything is hidden: what is never computed cannot leak.
  if (!all_hidden) {
    std::vector<bool> seen(counts.size());
    for (const auto& response : responses) {
      std::fill(seen.begin(), seen.end(), false);
      for (const auto& answer : response.answers()) {
        const auto it = index.find(answer.question_id());
        if (it == index.end() || seen[it->second]) continue;  // one answer per question counts
        seen[it->second] = true;
        count_answer(questions[static_cast<int>(it->second)], answer, counts[it->second]);
      }
    }
  }

  for (int i = 0; i < questions.size(); ++i) {
    const auto position = static_cast<std::size_t>(i);
    auto* q = out.add_questions();
    q->set_question_id(questions[i].id());
    q->set_text(questions[i].text());
    if (all_hidden || counts[position].answered < threshold) {
      q->set_hidden(true);
      continue;
    }
    fill_shown(questions[i], counts[position], comment_seed, position, *q);
  }
  return out;
}

}  // namespace dyad::core
