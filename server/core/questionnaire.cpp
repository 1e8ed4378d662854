#include "core/questionnaire.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace dyad::core {
namespace {

using dyad::v1::Answer;
using dyad::v1::FeedbackResponse;
using dyad::v1::Question;
using dyad::v1::Questionnaire;

std::string quoted(std::string_view text) {
  std::string out = "\u201c";
  out += text;
  out += "\u201d";
  return out;
}

const std::string& option_label(const dyad::v1::ChoiceOption& option) {
  return option.label().empty() ? option.id() : option.label();
}

// "Excellent, Good or Poor": the choices a participant can pick from.
std::string list_options(const dyad::v1::ChoiceQuestion& choice) {
  std::string out;
  const int n = choice.options_size();
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += (i == n - 1) ? " or " : ", ";
    out += quoted(option_label(choice.options(i)));
  }
  return out;
}

const dyad::v1::ChoiceOption* find_option(const dyad::v1::ChoiceQuestion& choice,
                                          std::string_view option_id) {
  for (const auto& option : choice.options()) {
    if (option.id() == option_id) return &option;
  }
  return nullptr;
}

bool has_condition(const Question& question) {
  return question.has_condition() && !question.condition().question_id().empty();
}

// What kind of value the question wants, in words a participant understands.
std::string expected_value(const Question& question) {
  switch (question.kind_case()) {
    case Question::kChoice:
      return "one of its options (" + list_options(question.choice()) + ")";
    case Question::kScale:
      return "a whole number from " + std::to_string(question.scale().min()) + " to " +
             std::to_string(question.scale().max());
    case Question::kTextAnswer:
      return "a written answer";
    case Question::KIND_NOT_SET:
      break;
  }
  return "no answer";
}

status invalid(std::string message) {
  return make_error(errc::invalid_argument, std::move(message));
}

status check_answer(const Question& question, const Answer& answer) {
  const std::string name = quoted(question_name(question));
  if (question.kind_case() == Question::KIND_NOT_SET) {
    return invalid("The question " + name +
                   " cannot be answered because the plan does not say what kind of answer it "
                   "takes; leave it out and tell the facilitator.");
  }
  const bool kind_matches =
      (question.kind_case() == Question::kChoice && answer.value_case() == Answer::kOptionId) ||
      (question.kind_case() == Question::kScale && answer.value_case() == Answer::kScale) ||
      (question.kind_case() == Question::kTextAnswer && answer.value_case() == Answer::kText);
  if (!kind_matches) {
    if (answer.value_case() == Answer::VALUE_NOT_SET) {
      return invalid("The answer to " + name + " is empty; give " + expected_value(question) +
                     " or leave the question out.");
    }
    return invalid("The answer to " + name + " is of the wrong kind; give " +
                   expected_value(question) + ".");
  }

  switch (question.kind_case()) {
    case Question::kChoice:
      if (find_option(question.choice(), answer.option_id()) == nullptr) {
        return invalid(quoted(answer.option_id()) + " is not one of the options for " + name +
                       "; choose " + list_options(question.choice()) + ".");
      }
      break;
    case Question::kScale: {
      const auto& scale = question.scale();
      if (answer.scale() < scale.min() || answer.scale() > scale.max()) {
        return invalid("The answer to " + name + " must be a whole number from " +
                       std::to_string(scale.min()) + " to " + std::to_string(scale.max()) + "; " +
                       std::to_string(answer.scale()) + " is outside that range.");
      }
      break;
    }
    case Question::kTextAnswer: {
      if (is_blank(answer.text())) {
        return invalid("The answer to " + name + " is blank; write your answer" +
                       (question.required() ? "." : ", or leave the question out."));
      }
      const std::size_t limit = question.text_answer().max_length() == 0
                                    ? default_text_max_length
                                    : question.text_answer().max_length();
      const std::size_t length = count_characters(answer.text());
      if (length > limit) {
        return invalid("The answer to " + name + " is " + std::to_string(length) +
                       " characters long; shorten it to at most " + std::to_string(limit) +
                       " characters.");
      }
      break;
    }
    case Question::KIND_NOT_SET:
      break;
  }
  return ok();
}

// "answered “Are you a CAT therapist?” with “No”".
std::string condition_words(const Questionnaire& questionnaire, const dyad::v1::Condition& c) {
  const Question* source = nullptr;
  for (const auto& q : questionnaire.questions()) {
    if (q.id() == c.question_id()) {
      source = &q;
      break;
    }
  }
  if (source == nullptr) return "its condition holds";
  std::string out = "you answer " + quoted(question_name(*source)) + " with ";
  const int n = c.option_ids_size();
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += (i == n - 1) ? " or " : ", ";
    const dyad::v1::ChoiceOption* option =
        source->has_choice() ? find_option(source->choice(), c.option_ids(i)) : nullptr;
    out += quoted(option != nullptr ? option_label(*option) : c.option_ids(i));
  }
  return out;
}

}  // namespace

std::string question_name(const Question& question) {
  return question.text().empty() ? question.id() : question.text();
}

bool is_blank(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      ++i;
    } else if (text.substr(i, 2) == "\xC2\xA0") {  // U+00A0, pasted from word processors
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}

std::size_t count_characters(std::string_view text) {
  // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

bool is_asked(const Question& question, const FeedbackResponse& response) {
  if (!has_condition(question)) return true;
  const auto& condition = question.condition();
  for (const auto& answer : response.answers()) {
    if (answer.question_id() != condition.question_id()) continue;
    if (answer.value_case() != Answer::kOptionId) return false;
    return std::find(condition.option_ids().begin(), condition.option_ids().end(),
                     answer.option_id()) != condition.option_ids().end();
  }
  return false;
}

status validate_response(const Questionnaire& questionnaire, const FeedbackResponse& response) {
  std::unordered_map<std::string_view, const Question*> by_id;
  for (const auto& q : questionnaire.questions()) by_id.emplace(q.id(), &q);

  std::unordered_set<std::string_view> answered;
  for (const auto& answer : response.answers()) {
    if (answer.question_id().empty()) {
      return invalid(
          "An answer does not say which question it belongs to; reload the feedback form and "
          "send it again.");
    }
    const auto it = by_id.find(answer.question_id());
    if (it == by_id.end()) {
      return invalid("An answer refers to the question " + quoted(answer.question_id()) +
                     ", which this feedback form does not have; reload the feedback form and "
                     "answer the questions it shows.");
    }
    const Question& question = *it->second;
    if (!answered.insert(question.id()).second) {
      return invalid("The question " + quoted(question_name(question)) +
                     " is answered more than once; give it a single answer.");
    }
    if (status s = check_answer(question, answer); !s) return s;
  }

  // Conditions are judged after every answer is known to be well-formed, so a condition never
  // rests on an answer that is about to be refused.
  for (const auto& question : questionnaire.questions()) {
    const bool asked = is_asked(question, response);
    const bool is_answered = answered.contains(question.id());
    if (!asked && is_answered) {
      return invalid("The question " + quoted(question_name(question)) + " applies only when " +
                     condition_words(questionnaire, question.condition()) +
                     "; remove your answer to it.");
    }
    if (asked && question.required() && !is_answered) {
      return invalid("Please answer " + quoted(question_name(question)) +
                     ": it is required before you can send your feedback.");
    }
  }
  return ok();
}

}  // namespace dyad::core
