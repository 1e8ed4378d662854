#include "net/secrets.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace dyad::net {

namespace {

void fill_random(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1)
    throw std::runtime_error("The system's random number generator failed; Dyad cannot make secure tokens.");
}

// Four letters without I, L or O, so a code read aloud or copied by hand cannot be misread.
constexpr std::array<const char*, 48> words{
    "BARN", "BEAM", "CAKE", "CAVE", "CRAB", "DART", "DEER", "DRUM", "DUNE", "FAWN", "FERN", "GEAR",
    "GUST", "HARP", "HAWK", "HUSK", "JADE", "KEEN", "MANE", "MARS", "MESA", "MUSE", "NAVY", "NEST",
    "PEAR", "PUMA", "RAFT", "REEF", "RUNE", "SAGE", "SAND", "SEED", "STAR", "SWAN", "TREK", "TUNE",
    "TUSK", "VASE", "WARM", "WAVE", "WREN", "YARD", "ZEST", "BEAR", "CUBE", "DAWN", "MAST", "PATH"};
constexpr std::string_view digits = "23456789";

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  fill_random(raw.data(), raw.size());
  return to_hex(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

std::uint64_t random_u64() {
  std::array<unsigned char, 8> raw{};
  fill_random(raw.data(), raw.size());
  std::uint64_t v = 0;
  for (auto b : raw) v = (v << 8) | b;
  return v;
}

std::string sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::string to_hex(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 0xf]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // sizes are public (digests are fixed length)
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string make_join_code() {
  std::array<unsigned char, 5> r{};
  fill_random(r.data(), r.size());
  std::string code = words[r[0] % words.size()];
  code.push_back('-');
  for (std::size_t i = 1; i < r.size(); ++i) code.push_back(digits[r[i] % digits.size()]);
  return code;
}

std::string normalize_code(std::string_view typed) {
  // Letters and digits only, upper-cased: spaces, hyphens and dashes of every kind are what
  // people type (or a phone's keyboard substitutes) between the word and the number.
  std::string kept;
  kept.reserve(typed.size());
  for (char c : typed)
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 && static_cast<unsigned char>(c) < 0x80)
      kept.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  const auto first_digit = kept.find_first_of("0123456789");
  if (first_digit == 0 || first_digit == std::string::npos) return kept;
  const bool word_then_number =
      std::all_of(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(first_digit), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }) &&
      std::all_of(kept.begin() + static_cast<std::ptrdiff_t>(first_digit), kept.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  if (!word_then_number) return kept;
  return kept.substr(0, first_digit) + "-" + kept.substr(first_digit);
}

bool admin_credential::matches(std::string_view token) const {
  if (token.empty()) return false;
  const auto digest = sha256(token);
  std::lock_guard lock(mutex_);
  return constant_time_equal(digest, sha256_);
}

void admin_credential::replace(std::string token_sha256) {
  std::lock_guard lock(mutex_);
  sha256_ = std::move(token_sha256);
}

}  // namespace dyad::net
