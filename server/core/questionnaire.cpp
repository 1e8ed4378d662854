#include "core/questionnaire.hpp"
