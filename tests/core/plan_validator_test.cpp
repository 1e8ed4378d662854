#include "core/plan_validator.hpp"

#include <gtest/gtest.h>
