#pragma once

// Memory for the operation a broadcast starts on every connection: its websocket write. A
// broadcast to 5,000 people has 5,000 writes alive at once (every write's completion waits in the
// queue while the fan-out goes on), far more than Asio's per-thread cache of two blocks holds, so
// without this each one is a malloc and a free of a large block.
// Blocks go back to a free list of the thread that frees them, by size class, and are reused by
// the next broadcast; what a thread keeps is bounded (`max_kept_bytes`), the rest is freed.
// No Asio here: the allocator is bound to handlers with asio::bind_allocator by its users.

#include <cstddef>
#include <new>

namespace dyad::net {

/// Thread-local free lists of small blocks. Any thread; a block may be freed on another thread
/// than the one that took it (it joins that thread's list).
class handler_memory {
public:
  /// Blocks up to this size are pooled, in classes of `granule` bytes; larger ones are plain
  /// operator new and delete. A websocket write's operation over a plain socket is about 850.
  static constexpr std::size_t granule = 64;
  static constexpr std::size_t max_pooled_size = 1024;
  /// What one thread keeps on its free lists at most: about 18,000 connections' writes.
  static constexpr std::size_t max_kept_bytes = 16 * 1024 * 1024;

  static void* allocate(std::size_t size);
  static void deallocate(void* block, std::size_t size) noexcept;
  /// What the calling thread keeps on its free lists now (for tests).
  static std::size_t kept_bytes() noexcept;
};

/// A standard allocator over handler_memory, for asio::bind_allocator.
template <class T>
struct handler_allocator {
  using value_type = T;

  handler_allocator() noexcept = default;
  template <class U>
  handler_allocator(const handler_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "blocks are aligned as operator new aligns them");
    return static_cast<T*>(handler_memory::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { handler_memory::deallocate(p, n * sizeof(T)); }

  template <class U>
  bool operator==(const handler_allocator<U>&) const noexcept {  // one pool: any two are equal (and != follows)
    return true;
  }
};

}  // namespace dyad::net
