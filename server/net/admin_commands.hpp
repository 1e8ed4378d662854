#pragma once

// The server administrator's commands, run as `dyad-server COMMAND ...` on the server machine:
// they work on the data folder directly, or through the running server's control socket when
// one runs, so they are safe while Dyad serves.

#include <iosfwd>
#include <optional>

namespace dyad::net {

/// Runs `dyad-server workshops list`, `workshops facilitator-link CODE`, `backup --to FILE`,
/// `restore --from FILE` or `admin-token --reset` (each with --data-dir DIR, default
/// DYAD_DATA_DIR or ./dyad-data).
/// Nothing when argv names no command (the server itself is to run); otherwise the exit status:
/// 0 done, 1 failed (the reason on `err`), 2 a usage mistake.
std::optional<int> run_admin_command(int argc, const char* const argv[], std::ostream& out, std::ostream& err);

}  // namespace dyad::net
