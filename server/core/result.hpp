#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace dyad::core {

/// Why a command was refused. `code` is stable and machine-readable; `message` is a sentence a
/// person can act on: what happened and what to do.
enum class errc {
  invalid_argument,
  not_found,
  wrong_state,
  already_submitted,
  forbidden,
  /// A resource the command needs (the store, the disk) is not available now; retrying may work.
  unavailable,
};

struct error {
  errc code;
  std::string message;
};

/// A value or the error that prevented it. The core returns errors as values; exceptions are
/// kept for start-up and configuration.
template <class T>
class [[nodiscard]] result {
public:
  result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  result(error e) : v_(std::move(e)) {}       // NOLINT: implicit by design

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const& { assert(!ok()); return std::get<1>(v_); }

private:
  std::variant<T, error> v_;
};

/// For commands that return nothing but may fail.
struct ok_t {};
using status = result<ok_t>;
inline status ok() { return ok_t{}; }

inline error make_error(errc code, std::string message) { return error{code, std::move(message)}; }

}  // namespace dyad::core
