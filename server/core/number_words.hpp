#pragma once

#include <string>

namespace dyad::core {

/// A whole number in British English words, as a published summary says it: "eleven",
/// "twenty-one", "one hundred and five", "two thousand and three",
/// "one million two hundred thousand". Lower case throughout, so the caller decides whether it
/// starts a sentence. Pure function; thread-safe.
std::string number_in_words(unsigned n);

}  // namespace dyad::core
