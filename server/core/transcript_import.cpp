#include "core/transcript_import.hpp"
