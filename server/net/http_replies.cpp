#include "net/http_replies.hpp"

#include <boost/beast/http/field.hpp>
#include <google/protobuf/util/json_util.h>

#include "dyad/v1/wire.pb.h"

namespace dyad::net {

namespace http = boost::beast::http;
namespace v1 = dyad::v1;

http_response make_response(const http_request& req, http::status status, std::string body,
                            std::string_view content_type) {
  http_response res{status, req.version()};
  res.set(http::field::server, "dyad");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

namespace {

http::status status_for(v1::ErrorCode code) {
  switch (code) {
    case v1::ERROR_CODE_UNAUTHORIZED: return http::status::unauthorized;
    case v1::ERROR_CODE_FORBIDDEN: return http::status::forbidden;
    case v1::ERROR_CODE_NOT_FOUND: return http::status::not_found;
    case v1::ERROR_CODE_WRONG_STATE:
    case v1::ERROR_CODE_ALREADY_SUBMITTED: return http::status::conflict;
    case v1::ERROR_CODE_TOO_LARGE: return http::status::payload_too_large;
    case v1::ERROR_CODE_RATE_LIMITED: return http::status::too_many_requests;
    case v1::ERROR_CODE_UNAVAILABLE: return http::status::service_unavailable;
    default: return http::status::bad_request;
  }
}

}  // namespace

bool from_json(std::string_view body, google::protobuf::Message& m) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  return google::protobuf::util::JsonStringToMessage(std::string(body), &m, options).ok();
}

http_response error_response(const http_request& req, int code_number, std::string message) {
  const auto code = static_cast<v1::ErrorCode>(code_number);
  v1::Error e;
  e.set_code(code);
  e.set_message(std::move(message));
  auto res = make_response(req, status_for(code), to_json(e) + "\n", "application/json");
  if (code == v1::ERROR_CODE_UNAUTHORIZED) res.set(http::field::www_authenticate, "Bearer");
  return res;
}

}  // namespace dyad::net
