#include "core/transcript_import.hpp"

#include <gtest/gtest.h>
