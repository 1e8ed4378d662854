#include "core/plan_validator.hpp"
