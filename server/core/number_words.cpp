#include "core/number_words.hpp"
