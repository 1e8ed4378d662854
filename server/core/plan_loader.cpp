#include "core/plan_loader.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

namespace dyad::core {

namespace {

namespace pb = google::protobuf;
using dyad::v1::Plan;

constexpr std::string_view schema_file = "proto/dyad/v1/plan.proto";

diagnostic make_diagnostic(std::string_view file, int line, int column, std::string field, std::string message) {
  return diagnostic{std::string(file), line, column, std::move(field), std::move(message)};
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Parser messages read like sentences ("Expected ...", "... specified multiple times."); ours
// read like compiler diagnostics, so the parser's are brought into the same shape.
std::string as_clause(std::string message) {
  while (!message.empty() && (message.back() == '.' || message.back() == ' ')) message.pop_back();
  if (message.size() >= 2 && std::isupper(static_cast<unsigned char>(message[0])) != 0 &&
      std::islower(static_cast<unsigned char>(message[1])) != 0) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  for (auto& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return message;
}

// The text between the first pair of double quotes after `after`, e.g. the field name in
// `... has no field named "idd".`
std::string quoted_after(std::string_view message, std::string_view after) {
  const auto at = message.find(after);
  if (at == std::string_view::npos) return {};
  const auto open = message.find('"', at + after.size());
  if (open == std::string_view::npos) return {};
  const auto close = message.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string(message.substr(open + 1, close - open - 1));
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const auto same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean 'x'?" when one of `names` is a likely intended spelling of `wrong`.
std::string did_you_mean(std::string_view wrong, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_distance = 0;
  for (const auto& name : names) {
    const auto d = edit_distance(wrong, name);
    if (best.empty() || d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  // A slip or two (a swapped pair counts two) in a longer word, one in a short one: catches
  // typos without suggesting unrelated fields.
  const std::size_t limit = wrong.size() >= 4 ? std::max<std::size_t>(2, wrong.size() / 3) : 1;
  if (best.empty() || best_distance == 0 || best_distance > limit) return {};
  return "; did you mean '" + best + "'?";
}

std::vector<std::string> field_names(const pb::Descriptor& type, bool with_json_names) {
  std::vector<std::string> names;
  for (int i = 0; i < type.field_count(); ++i) {
    names.push_back(type.field(i)->name());
    if (with_json_names && type.field(i)->json_name() != type.field(i)->name()) {
      names.push_back(type.field(i)->json_name());
    }
  }
  return names;
}

std::string enum_values(const pb::EnumDescriptor& type) {
  std::string s;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() == 0) continue;  // *_UNSPECIFIED is rejected by validation
    if (!s.empty()) s += ", ";
    s += type.value(i)->name();
  }
  return s;
}

std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// The enum a misspelt value was meant for, when the parser names only the field: several
// messages of the plan may have a field of that name (`kind`), so the enum whose value names
// share the longest prefix with what was written wins.
const pb::EnumDescriptor* enum_for_field(std::string_view field_name, std::string_view written) {
  const pb::EnumDescriptor* best = nullptr;
  std::size_t best_prefix = 0;
  const auto* file = Plan::descriptor()->file();
  std::set<const pb::EnumDescriptor*> seen;
  for (int m = 0; m < file->message_type_count(); ++m) {
    const auto* f = file->message_type(m)->FindFieldByName(std::string(field_name));
    if (f == nullptr || f->enum_type() == nullptr || !seen.insert(f->enum_type()).second) continue;
    std::size_t prefix = 0;
    for (int v = 0; v < f->enum_type()->value_count(); ++v) {
      prefix = std::max(prefix, common_prefix(f->enum_type()->value(v)->name(), written));
    }
    if (best == nullptr || prefix > best_prefix) {
      best = f->enum_type();
      best_prefix = prefix;
    }
  }
  return best;
}

// Adds what to do to the text-format parser's messages that lack it.
std::string explain_text_error(const std::string& raw) {
  std::string message = as_clause(raw);
  if (raw.find("has no field named") != std::string::npos) {
    const auto type_name = quoted_after(raw, "Message type");
    const auto field = quoted_after(raw, "has no field named");
    const auto* type = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
    const auto hint = type != nullptr ? did_you_mean(field, field_names(*type, false)) : std::string();
    return message + (hint.empty() ? "; check the field names in " + std::string(schema_file) : hint);
  }
  if (starts_with(raw, "Unknown enumeration value")) {
    const auto written = quoted_after(raw, "Unknown enumeration value of");
    const auto field = quoted_after(raw, "for field");
    if (const auto* type = enum_for_field(field, written)) return message + "; use one of " + enum_values(*type);
    return message;
  }
  // At the end of the input the tokenizer's "current token" is empty, which makes for a puzzling
  // "got: " with nothing after it.
  for (const std::string_view empty_token : {std::string_view("got:"), std::string_view("found \"\"")}) {
    if (ends_with(message, empty_token)) {
      message.resize(message.size() - empty_token.size());
      return message + (empty_token[0] == 'g' ? "got" : "found") + " the end of the file; is a closing '}' missing?";
    }
  }
  return message;
}

/// Turns the text-format parser's errors into diagnostics. The parser stops at the first error;
/// protobuf's lines and columns are 0-based, ours 1-based.
class diagnostic_collector final : public pb::io::ErrorCollector {
public:
  diagnostic_collector(std::string_view file, std::vector<diagnostic>& out) : file_(file), out_(out) {}

  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    out_.push_back(make_diagnostic(file_, line >= 0 ? line + 1 : 0, line >= 0 && column >= 0 ? column + 1 : 0, {},
                                   explain_text_error(message)));
  }

  // Text format warns only about features a plan does not use (unknown fields when they are
  // allowed, deprecated fields), so warnings are not turned into diagnostics.
  void AddWarning(int, pb::io::ColumnNumber, const std::string&) override {}

private:
  std::string_view file_;
  std::vector<diagnostic>& out_;
};

struct text_position {
  int line = 0;
  int column = 0;
};

text_position position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const auto before = text.substr(0, offset);
  const auto line_start = before.rfind('\n');
  const auto column = line_start == std::string_view::npos ? offset : offset - line_start - 1;
  return text_position{static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1,
                       static_cast<int>(column) + 1};
}

// The single place where `needle` occurs in `text`, or npos when it is absent or ambiguous.
std::size_t unique_find(std::string_view text, std::string_view needle) {
  if (needle.empty()) return std::string_view::npos;
  const auto first = text.find(needle);
  if (first == std::string_view::npos || text.find(needle, first + 1) != std::string_view::npos) {
    return std::string_view::npos;
  }
  return first;
}

// Where the JSON key `name` ("name" followed by a colon) is written, when it is written once.
std::size_t unique_json_key(std::string_view text, std::string_view name) {
  std::size_t found = std::string_view::npos;
  const std::string quoted = "\"" + std::string(name) + "\"";
  for (auto at = text.find(quoted); at != std::string_view::npos; at = text.find(quoted, at + 1)) {
    auto after = at + quoted.size();
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after])) != 0) ++after;
    if (after >= text.size() || text[after] != ':') continue;
    if (found != std::string_view::npos) return std::string_view::npos;
    found = at;
  }
  return found;
}

// Follows a path as protobuf's JSON parser prints it ("exercises[0].roles[1]") from the plan
// down; nullptr for the field when the path does not name one.
const pb::FieldDescriptor* resolve_json_path(std::string_view path, const pb::Descriptor** owner) {
  const pb::Descriptor* type = Plan::descriptor();
  const pb::FieldDescriptor* field = nullptr;
  *owner = type;
  while (!path.empty()) {
    const auto dot = path.find('.');
    auto segment = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    segment = segment.substr(0, segment.find('['));
    if (type == nullptr) return nullptr;
    field = type->FindFieldByName(std::string(segment));
    if (field == nullptr) field = type->FindFieldByCamelcaseName(std::string(segment));
    if (field == nullptr) return nullptr;
    *owner = type;
    type = field->message_type();
  }
  return field;
}

// What a JSON field takes, for a parser message that only names the protobuf type.
std::string expected_json_value(const pb::FieldDescriptor& f) {
  if (f.enum_type() != nullptr) return "use one of " + enum_values(*f.enum_type());
  switch (f.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return "write a whole number, 0 or more";
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return "write a whole number";
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return "write true or false";
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return "write text in double quotes";
    default:
      return {};
  }
}

// protobuf 3.21's JSON parser reports no line: syntax errors come with a 40-character window of
// the input and a caret under the error, field errors with the field's path. The window, when
// it occurs once in the input, gives the exact position; a field's key, when written once,
// gives its line.
diagnostic json_error(std::string_view text, std::string_view file, const std::string& raw) {
  const auto first_newline = raw.find('\n');
  if (first_newline != std::string::npos) {
    const auto last_newline = raw.rfind('\n');
    const std::string reason = as_clause(raw.substr(0, first_newline));
    const std::string_view window = std::string_view(raw).substr(
        first_newline + 1, last_newline > first_newline ? last_newline - first_newline - 1 : 0);
    const auto caret = raw.find('^', last_newline);
    std::size_t offset = std::string_view::npos;
    if (window.empty()) {
      // The parser ran out of input: the error is at the end of what was written.
      auto end = text.size();
      while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0) --end;
      offset = end;
    } else if (const auto at = unique_find(text, window); at != std::string_view::npos && caret != std::string::npos) {
      offset = at + (caret - last_newline - 1);
    }
    if (offset == std::string_view::npos) return make_diagnostic(file, 0, 0, {}, reason);
    const auto p = position_of(text, offset);
    return make_diagnostic(file, p.line, p.column, {}, reason);
  }

  // "(exercises[0]) idd: Cannot find field." or "(agenda[0].kind): invalid value ...".
  std::string path;
  std::string rest = raw;
  if (starts_with(raw, "(")) {
    const auto close = raw.find(')');
    if (close != std::string::npos) {
      path = raw.substr(1, close - 1);
      rest = raw.substr(close + 1);
      if (starts_with(rest, ":")) rest.erase(0, 1);
      while (starts_with(rest, " ")) rest.erase(0, 1);
    }
  }
  std::string field_path = path;
  std::string key;  // the last name in the path, as it may be written in the file
  std::string message;
  if (const auto at = rest.find(": Cannot find field"); at != std::string::npos) {
    key = rest.substr(0, at);
    field_path = path.empty() ? key : path + "." + key;
    const pb::Descriptor* owner = nullptr;
    const pb::Descriptor* type = Plan::descriptor();
    if (!path.empty()) {
      const auto* f = resolve_json_path(path, &owner);
      type = f != nullptr ? f->message_type() : nullptr;
    }
    const auto hint = type != nullptr ? did_you_mean(key, field_names(*type, true)) : std::string();
    message = "unknown field '" + key + "'" +
              (hint.empty() ? "; check the field names in " + std::string(schema_file) : hint);
  } else {
    message = as_clause(rest);
    const pb::Descriptor* owner = nullptr;
    if (const auto* f = path.empty() ? nullptr : resolve_json_path(path, &owner)) {
      key = f->json_name();
      if (const auto invalid_at = rest.find("invalid value "); invalid_at != std::string::npos) {
        // "invalid value X for type TYPE_UINT32": say what the field takes instead of its wire type.
        std::string value = rest.substr(invalid_at + 14);
        value = value.substr(0, value.find(" for type"));
        const auto wanted = expected_json_value(*f);
        if (!wanted.empty()) message = "invalid value " + value + "; " + wanted;
      }
    }
  }
  if (message.empty()) message = as_clause(raw);

  // JSON accepts both the lowerCamelCase and the proto name of a field.
  std::size_t offset = key.empty() ? std::string_view::npos : unique_json_key(text, key);
  if (offset == std::string_view::npos && !field_path.empty()) {
    const pb::Descriptor* owner = nullptr;
    if (const auto* f = resolve_json_path(field_path, &owner)) {
      const auto by_json = unique_json_key(text, f->json_name());
      const auto by_name = unique_json_key(text, f->name());
      // Only when exactly one spelling occurs, once: otherwise the line would be a guess.
      if ((by_json == std::string_view::npos) != (by_name == std::string_view::npos)) {
        offset = by_json != std::string_view::npos ? by_json : by_name;
      }
    }
  }
  if (offset == std::string_view::npos) return make_diagnostic(file, 0, 0, field_path, message);
  const auto p = position_of(text, offset);
  return make_diagnostic(file, p.line, p.column, field_path, message);
}

std::string lower_extension(std::string_view path) {
  const auto slash = path.find_last_of('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string ext(name.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return ext;
}

}  // namespace

plan_format plan_format_for_path(std::string_view path) {
  return lower_extension(path) == ".json" ? plan_format::json : plan_format::text;
}

namespace {

// Escapes only what text format requires (backslash, double quote, control characters), so that
// apostrophes and letters outside ASCII stay as the transcript wrote them: protobuf's own
// escaping turns every "don't" into "don\'t", which is noise in a file people edit by hand.
class readable_string_printer final : public google::protobuf::TextFormat::FastFieldValuePrinter {
public:
  void PrintString(const std::string& value,
                   google::protobuf::TextFormat::BaseTextGenerator* generator) const override {
    std::string out = "\"";
    for (const char c : value) {
      const auto b = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (b < 0x20U || b == 0x7FU) {
        out += '\\';
        out += static_cast<char>('0' + ((b >> 6U) & 7U));
        out += static_cast<char>('0' + ((b >> 3U) & 7U));
        out += static_cast<char>('0' + (b & 7U));
      } else {
        out += c;
      }
    }
    out += '"';
    generator->PrintString(out);
  }
};

}  // namespace

std::string readable_text(const google::protobuf::Message& message, int indent) {
  pb::TextFormat::Printer printer;
  printer.SetDefaultFieldValuePrinter(new readable_string_printer());  // the printer owns it
  printer.SetInitialIndentLevel(indent);
  std::string body;
  printer.PrintToString(message, &body);  // fails only for a message missing required fields: proto3 has none
  return body;
}

plan_load_result parse_plan(std::string_view text, std::string_view file_name, plan_format format) {
  plan_load_result result;
  auto& out = result.diagnostics;
  if (text.size() > max_plan_bytes) {
    out.push_back(make_diagnostic(file_name, 0, 0, {},
                                  "the plan is larger than the limit of " + std::to_string(max_plan_bytes / (1024 * 1024)) +
                                      " MiB; check that this is the plan file, or move long transcripts out of it"));
    return result;
  }
  // Editors on Windows may start a UTF-8 file with a byte-order mark, which neither parser takes.
  if (starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  if (std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    out.push_back(make_diagnostic(file_name, 0, 0, {},
                                  "the plan is empty; write one, starting for example from the demo plan "
                                  "deploy/demo/ruptures-one-day.textproto"));
    return result;
  }

  Plan plan;
  if (format == plan_format::text) {
    pb::TextFormat::Parser parser;
    diagnostic_collector collector(file_name, out);
    plan_locations locations;
    parser.RecordErrorsTo(&collector);
    parser.WriteLocationsTo(&locations);
    // The size limit above keeps the length within the int the stream takes.
    pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    if (!parser.Parse(&input, &plan)) {
      if (out.empty()) out.push_back(make_diagnostic(file_name, 0, 0, {}, "the plan could not be parsed as text format"));
      return result;
    }
    out = validate_plan(plan, file_name, &locations);
  } else {
    pb::util::JsonParseOptions options;
    // A misspelt field must be an error, not silently dropped: the facilitator would lose it.
    options.ignore_unknown_fields = false;
    const auto status = pb::util::JsonStringToMessage(pb::StringPiece(text.data(), text.size()), &plan, options);
    if (!status.ok()) {
      out.push_back(json_error(text, file_name, std::string(status.message())));
      return result;
    }
    out = validate_plan(plan, file_name, nullptr);
  }
  result.parsed = plan;
  if (out.empty()) result.plan = std::move(plan);
  return result;
}

plan_load_result load_plan_file(const std::string& path) {
  plan_load_result result;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    std::error_code cwd_ec;
    const auto cwd = std::filesystem::current_path(cwd_ec);
    result.diagnostics.push_back(make_diagnostic(
        path, 0, 0, {},
        "no such file; check the path" +
            (cwd_ec ? std::string() : " (a relative path starts from " + cwd.string() + ")")));
    return result;
  }
  if (std::filesystem::is_directory(status)) {
    result.diagnostics.push_back(make_diagnostic(
        path, 0, 0, {}, "this is a folder, not a plan; name the plan file itself (.textproto or .json)"));
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.diagnostics.push_back(make_diagnostic(path, 0, 0, {},
                                                 "cannot open the plan (" + std::string(std::strerror(errno)) +
                                                     "); check that you may read it"));
    return result;
  }
  // Read at most one byte past the limit: enough for parse_plan to refuse an oversized file
  // without holding all of it.
  std::string text;
  text.resize(max_plan_bytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    result.diagnostics.push_back(make_diagnostic(path, 0, 0, {},
                                                 "reading the plan failed (" + std::string(std::strerror(errno)) +
                                                     "); check the file and try again"));
    return result;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_plan(text, path, plan_format_for_path(path));
}

}  // namespace dyad::core
