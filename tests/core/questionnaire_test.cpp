#include "core/questionnaire.hpp"

#include <gtest/gtest.h>
