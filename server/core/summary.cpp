#include "core/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/number_words.hpp"

namespace dyad::core {
namespace {

using dyad::v1::Question;
using dyad::v1::QuestionTally;

constexpr std::string_view default_opening = "Of the {count} participants:";

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Only ASCII letters change case: a label such as "Évaluation" keeps its accented capital rather
// than being mangled byte by byte.
std::string ascii_lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

void capitalise_first(std::string& text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') {
    text[0] = static_cast<char>(text[0] - 'a' + 'A');
  }
}

bool ends_sentence(std::string_view text) {
  return !text.empty() && (text.back() == '.' || text.back() == '!' || text.back() == '?');
}

void end_sentence(std::string& text) {
  if (!ends_sentence(text)) text += '.';
}

// "7.4": a value in tenths, written with one decimal.
std::string one_decimal(std::int64_t tenths) {
  std::string out = tenths < 0 ? "-" : "";
  const auto magnitude = static_cast<std::uint64_t>(tenths < 0 ? -tenths : tenths);
  out += std::to_string(magnitude / 10U);
  out += '.';
  out += std::to_string(magnitude % 10U);
  return out;
}

// The mean in tenths, rounded half away from zero. From the per-value counts when present, in
// integers, so that the published figure never depends on floating-point formatting.
std::int64_t mean_tenths(const dyad::v1::ScaleSummary& scale, std::uint32_t answered) {
  if (scale.counts_size() > 0 && answered > 0) {
    std::int64_t sum = 0;
    std::int64_t n = 0;
    for (int i = 0; i < scale.counts_size(); ++i) {
      sum += (std::int64_t{scale.min()} + i) * scale.counts(i);
      n += scale.counts(i);
    }
    if (n > 0) {
      const std::int64_t scaled = sum * 10;
      const std::int64_t rounded = (std::llabs(scaled) * 2 + n) / (2 * n);
      return scaled < 0 ? -rounded : rounded;
    }
  }
  return std::llround(scale.mean() * 10.0);
}

const QuestionTally* find_tally(const dyad::v1::Tallies& tallies, const std::string& id) {
  for (const auto& q : tallies.questions()) {
    if (q.question_id() == id) return &q;
  }
  return nullptr;
}

std::string summary_label(const dyad::v1::ChoiceOption& option) {
  if (!option.summary_label().empty()) return option.summary_label();
  return ascii_lower(option.label().empty() ? option.id() : option.label());
}

// "6 rated the workshop as excellent, 5 as good." or empty when nothing is to be said.
std::string choice_sentence(const Question& question, const QuestionTally& tally) {
  const auto& choice = question.choice();
  struct part {
    std::uint32_t count;
    std::string label;
  };
  std::vector<part> parts;
  for (const auto& option : choice.options()) {
    for (const auto& counted : tally.options()) {
      if (counted.option_id() == option.id() && counted.count() > 0) {
        parts.push_back({counted.count(), summary_label(option)});
      }
    }
  }
  // Options the tally has but the questionnaire lacks (only when compiled from older plans).
  for (const auto& counted : tally.options()) {
    if (counted.count() == 0) continue;
    const bool in_plan =
        std::any_of(choice.options().begin(), choice.options().end(),
                    [&](const auto& option) { return option.id() == counted.option_id(); });
    if (in_plan) continue;
    const std::string& label = counted.label().empty() ? counted.option_id() : counted.label();
    parts.push_back({counted.count(), ascii_lower(label)});
  }
  if (parts.empty()) return {};

  std::string out = std::to_string(parts[0].count) + " " +
                    replace_all(choice.summary_phrase(), "{option}", parts[0].label);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    out += ", " + std::to_string(parts[i].count) + " ";
    out += choice.summary_continuation().empty()
               ? parts[i].label
               : replace_all(choice.summary_continuation(), "{option}", parts[i].label);
  }
  end_sentence(out);
  return out;
}

// "10 rated the pace of the day 7.4 out of 10 on average."
std::string scale_sentence(const Question& question, const QuestionTally& tally) {
  if (tally.answered() == 0) return {};
  const auto& phrase = question.scale().summary_phrase();
  std::string text =
      replace_all(phrase, "{mean}", one_decimal(mean_tenths(tally.scale(), tally.answered())));
  text = replace_all(std::move(text), "{min}", std::to_string(tally.scale().min()));
  text = replace_all(std::move(text), "{max}", std::to_string(tally.scale().max()));
  std::string out;
  if (text.find("{count}") != std::string::npos) {
    out = replace_all(std::move(text), "{count}", std::to_string(tally.answered()));
  } else {
    out = std::to_string(tally.answered()) + " " + text;
  }
  end_sentence(out);
  return out;
}

// "at least three responses are needed so that no one's answers can be singled out."
std::string needed(unsigned k) {
  return "at least " + number_in_words(k) + (k == 1 ? " response is" : " responses are") +
         " needed so that no one's answers can be singled out.";
}

// "Results are withheld: only two people have responded, and at least three responses are
// needed so that no one's answers can be singled out."
std::string withheld(const dyad::v1::Tallies& tallies) {
  const unsigned k = tallies.anonymity_threshold() == 0 ? 1U : tallies.anonymity_threshold();
  const unsigned n = tallies.responses();
  std::string out = "Results are withheld: ";
  if (n == 0) {
    out += "no one has responded yet";
  } else {
    out += "only " + number_in_words(n) + (n == 1 ? " person has" : " people have") + " responded";
  }
  out += ", and " + needed(k);
  return out;
}

// "Two responses from a run whose results are withheld are not counted."
std::string left_out_sentence(const withheld_runs& left_out) {
  const bool one = left_out.responses == 1;
  std::string out =
      number_in_words(left_out.responses) + (one ? " response from " : " responses from ");
  out += left_out.runs <= 1 ? std::string("a run") : number_in_words(left_out.runs) + " runs";
  out += " whose results are withheld";
  out += one ? " is not counted." : " are not counted.";
  capitalise_first(out);
  return out;
}

// The combined tallies are hidden while too few responses come from runs that show their own:
// "only three people have responded" would be false when withheld runs had more.
std::string withheld_combined(const dyad::v1::Tallies& combined) {
  const unsigned k = combined.anonymity_threshold() == 0 ? 1U : combined.anonymity_threshold();
  const unsigned n = combined.responses();
  if (n == 0) {
    return "Results are withheld: no run has enough responses to show its own results, and only "
           "runs that do are combined, so that no one's answers can be singled out.";
  }
  return "Results are withheld: only " + number_in_words(n) +
         (n == 1 ? " response comes" : " responses come") +
         " from runs whose own results are shown, and " + needed(k);
}

}  // namespace

std::string summarize_series(const dyad::v1::Questionnaire& questionnaire,
                             const dyad::v1::Tallies& combined, const withheld_runs& left_out) {
  if (left_out.responses == 0) return summarize(questionnaire, combined);
  std::string out =
      combined.hidden() ? withheld_combined(combined) : summarize(questionnaire, combined);
  out += ' ';
  out += left_out_sentence(left_out);
  return out;
}

std::string summarize(const dyad::v1::Questionnaire& questionnaire,
                      const dyad::v1::Tallies& tallies) {
  if (tallies.hidden()) return withheld(tallies);

  std::vector<std::string> sentences;
  for (const auto& question : questionnaire.questions()) {
    const QuestionTally* tally = find_tally(tallies, question.id());
    if (tally == nullptr || tally->hidden()) continue;
    std::string sentence;
    if (question.has_choice() && !question.choice().summary_phrase().empty()) {
      sentence = choice_sentence(question, *tally);
    } else if (question.has_scale() && !question.scale().summary_phrase().empty()) {
      sentence = scale_sentence(question, *tally);
    }
    if (sentence.empty()) continue;
    if (!question.summary_lead().empty()) sentence = question.summary_lead() + " " + sentence;
    sentences.push_back(std::move(sentence));
  }

  const std::string count = number_in_words(tallies.responses());
  std::string out;
  if (sentences.empty()) {
    // An opening such as "Of the eleven participants:" promises figures; with none to give,
    // say only how many responded.
    out =
        count + (tallies.responses() == 1 ? " participant responded." : " participants responded.");
  } else {
    out = replace_all(questionnaire.summary_opening().empty() ? std::string(default_opening)
                                                              : questionnaire.summary_opening(),
                      "{count}", count);
    for (const auto& sentence : sentences) {
      out += ' ';
      out += sentence;
    }
  }
  capitalise_first(out);
  return out;
}

}  // namespace dyad::core
