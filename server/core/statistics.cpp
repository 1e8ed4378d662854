#include "core/statistics.hpp"
