#include "core/number_words.hpp"

#include <gtest/gtest.h>

namespace dyad::core {
namespace {

TEST(NumberWords, SaysNumbersBelowTwenty) {
  EXPECT_EQ(number_in_words(0), "zero");
  EXPECT_EQ(number_in_words(1), "one");
  EXPECT_EQ(number_in_words(11), "eleven");
  EXPECT_EQ(number_in_words(13), "thirteen");
  EXPECT_EQ(number_in_words(19), "nineteen");
}

TEST(NumberWords, HyphenatesTensAndUnits) {
  EXPECT_EQ(number_in_words(20), "twenty");
  EXPECT_EQ(number_in_words(21), "twenty-one");
  EXPECT_EQ(number_in_words(40), "forty");
  EXPECT_EQ(number_in_words(99), "ninety-nine");
}

TEST(NumberWords, PutsAndAfterHundred) {
  EXPECT_EQ(number_in_words(100), "one hundred");
  EXPECT_EQ(number_in_words(105), "one hundred and five");
  EXPECT_EQ(number_in_words(342), "three hundred and forty-two");
}

TEST(NumberWords, PutsAndBeforeLastGroupBelowHundred) {
  EXPECT_EQ(number_in_words(1000), "one thousand");
  EXPECT_EQ(number_in_words(2003), "two thousand and three");
  EXPECT_EQ(number_in_words(1100), "one thousand one hundred");
  EXPECT_EQ(number_in_words(1234), "one thousand two hundred and thirty-four");
  EXPECT_EQ(number_in_words(101000), "one hundred and one thousand");
  EXPECT_EQ(number_in_words(1000001), "one million and one");
  EXPECT_EQ(number_in_words(1200000), "one million two hundred thousand");
}

TEST(NumberWords, SaysLargestUnsigned) {
  EXPECT_EQ(number_in_words(4294967295U),
            "four billion two hundred and ninety-four million nine hundred and sixty-seven "
            "thousand two hundred and ninety-five");
}

}  // namespace
}  // namespace dyad::core
