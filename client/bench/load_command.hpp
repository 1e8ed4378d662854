#pragma once

#include <string>
#include <vector>

namespace dyad::cli {

/// `dyad bench --target ws://HOST:PORT|tcp://HOST:PORT --scenario hold|feedback|churn|slow …`:
/// one run of the load benchmark against dyad-server, the Node.js peer or the floor server,
/// printing one "name value" line per figure. Returns the process exit code.
int bench(const std::vector<std::string>& args);

}  // namespace dyad::cli
