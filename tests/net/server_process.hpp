#pragma once

// Runs the real dyad-server binary as a child process, as an operator would, on an ephemeral
// port and a fresh data folder.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dyad::test {

/// A fresh temporary folder, removed when destroyed.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
};

/// One dyad-server process. Starts it with --port 0 and waits (with a deadline) for its
/// "dyad-server listening on http://ADDR:PORT" line and the links it prints after it.
class server_process {
public:
  static constexpr const char* admin_token = "test-admin-token-0123456789abcdef";

  /// Started with `--admin-token admin_token` unless `extra_args` gives --admin-token itself
  /// ("--admin-token", "" lets the server keep its own).
  /// Throws std::runtime_error (with the server's stderr) when it does not come up in time.
  explicit server_process(const std::filesystem::path& data_dir, std::vector<std::string> extra_args = {});
  /// Stops it with SIGTERM if still running.
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// The server's process id (its memory and CPU time are in /proc/PID).
  pid_t pid() const noexcept { return pid_; }
  /// What it printed at start: the listening line, then the links set apart between two rules.
  const std::string& banner() const noexcept { return banner_; }
  /// SIGTERM, then waits; returns the exit status (128 + signal when killed, -1 on timeout).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// SIGKILL, as a power cut would; waits for it.
  void kill();
  /// What the server wrote to stderr so far (its logs).
  std::string logs() const;

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string banner_;
  std::filesystem::path log_file_;
};

/// The text of a file.
std::string read_text(const std::filesystem::path& path);

}  // namespace dyad::test
