#include "core/pairing.hpp"

#include <gtest/gtest.h>
