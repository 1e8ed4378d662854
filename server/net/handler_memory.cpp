#include "net/handler_memory.hpp"

#include <array>

namespace dyad::net {

namespace {

constexpr std::size_t class_count = handler_memory::max_pooled_size / handler_memory::granule;

struct free_block {
  free_block* next;
};

// Set once a thread's lists are destroyed: a handler freed later in that thread's exit (an
// io_context torn down after them) goes straight to operator delete.
thread_local bool lists_gone = false;

// One thread's free lists. Freed with the thread.
struct free_lists {
  std::array<free_block*, class_count> heads{};
  std::size_t kept = 0;

  ~free_lists() {
    lists_gone = true;
    for (std::size_t c = 0; c < class_count; ++c)
      while (heads[c] != nullptr) {
        free_block* b = heads[c];
        heads[c] = b->next;
        ::operator delete(static_cast<void*>(b));
      }
  }
};

thread_local free_lists lists;

std::size_t size_class(std::size_t size) noexcept {
  return (size + handler_memory::granule - 1) / handler_memory::granule - 1;
}

}  // namespace

void* handler_memory::allocate(std::size_t size) {
  if (size == 0 || size > max_pooled_size) return ::operator new(size);
  const std::size_t c = size_class(size);
  if (free_block* b = lists_gone ? nullptr : lists.heads[c]) {
    lists.heads[c] = b->next;
    lists.kept -= (c + 1) * granule;
    return b;
  }
  // A whole class, even after the lists are gone: the block may be freed onto another thread's.
  return ::operator new((c + 1) * granule);
}

void handler_memory::deallocate(void* block, std::size_t size) noexcept {
  if (block == nullptr) return;
  if (size == 0 || size > max_pooled_size || lists_gone) return ::operator delete(block);
  const std::size_t c = size_class(size);
  const std::size_t bytes = (c + 1) * granule;
  if (lists.kept + bytes > max_kept_bytes) return ::operator delete(block);
  auto* b = static_cast<free_block*>(block);
  b->next = lists.heads[c];
  lists.heads[c] = b;
  lists.kept += bytes;
}

std::size_t handler_memory::kept_bytes() noexcept { return lists_gone ? 0 : lists.kept; }

}  // namespace dyad::net
