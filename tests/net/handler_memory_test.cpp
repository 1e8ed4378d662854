#include "net/handler_memory.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstring>
#include <thread>
#include <vector>

namespace dyad::net {
namespace {

namespace asio = boost::asio;

TEST(HandlerMemory, AFreedBlockIsHandedOutAgainForTheNextOperationOfItsSize) {
  void* first = handler_memory::allocate(200);
  handler_memory::deallocate(first, 200);
  // Any size of the same 64-byte class gets the same block back, without a malloc.
  void* again = handler_memory::allocate(230);
  EXPECT_EQ(again, first);
  handler_memory::deallocate(again, 230);
}

TEST(HandlerMemory, EveryBlockOfAClassHoldsTheWholeClass) {
  // Taken for 65 bytes, freed, then reused for 128: the block must hold 128.
  void* small = handler_memory::allocate(65);
  handler_memory::deallocate(small, 65);
  auto* big = static_cast<unsigned char*>(handler_memory::allocate(128));
  ASSERT_EQ(static_cast<void*>(big), small);
  std::memset(big, 0xab, 128);  // the sanitizer presets catch an overrun here
  handler_memory::deallocate(big, 128);
}

TEST(HandlerMemory, WhatAThreadKeepsIsBounded) {
  const std::size_t before = handler_memory::kept_bytes();
  std::vector<void*> blocks;
  const std::size_t size = handler_memory::max_pooled_size;
  for (std::size_t i = 0; i < handler_memory::max_kept_bytes / size + 100; ++i)
    blocks.push_back(handler_memory::allocate(size));
  for (void* b : blocks) handler_memory::deallocate(b, size);
  EXPECT_LE(handler_memory::kept_bytes(), handler_memory::max_kept_bytes);
  EXPECT_GT(handler_memory::kept_bytes(), before);
}

TEST(HandlerMemory, LargeBlocksAreNotKept) {
  const std::size_t before = handler_memory::kept_bytes();
  void* large = handler_memory::allocate(handler_memory::max_pooled_size + 1);
  handler_memory::deallocate(large, handler_memory::max_pooled_size + 1);
  EXPECT_EQ(handler_memory::kept_bytes(), before);
}

TEST(HandlerMemory, ABlockFreedOnAnotherThreadJoinsThatThreadsLists) {
  void* block = handler_memory::allocate(300);
  std::size_t kept_there = 0;
  void* reused_there = nullptr;
  std::thread other([&] {
    handler_memory::deallocate(block, 300);
    kept_there = handler_memory::kept_bytes();
    reused_there = handler_memory::allocate(300);
    handler_memory::deallocate(reused_there, 300);
  });
  other.join();
  EXPECT_EQ(kept_there, 320u);
  EXPECT_EQ(reused_there, block);
}

TEST(HandlerMemory, AsioTakesAPostedHandlersMemoryFromItWhenBound) {
  asio::io_context ioc;
  const std::size_t before = handler_memory::kept_bytes();
  std::vector<int> ran;
  for (int i = 0; i < 100; ++i)
    asio::post(ioc, asio::bind_allocator(handler_allocator<void>{}, [&ran, i] { ran.push_back(i); }));
  ioc.run();
  ASSERT_EQ(ran.size(), 100u);
  // All 100 were alive at once; once run, their memory is back on this thread's lists.
  EXPECT_GT(handler_memory::kept_bytes(), before);
}

}  // namespace
}  // namespace dyad::net
