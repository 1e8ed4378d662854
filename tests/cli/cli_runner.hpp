#pragma once

#include <string>
#include <vector>

namespace dyad::test {

/// What a finished command printed and how it exited.
struct cli_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs the built `dyad` command with the given arguments, as a separate process, and waits for
/// it to finish.
cli_result run_dyad(const std::vector<std::string>& args);

/// The same for any program, e.g. the server's own commands (`dyad-server backup ...`).
cli_result run_program(const std::string& program, const std::vector<std::string>& args);

/// Writes `text` to a fresh file in a per-test temporary folder and returns its path.
std::string write_temp_file(const std::string& name, const std::string& text);

/// Reads a whole file.
std::string read_file(const std::string& path);

}  // namespace dyad::test
