#include "core/tally.hpp"
