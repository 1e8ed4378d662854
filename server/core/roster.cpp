#include "core/roster.hpp"
