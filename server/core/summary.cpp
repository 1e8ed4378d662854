#include "core/summary.hpp"
