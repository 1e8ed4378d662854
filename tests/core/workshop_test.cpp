#include "core/workshop.hpp"

#include <gtest/gtest.h>
