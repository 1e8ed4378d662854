#pragma once

#include <string>
#include <vector>

namespace dyad::cli {

/// `dyad create PLAN --server URL [--admin-token T]`: creates a workshop on a server from a plan
/// and prints its code and links. Returns the process exit code.
int create_workshop(const std::vector<std::string>& args);

}  // namespace dyad::cli
