#pragma once

// The address people reach Dyad at, as given by --public-url, and the links built from it.
// Plain C++: no Asio or Beast here.

#include <optional>
#include <string>
#include <string_view>

namespace dyad::net {

/// A public URL, e.g. https://dyad.example.org or https://example.org/dyad: every link Dyad
/// prints, returns or draws starts with `base()`.
struct public_url {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< lower case; an IPv6 address keeps its brackets
  std::string port;    ///< empty when the scheme's default
  std::string path;    ///< "" or a prefix such as "/dyad", never ending in '/'

  /// scheme://host[:port], the Origin a browser sends from pages under this URL.
  std::string origin() const;
  /// origin() + path: what links start with.
  std::string base() const { return origin() + path; }
  /// Whether the host means "this computer" (127.0.0.0/8, localhost, ::1): such a link works
  /// only on the machine that opens it.
  bool local_only() const;
};

/// Parses and checks a public URL. On failure, nothing, with `why` set to a sentence that says
/// what a valid one looks like.
std::optional<public_url> parse_public_url(std::string_view text, std::string& why);

/// Whether a host name or address means "this computer".
bool is_loopback_host(std::string_view host);

/// What the links of one server start with, and whether they work only on its own computer.
/// Filled in once at start, before the network runs; read-only afterwards.
struct public_links {
  std::string base;
  std::string path_prefix;
  bool local_only = true;

  std::string join_url(const std::string& code) const { return base + "/j/" + code; }
  std::string facilitator_url(const std::string& code, const std::string& token) const {
    return base + "/f/" + code + "#t=" + token;
  }
  std::string report_url(const std::string& code, const std::string& token) const {
    return base + "/r/" + code + "#t=" + token;
  }
};

}  // namespace dyad::net
