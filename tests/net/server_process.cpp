#include "net/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace dyad::test {

namespace fs = std::filesystem;

temp_dir::temp_dir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("dyad-net-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

server_process::server_process(const fs::path& data_dir, std::vector<std::string> extra_args) {
  static int counter = 0;
  log_file_ = data_dir.parent_path() / (data_dir.filename().string() + "-server-" + std::to_string(++counter) + ".log");
  std::vector<std::string> args{DYAD_SERVER, "--port", "0", "--data-dir", data_dir.string()};
  // The tests' own admin token, unless the test gives one (an empty one: the server's own).
  if (std::find(extra_args.begin(), extra_args.end(), "--admin-token") == extra_args.end())
    args.insert(args.end(), {"--admin-token", admin_token});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const int err_fd = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err_fd < 0) throw std::runtime_error("cannot create " + log_file_.string());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  close(err_fd);
  stdout_fd_ = out[0];

  // Read until the listening line, with a deadline; never a fixed sleep.
  // Then the links, set apart between two rules: the banner is complete after the second.
  const std::regex listening(R"(dyad-server listening on http://[^\s:]+:(\d+)\n[\s\S]*={20,}\n[\s\S]*={20,}\n)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::smatch m;
  while (!std::regex_search(banner_, m, listening)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{stdout_fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      kill();
      throw std::runtime_error("dyad-server did not print its listening line in time; stdout: " + banner_ +
                               "\nstderr: " + logs());
    }
    std::array<char, 4096> buf{};
    const auto n = read(stdout_fd_, buf.data(), buf.size());
    if (n <= 0) {
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
      throw std::runtime_error("dyad-server exited before listening; stdout: " + banner_ + "\nstderr: " + logs());
    }
    banner_.append(buf.data(), static_cast<std::size_t>(n));
  }
  port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

server_process::~server_process() {
  if (pid_ > 0) stop();
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

int server_process::stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  // Wait on the child's exit itself: a pidfd becomes readable when the process ends.
  const int exit_fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  bool exited = false;
  if (exit_fd >= 0) {
    pollfd p{exit_fd, POLLIN, 0};
    const auto ms = static_cast<int>(timeout.count());
    int r = 0;
    do {
      r = ::poll(&p, 1, ms);
    } while (r < 0 && errno == EINTR);
    exited = r == 1;
    ::close(exit_fd);
  }
  int status = 0;
  if (!exited && exit_fd >= 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  waitpid(pid_, &status, 0);  // reaped now (or, without pidfd support, waited for)
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void server_process::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string server_process::logs() const { return read_text(log_file_); }

}  // namespace dyad::test
