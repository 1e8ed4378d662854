// libFuzzer target: bytes become a few frames on the connections of a live in-process workshop
// (fuzz_input.hpp), decoded as the WebSocket session decodes them and dispatched through the
// real request routing; live_workshop checks the server's promises after each input.

#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "live_workshop.hpp"

namespace {
dyad::fuzz::live_workshop* workshop = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Kept for the process's life, never destroyed: libFuzzer may exit from any thread.
  workshop = new dyad::fuzz::live_workshop(DYAD_FUZZ_PLAN);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  workshop->run(dyad::fuzz::read_steps(data, size));
  return 0;
}
