#include "core/round_clock.hpp"
