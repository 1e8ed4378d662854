#include "core/tally.hpp"

#include <gtest/gtest.h>
