#include "net/handler_memory.hpp"

#include <gtest/gtest.h>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace dyad::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Each test runs on a thread of its own, so that it starts with empty free lists whatever ran
// before it in the same process.
template <class Body>
void on_a_fresh_thread(Body body) {
  std::thread t(body);
  t.join();
}

TEST(HandlerMemory, AFreedBlockIsHandedOutAgainForTheNextOperationOfItsSizeClass) {
  on_a_fresh_thread([] {
    void* first = handler_memory::allocate(200);
    handler_memory::deallocate(first, 200);
    EXPECT_EQ(handler_memory::kept_bytes(), 256u) << "the freed block is kept, as a whole 256-byte class";
    void* again = handler_memory::allocate(230);  // the same class
    EXPECT_EQ(again, first);
    EXPECT_EQ(handler_memory::kept_bytes(), 0u) << "handed out again, not taken from malloc";
    handler_memory::deallocate(again, 230);
  });
}

TEST(HandlerMemory, EveryBlockOfAClassHoldsTheWholeClass) {
  on_a_fresh_thread([] {
    // Taken for 65 bytes, freed, then reused for 128: the block must hold 128.
    void* small = handler_memory::allocate(65);
    handler_memory::deallocate(small, 65);
    auto* big = static_cast<unsigned char*>(handler_memory::allocate(128));
    ASSERT_EQ(static_cast<void*>(big), small);
    std::memset(big, 0xab, 128);  // the sanitizer presets catch an overrun here
    handler_memory::deallocate(big, 128);
  });
}

TEST(HandlerMemory, WhatAThreadKeepsIsBounded) {
  on_a_fresh_thread([] {
    std::vector<void*> blocks;
    const std::size_t size = handler_memory::max_pooled_size;
    const std::size_t count = handler_memory::max_kept_bytes / size + 100;
    for (std::size_t i = 0; i < count; ++i) blocks.push_back(handler_memory::allocate(size));
    for (void* b : blocks) handler_memory::deallocate(b, size);
    EXPECT_EQ(handler_memory::kept_bytes(), handler_memory::max_kept_bytes) << "kept up to the bound, and no more";
  });
}

TEST(HandlerMemory, LargeBlocksAreNotKept) {
  on_a_fresh_thread([] {
    void* large = handler_memory::allocate(handler_memory::max_pooled_size + 1);
    handler_memory::deallocate(large, handler_memory::max_pooled_size + 1);
    EXPECT_EQ(handler_memory::kept_bytes(), 0u);
  });
}

TEST(HandlerMemory, ABlockFreedOnAnotherThreadJoinsThatThreadsLists) {
  void* block = handler_memory::allocate(300);
  std::size_t kept_there = 0;
  void* reused_there = nullptr;
  on_a_fresh_thread([&] {
    handler_memory::deallocate(block, 300);
    kept_there = handler_memory::kept_bytes();
    reused_there = handler_memory::allocate(300);
    handler_memory::deallocate(reused_there, 300);
  });
  EXPECT_EQ(kept_there, 320u);
  EXPECT_EQ(reused_there, block);
}

// The way the server writes: a websocket over a plain socket whose executor is a strand held as
// an any_io_executor, the completion handler bound to the allocator. The write's operation must
// come from the free lists (and fit in a pooled class), or broadcasts go back to malloc.
TEST(HandlerMemory, AWebsocketWriteAsTheServerMakesItTakesItsOperationFromTheFreeLists) {
  on_a_fresh_thread([] {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket accepted(asio::make_strand(ioc));
    websocket::stream<tcp::socket> client(ioc);
    client.next_layer().connect(acceptor.local_endpoint());
    acceptor.accept(accepted);
    websocket::stream<tcp::socket> server(std::move(accepted));
    std::thread handshake([&] { client.handshake("127.0.0.1", "/"); });
    server.accept();
    handshake.join();
    server.binary(true);

    const std::string frame(200, 'x');
    std::size_t written = 0;
    ASSERT_EQ(handler_memory::kept_bytes(), 0u);
    server.async_write(asio::buffer(frame), asio::bind_allocator(handler_allocator<void>{},
                                                                 [&](beast::error_code ec, std::size_t n) {
                                                                   EXPECT_FALSE(ec) << ec.message();
                                                                   written = n;
                                                                 }));
    ioc.run();
    EXPECT_EQ(written, frame.size());
    EXPECT_GT(handler_memory::kept_bytes(), 0u) << "the write's operation was not allocated from the free lists";

    beast::flat_buffer received;
    client.read(received);
    EXPECT_EQ(beast::buffers_to_string(received.data()), frame);
  });
}

}  // namespace
}  // namespace dyad::net
