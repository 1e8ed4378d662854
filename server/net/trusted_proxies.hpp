#pragma once

// Who a request really comes from when Dyad runs behind a reverse proxy. Plain C++ (POSIX
// address parsing): no Asio or Beast here.

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace dyad::net {

/// The client of one request: its address (as logs and rate limits see it) and whether it
/// reached the proxy over HTTPS.
struct client_info {
  std::string address;
  bool https = false;
};

/// The addresses and networks of the reverse proxies in front of Dyad (--trusted-proxy). Only a
/// connection from one of them may say, in X-Forwarded-For and X-Forwarded-Proto, who the client
/// is; anybody else's headers are ignored, so nobody can spoof their address. Immutable once the
/// server runs; safe to read from any thread.
class trusted_proxies {
public:
  /// Adds an address or a network in CIDR form: "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8".
  /// False, with `why` set to a sentence saying what a valid one looks like, when it is not one.
  bool add(std::string_view spec, std::string& why);
  bool empty() const noexcept { return nets_.empty(); }
  /// Whether `address` (textual, IPv4 or IPv6, an IPv4-mapped IPv6 address counting as IPv4)
  /// lies in one of the trusted networks.
  bool contains(std::string_view address) const;

  /// The client behind a connection from `peer`. From a trusted proxy: the right-most address of
  /// X-Forwarded-For that is not itself a trusted proxy (earlier entries can be written by
  /// anyone), and the scheme of X-Forwarded-Proto. From anybody else: `peer` itself, and both
  /// headers ignored.
  client_info resolve(std::string_view peer, std::string_view forwarded_for, std::string_view forwarded_proto) const;

private:
  struct network {
    std::array<unsigned char, 16> bytes{};
    bool v4 = true;
    int prefix = 0;
  };
  std::vector<network> nets_;
};

/// An address in its canonical text form (IPv4-mapped IPv6 as IPv4); empty when not an address.
/// A port after it ("203.0.113.7:5678", "[2001:db8::1]:443"), as some proxies write, is dropped.
std::string canonical_address(std::string_view text);

/// What per-address limits count by: an IPv4 address, or an IPv6 address's /64 (one household
/// or one attacker's whole allocation, which would otherwise hold endless fresh addresses).
std::string rate_key(std::string_view address);

}  // namespace dyad::net
