#pragma once

// The answers every HTTP route gives: a response with Dyad's headers, JSON in the protobuf
// mapping, and errors as a dyad.v1.Error with the status that matches its code.

#include <boost/beast/http/status.hpp>

#include <string>
#include <string_view>

#include "net/http_routes.hpp"

namespace google::protobuf {
class Message;
}

namespace dyad::net {

/// `body` as `content_type`, not cached, keeping the connection as the request asked.
http_response make_response(const http_request& req, boost::beast::http::status status, std::string body,
                            std::string_view content_type);

/// A message in the protobuf JSON mapping (lowerCamelCase names).
std::string to_json(const google::protobuf::Message& m);

/// Reads a JSON body into `m` (unknown fields ignored); false when it is not that message.
bool from_json(std::string_view body, google::protobuf::Message& m);

/// An error as the JSON of dyad.v1.Error (`code` is a dyad.v1.ErrorCode), with the matching
/// status (401 for UNAUTHORIZED, 403, 404, 409, 413, 429, 503, otherwise 400).
http_response error_response(const http_request& req, int code, std::string message);

}  // namespace dyad::net
