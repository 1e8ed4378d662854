#include "core/workshop.hpp"
