#include "net/passwords.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace dyad::net {
namespace {

void ready() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start; reinstall libsodium23.");
  });
}

}  // namespace

core::result<std::string> hash_password(std::string_view password) {
  ready();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return core::make_error(core::errc::unavailable,
                            "The server is short of memory to protect the password; try again in a moment.");
  return std::string(out);
}

bool password_matches(std::string_view hash, std::string_view password) {
  ready();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);  // crypto_pwhash_str_verify reads a C string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void waste_a_password_check(std::string_view password) {
  static const auto decoy = hash_password("a password no account has, hashed once");
  if (decoy) (void)password_matches(*decoy, password);
}

}  // namespace dyad::net
