#include "core/number_words.hpp"

#include <array>
#include <string_view>

namespace dyad::core {
namespace {

constexpr std::array<std::string_view, 20> below_twenty = {
    "zero",     "one",     "two",     "three",     "four",     "five",    "six",
    "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
    "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};

constexpr std::array<std::string_view, 10> tens_words = {
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

// 1..99: "seven", "forty", "forty-two".
void append_below_hundred(std::string& out, unsigned n) {
  if (n < 20) {
    out += below_twenty[n];
    return;
  }
  out += tens_words[n / 10];
  if (n % 10 != 0) {
    out += '-';
    out += below_twenty[n % 10];
  }
}

// 1..999: "five", "one hundred", "one hundred and five".
void append_below_thousand(std::string& out, unsigned n) {
  if (n >= 100) {
    out += below_twenty[n / 100];
    out += " hundred";
    if (n % 100 == 0) return;
    out += " and ";
  }
  append_below_hundred(out, n % 100);
}

}  // namespace

std::string number_in_words(unsigned n) {
  if (n == 0) return std::string(below_twenty[0]);

  struct scale {
    unsigned value;
    std::string_view name;
  };
  // unsigned holds at most a few thousand million, so billions (short scale) are the largest group.
  constexpr std::array<scale, 3> scales = {
      {{1'000'000'000U, "billion"}, {1'000'000U, "million"}, {1'000U, "thousand"}}};

  std::string out;
  unsigned rest = n;
  for (const scale& s : scales) {
    if (rest < s.value) continue;
    if (!out.empty()) out += ' ';
    append_below_thousand(out, rest / s.value);
    out += ' ';
    out += s.name;
    rest %= s.value;
  }
  if (rest != 0) {
    if (!out.empty()) {
      // British usage puts "and" before a last group under a hundred ("two thousand and three")
      // but not before one with hundreds, which carries its own ("one thousand one hundred and
      // five").
      out += rest < 100 ? " and " : " ";
    }
    append_below_thousand(out, rest);
  }
  return out;
}

}  // namespace dyad::core
