#include "core/feedback_box.hpp"
