#include "core/feedback_box.hpp"

#include <gtest/gtest.h>
