#pragma once

// Passwords as Argon2id strings (libsodium's crypto_pwhash_str: the salt and the cost travel in
// the string). Hashing costs about 64 MiB and a tenth of a second on purpose: never on a
// network thread or a workshop's strand.

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace dyad::net {

/// The Argon2id string of `password`; errc::unavailable when the machine cannot spare the memory.
core::result<std::string> hash_password(std::string_view password);

/// Whether `password` matches `hash` (false for an empty or malformed hash).
bool password_matches(std::string_view hash, std::string_view password);

/// Spends the time a real check would, for a sign-in with no such account: an answer no faster
/// than a wrong password says nothing about which e-mail addresses have accounts.
void waste_a_password_check(std::string_view password);

}  // namespace dyad::net
