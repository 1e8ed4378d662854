#include "net/public_url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace dyad::net {

namespace {

constexpr std::string_view example =
    "Give the address people open, with http:// or https:// and no query, e.g. https://dyad.example.org or "
    "https://example.org/dyad.";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool host_chars_ok(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 4) return false;
    return std::all_of(host.begin() + 1, host.end() - 1,
                       [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
  }
  if (host.front() == '-' || host.front() == '.' || host.back() == '-') return false;
  return std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
}

bool path_chars_ok(std::string_view path) {
  // Unreserved characters and '/' only: the prefix is matched byte for byte against request paths.
  return std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
  });
}

}  // namespace

std::string public_url::origin() const { return scheme + "://" + host + (port.empty() ? "" : ":" + port); }

bool public_url::local_only() const { return is_loopback_host(host); }

bool is_loopback_host(std::string_view host) {
  const auto h = lower(host);
  if (h == "localhost" || h.ends_with(".localhost") || h == "[::1]" || h == "::1" || h == "0.0.0.0" ||
      h.starts_with("[::ffff:127."))
    return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (!h.starts_with("127.")) return false;
  int dots = 0;
  for (char c : h) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

std::optional<public_url> parse_public_url(std::string_view text, std::string& why) {
  public_url u;
  const auto fail = [&](std::string what) -> std::optional<public_url> {
    why = "--public-url '" + std::string(text) + "' " + what + ". " + std::string(example);
    return std::nullopt;
  };
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return fail("has no scheme");
  u.scheme = lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return fail("must start with http:// or https://");
  auto rest = text.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) return fail("must not carry a query or a fragment");
  if (rest.find('@') != std::string_view::npos) return fail("must not carry a user name or password");
  const auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  // host[:port], with an IPv6 host in brackets.
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("has an IPv6 address without its closing ']'");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("has something after the IPv6 address that is not a port");
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!host_chars_ok(host)) return fail("has no valid host name");
  u.host = lower(host);
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail("has a port that is not a number from 1 to 65535");
    const bool default_port = (u.scheme == "http" && value == 80) || (u.scheme == "https" && value == 443);
    if (!default_port) u.port = std::to_string(value);
  }
  while (path.ends_with('/')) path.remove_suffix(1);
  if (!path_chars_ok(path) || path.find("//") != std::string_view::npos || path.find("/./") != std::string_view::npos ||
      path.find("/../") != std::string_view::npos || path.ends_with("/.") || path.ends_with("/.."))
    return fail("has a path with characters other than letters, digits, '-', '_', '.', '~' and '/'");
  // A prefix named like one of Dyad's own routes would make /j/CODE mean two things.
  static constexpr std::string_view reserved[] = {"/j", "/f", "/r", "/api", "/ws", "/assets", "/livez", "/readyz", "/metrics"};
  for (auto r : reserved)
    if (path == r || path.starts_with(std::string(r) + "/")) return fail("has a path that starts like one of Dyad's own pages (" + std::string(r) + "); choose another, such as /dyad");
  u.path = std::string(path);
  return u;
}

}  // namespace dyad::net
