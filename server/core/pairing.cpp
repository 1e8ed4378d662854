#include "core/pairing.hpp"
