#include "core/summary.hpp"

#include <gtest/gtest.h>
