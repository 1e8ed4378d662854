#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace dyad::core {

/// A random source whose every output is fixed by its seed on every platform: the engine is
/// std::mt19937_64 (its sequence is standardised) and the distributions are our own, because
/// the standard library's distributions differ between implementations.
class seeded_rng {
public:
  explicit seeded_rng(std::uint64_t seed) : engine_(seed) {}

  /// Mixes several numbers into one seed (e.g. workshop seed and round number).
  static std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    std::uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t next() { return engine_(); }

  /// Uniform in [0, bound), bound > 0, without modulo bias.
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
    std::uint64_t x = engine_();
    while (x >= limit) x = engine_();
    return x % bound;
  }

  /// Uniform in [0, 1).
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

private:
  std::mt19937_64 engine_;
};

}  // namespace dyad::core
