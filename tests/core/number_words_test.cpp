#include "core/number_words.hpp"

#include <gtest/gtest.h>
