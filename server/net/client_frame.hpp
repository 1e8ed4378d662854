#pragma once

// What a WebSocket session does with the bytes of one frame before a workshop sees them: a
// binary frame holding a dyad.v1.ClientMessage with a request id and a request, or a refusal
// with the sentence the client is sent. No Beast: the fuzz target decodes frames through the
// same function.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "dyad/v1/wire.pb.h"

namespace dyad::net {

/// A frame the session answers itself, without passing it on.
struct frame_refusal {
  /// The request id to echo: 0 when the frame could not be read as a request.
  std::uint64_t request_id = 0;
  dyad::v1::ErrorCode code = dyad::v1::ERROR_CODE_MALFORMED;
  std::string message;
};

/// Either the request to hand to the workshop, or why the frame is refused.
using decoded_frame = std::variant<dyad::v1::ClientMessage, frame_refusal>;

/// Decodes one frame as received. `binary` is whether it came as a binary frame.
decoded_frame decode_client_frame(std::string_view bytes, bool binary);

}  // namespace dyad::net
