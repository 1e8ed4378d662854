#include "cli/cli_runner.hpp"

#include <gtest/gtest.h>
