#pragma once

// Tokens, digests and join codes. Randomness comes from OpenSSL's CSPRNG; nothing here is
// seeded, so no test can predict a token.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace dyad::net {

/// `bytes` random bytes from the CSPRNG, as lower-case hex (2 × bytes characters).
/// Throws std::runtime_error if the CSPRNG cannot deliver (it never should on Linux).
std::string random_hex(std::size_t bytes);

/// A random 64-bit number from the CSPRNG, for seeds that must not be guessable.
std::uint64_t random_u64();

/// The raw 32-byte SHA-256 digest of `data`, as stored in the log's `bytes` fields.
std::string sha256(std::string_view data);

/// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

/// Compares two secrets (or their digests) in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

/// A short code people can type, e.g. "DUNE-4827": a four-letter word and four digits, with
/// none of the letters and digits that are easy to misread (I, L, O, 0, 1).
std::string make_join_code();

/// A code as a person typed it, in the form codes are made: "dune-4827 ", "dune 4827" and
/// "DUNE4827" all find "DUNE-4827". What is not a word and a number comes back upper-cased,
/// without its spaces and punctuation (and so finds no workshop).
std::string normalize_code(std::string_view typed);

/// The admin token, held as its SHA-256 only; replaced while the server runs when an operator
/// makes a new one (the old one stops working at once). Thread-safe.
class admin_credential {
public:
  explicit admin_credential(std::string token_sha256) : sha256_(std::move(token_sha256)) {}
  /// Whether `token` is the admin token (false for an empty one), in constant time.
  bool matches(std::string_view token) const;
  void replace(std::string token_sha256);

private:
  mutable std::mutex mutex_;
  std::string sha256_;
};

}  // namespace dyad::net
