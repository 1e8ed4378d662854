#include "net/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dyad::net {

std::optional<data_dir_lock> data_dir_lock::acquire(const std::filesystem::path& dir, std::string& why) {
  std::error_code ec;
  const bool created = std::filesystem::create_directories(dir, ec);
  // A new data folder is the owner's alone: it will hold names, e-mails and feedback.
  if (created && !ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (ec) {
    why = "Cannot create the data folder " + dir.string() + ": " + ec.message() +
          ". Create it yourself, or give this user the right to write there.";
    return std::nullopt;
  }
  const auto file = dir / "dyad.lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    why = "Cannot open " + file.string() + ": " + std::strerror(errno) +
          ". Run as the user that owns the data folder (for the service: sudo -u dyad ...).";
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    why = "A dyad-server is already running on the data folder " + dir.string() +
          ". Stop it first (systemctl stop dyad, or Ctrl-C), or use another --data-dir.";
    return std::nullopt;
  }
  return data_dir_lock(fd);
}

bool data_dir_lock::held(const std::filesystem::path& dir) {
  const int fd = ::open((dir / "dyad.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
  ::close(fd);  // closing releases a lock taken here
  return !free;
}

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dyad::net
