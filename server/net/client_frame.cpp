#include "net/client_frame.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;

decoded_frame decode_client_frame(std::string_view bytes, bool binary) {
  if (!binary)
    return frame_refusal{0, v1::ERROR_CODE_MALFORMED,
                         "Send binary frames holding a dyad.v1.ClientMessage; text frames are not accepted."};
  v1::ClientMessage request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return frame_refusal{0, v1::ERROR_CODE_MALFORMED,
                         "That frame is not a dyad.v1.ClientMessage; check the client's protocol version."};
  // 0 marks the server's own events: an answer to it could not be told from one.
  if (request.request_id() == 0)
    return frame_refusal{0, v1::ERROR_CODE_MALFORMED,
                         "Every request needs a request_id other than 0, unique on the connection; 0 is kept for "
                         "the server's events."};
  if (request.kind_case() == v1::ClientMessage::KIND_NOT_SET)
    return frame_refusal{request.request_id(), v1::ERROR_CODE_UNKNOWN_MESSAGE,
                         "This server does not know that request; the page may be newer than the server — reload it."};
  return request;
}

}  // namespace dyad::net
