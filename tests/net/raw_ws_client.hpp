#pragma once

// A WebSocket client on a plain POSIX socket, for tests that need a client misbehaving in ways
// the client library never would: one that stops reading, or never answers a ping.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "dyad/v1/wire.pb.h"
#include "net/net_test_support.hpp"

namespace dyad::test {

/// A WebSocket client on a plain POSIX socket, speaking just enough RFC 6455 to upgrade, send
/// masked binary frames and read one frame. Unlike the client library it reads only when told,
/// so it can play a client that stops reading.
class raw_ws_client {
public:
  /// Connects with a small receive buffer (so the server's writes back up soon) and upgrades.
  raw_ws_client(std::uint16_t port, const std::string& code) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error(std::string("connect to the server: ") + std::strerror(errno));
    write_all("GET /ws?w=" + code + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              "Sec-WebSocket-Version: 13\r\n\r\n");
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!read_some()) throw std::runtime_error("the upgrade got no complete answer in time: " + buffer_);
    const auto end = buffer_.find("\r\n\r\n") + 4;
    const auto head = buffer_.substr(0, end);
    buffer_.erase(0, end);
    if (head.rfind("HTTP/1.1 101", 0) != 0) throw std::runtime_error("the upgrade was refused: " + head);
  }
  ~raw_ws_client() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_ws_client(const raw_ws_client&) = delete;
  raw_ws_client& operator=(const raw_ws_client&) = delete;

  /// Sends one masked binary frame holding `m`.
  void send(const dyad::v1::ClientMessage& m) {
    const auto payload = m.SerializeAsString();
    std::string frame;
    frame.push_back(static_cast<char>(0x82));  // FIN, binary
    if (payload.size() < 126) {
      frame.push_back(static_cast<char>(0x80 | payload.size()));
    } else {
      frame.push_back(static_cast<char>(0x80 | 126));
      frame.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
      frame.push_back(static_cast<char>(payload.size() & 0xff));
    }
    const std::array<unsigned char, 4> mask{0x12, 0x34, 0x56, 0x78};
    for (auto b : mask) frame.push_back(static_cast<char>(b));
    for (std::size_t i = 0; i < payload.size(); ++i)
      frame.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ mask[i % 4]));
    write_all(frame);
  }

  /// Reads one frame (the server does not fragment) and parses it; nothing when none came in
  /// time or it is not a ServerMessage.
  std::optional<dyad::v1::ServerMessage> read_message() {
    while (true) {
      if (buffer_.size() >= 2) {
        const std::uint64_t len7 = static_cast<unsigned char>(buffer_[1]) & 0x7fu;
        std::size_t header = 2;
        std::uint64_t len = len7;
        if (len7 == 126) header = 4;
        if (len7 == 127) header = 10;
        if (buffer_.size() >= header) {
          if (header > 2) {
            len = 0;
            for (std::size_t i = 2; i < header; ++i) len = (len << 8) | static_cast<unsigned char>(buffer_[i]);
          }
          if (buffer_.size() >= header + len) {
            dyad::v1::ServerMessage m;
            const bool ok = m.ParseFromArray(buffer_.data() + header, static_cast<int>(len));
            buffer_.erase(0, header + len);
            if (!ok) return std::nullopt;
            return m;
          }
        }
      }
      if (!read_some()) return std::nullopt;
    }
  }

  /// Reads and discards until the server ends the connection (EOF or reset): true; false when
  /// it is still open at the deadline.
  bool drained_to_close(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 65536> chunk{};
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const auto n = ::read(fd_, chunk.data(), chunk.size());
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

private:
  void write_all(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error(std::string("send to the server: ") + std::strerror(errno));
      sent += static_cast<std::size_t>(n);
    }
  }
  bool read_some() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(answer_deadline).count())) <= 0) return false;
    std::array<char, 4096> chunk{};
    const auto n = ::read(fd_, chunk.data(), chunk.size());
    if (n <= 0) return false;
    buffer_.append(chunk.data(), static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace dyad::test
