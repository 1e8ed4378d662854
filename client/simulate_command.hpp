#pragma once

#include <string>
#include <vector>

namespace dyad::cli {

/// `dyad simulate CODE --server URL --participants N …`: simulated participants join a running
/// workshop, follow its rounds and submit feedback. Returns the process exit code.
int simulate(const std::vector<std::string>& args);

}  // namespace dyad::cli
