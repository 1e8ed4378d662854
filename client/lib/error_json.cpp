#include "error_json.hpp"

#include <google/protobuf/util/json_util.h>

#include <cstddef>

namespace dyad::client::detail {

client_error error_from_http(int status, const std::string& body) {
  client_error error;
  error.http_status = status;
  dyad::v1::Error parsed;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!body.empty() && google::protobuf::util::JsonStringToMessage(body, &parsed, options).ok() &&
      !parsed.message().empty()) {
    error.message = parsed.message();
    error.server_code = parsed.code();
    return error;
  }
  // Not our JSON (a proxy's page, a plain-text answer): show enough of it to act on.
  constexpr std::size_t shown = 300;
  std::string excerpt = body.substr(0, shown);
  while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == '\r' || excerpt.back() == ' ')) {
    excerpt.pop_back();
  }
  error.message = "the server answered HTTP " + std::to_string(status);
  if (!excerpt.empty()) error.message += ": " + excerpt + (body.size() > shown ? "…" : "");
  return error;
}

std::string url_encode(const std::string& text) {
  constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[byte >> 4U]);
      out.push_back(hex[byte & 0x0FU]);
    }
  }
  return out;
}

}  // namespace dyad::client::detail
