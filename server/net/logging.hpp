#pragma once

#include "net/server_config.hpp"

namespace dyad::net {

/// Sets spdlog's default logger: to stderr, as text lines or as JSON lines (one object per line
/// with time, level and msg). Stdout stays for the lines people and tests read.
void setup_logging(log_format format);

}  // namespace dyad::net
