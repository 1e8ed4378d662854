#pragma once

// Private to the client library: turning a refused HTTP answer into a client_error.

#include <string>

#include "dyad_client.hpp"

namespace dyad::client::detail {

/// The client_error of an HTTP answer that is not a success: the server's dyad.v1.Error JSON
/// when the body holds one, otherwise the status and the start of the body.
client_error error_from_http(int status, const std::string& body);

/// Percent-encodes everything but unreserved characters, for paths and query strings.
std::string url_encode(const std::string& text);

}  // namespace dyad::client::detail
