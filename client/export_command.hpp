#pragma once

#include <string>
#include <vector>

namespace dyad::cli {

/// `dyad export CODE --server URL --token T --format csv|json|summary`: prints a workshop's
/// statistics as the server exports them. Returns the process exit code.
int export_statistics(const std::vector<std::string>& args);

}  // namespace dyad::cli
