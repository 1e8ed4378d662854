#include "core/plan_loader.hpp"

#include <gtest/gtest.h>
