#include "core/statistics.hpp"

#include <gtest/gtest.h>
