#include "core/roster.hpp"

#include <gtest/gtest.h>
