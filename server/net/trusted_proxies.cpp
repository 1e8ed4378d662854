#include "net/trusted_proxies.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

namespace dyad::net {

namespace {

struct parsed_address {
  std::array<unsigned char, 16> bytes{};
  bool v4 = true;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<parsed_address> parse(std::string_view text) {
  text = trim(text);
  // "[::1]" and "[::1]:443" as some proxies write it; "1.2.3.4:5678" likewise.
  if (text.size() > 2 && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    text = text.substr(1, close - 1);
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    text = text.substr(0, colon);
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  parsed_address a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
  static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes.data(), mapped, 12) == 0) {
    std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
    std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    return a;
  }
  a.v4 = false;
  return a;
}

std::string to_text(const parsed_address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf);
  return buf;
}

}  // namespace

std::string canonical_address(std::string_view text) {
  auto a = parse(text);
  return a ? to_text(*a) : std::string{};
}

std::string rate_key(std::string_view address) {
  auto a = parse(address);
  if (!a) return std::string(address);
  if (a->v4) return to_text(*a);
  std::fill(a->bytes.begin() + 8, a->bytes.end(), 0);
  return to_text(*a) + "/64";
}

bool trusted_proxies::add(std::string_view spec, std::string& why) {
  const auto fail = [&] {
    why = "--trusted-proxy '" + std::string(spec) +
          "' is not an IP address or network; give the address your reverse proxy connects from, e.g. 127.0.0.1, "
          "10.0.0.0/8 or fd00::/8.";
    return false;
  };
  const auto slash = spec.find('/');
  auto a = parse(spec.substr(0, slash));
  if (!a) return fail();
  network n;
  n.bytes = a->bytes;
  n.v4 = a->v4;
  n.prefix = a->v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    const auto bits = trim(spec.substr(slash + 1));
    int value = -1;
    const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (bits.empty() || ec != std::errc{} || end != bits.data() + bits.size() || value < 0 || value > n.prefix) return fail();
    n.prefix = value;
  }
  nets_.push_back(n);
  return true;
}

bool trusted_proxies::contains(std::string_view address) const {
  const auto a = parse(address);
  if (!a) return false;
  return std::any_of(nets_.begin(), nets_.end(), [&](const network& n) {
    if (n.v4 != a->v4) return false;
    const int full = n.prefix / 8;
    if (std::memcmp(n.bytes.data(), a->bytes.data(), static_cast<std::size_t>(full)) != 0) return false;
    const int rest = n.prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (n.bytes[static_cast<std::size_t>(full)] & mask) == (a->bytes[static_cast<std::size_t>(full)] & mask);
  });
}

client_info trusted_proxies::resolve(std::string_view peer, std::string_view forwarded_for,
                                     std::string_view forwarded_proto) const {
  client_info out;
  out.address = canonical_address(peer);
  if (out.address.empty()) out.address = std::string(peer);
  if (!contains(peer)) return out;
  // Right to left: each trusted hop vouches for the one before it; the first untrusted one is
  // the client. An entry that is not an address ends the walk at the last hop that vouched.
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const auto item = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    const auto address = canonical_address(item);
    if (address.empty()) break;
    out.address = address;
    if (!contains(address)) break;
  }
  // The proto header names the scheme the client used at the first proxy; a list takes its first.
  auto proto = trim(forwarded_proto.substr(0, forwarded_proto.find(',')));
  out.https = proto == "https" || proto == "HTTPS";
  return out;
}

}  // namespace dyad::net
