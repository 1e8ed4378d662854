#include "core/plan_loader.hpp"
