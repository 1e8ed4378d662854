#pragma once

// One dyad-server per data folder: two writers on one event log would each believe their own
// memory. The running server holds DIR/dyad.lock; commands that must not run beside it (restore)
// take it too, and commands that may (a new facilitator link) ask whether it is held.

#include <filesystem>
#include <optional>
#include <string>

namespace dyad::net {

/// An exclusive advisory lock (flock) on DIR/dyad.lock, released when destroyed or when the
/// process dies, however it dies. Move-only.
class data_dir_lock {
public:
  /// Takes the lock, creating DIR when missing. Nothing, with `why` set, when another process
  /// holds it or the folder cannot be used.
  static std::optional<data_dir_lock> acquire(const std::filesystem::path& dir, std::string& why);
  /// Whether a process holds the lock now (a server runs on DIR).
  static bool held(const std::filesystem::path& dir);

  data_dir_lock(data_dir_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  data_dir_lock& operator=(data_dir_lock&& other) noexcept;
  data_dir_lock(const data_dir_lock&) = delete;
  ~data_dir_lock();

private:
  explicit data_dir_lock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace dyad::net
