#pragma once

#include <string>
#include <vector>

namespace dyad::cli {

/// Runs the command with the arguments after its name; returns the process exit code.
int transcript_import(const std::vector<std::string>& args);

}  // namespace dyad::cli
