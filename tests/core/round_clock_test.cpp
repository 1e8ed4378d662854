#include "core/round_clock.hpp"

#include <gtest/gtest.h>
