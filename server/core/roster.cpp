#include "core/roster.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

namespace dyad::core {
namespace {

constexpr std::string_view ascii_space = " \t\n\r\f\v";

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(ascii_space);
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(ascii_space);
  return s.substr(first, last - first + 1);
}

// Control characters break a one-line name on every screen; the bidirectional overrides and
// isolates can make a name read as someone else's, so they are refused with them.
bool is_control(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

enum class text_problem { none, not_utf8, control };

struct text_check {
  text_problem problem = text_problem::none;
  std::size_t code_points = 0;
};

// Walks the UTF-8 once, counting code points (what a person counts as characters, near enough)
// and stopping at the first malformed sequence or control character.
text_check check_text(std::string_view s) {
  text_check out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<std::uint32_t>(static_cast<unsigned char>(s[i]));
    std::size_t length = 0;
    std::uint32_t cp = 0;
    std::uint32_t smallest = 0;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if ((lead & 0xE0U) == 0xC0U) {
      length = 2;
      cp = lead & 0x1FU;
      smallest = 0x80;
    } else if ((lead & 0xF0U) == 0xE0U) {
      length = 3;
      cp = lead & 0x0FU;
      smallest = 0x800;
    } else if ((lead & 0xF8U) == 0xF0U) {
      length = 4;
      cp = lead & 0x07U;
      smallest = 0x10000;
    } else {
      out.problem = text_problem::not_utf8;
      return out;
    }
    if (i + length > s.size()) {
      out.problem = text_problem::not_utf8;
      return out;
    }
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + k]));
      if ((next & 0xC0U) != 0x80U) {
        out.problem = text_problem::not_utf8;
        return out;
      }
      cp = (cp << 6) | (next & 0x3FU);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 even when well formed.
    if (cp < smallest || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      out.problem = text_problem::not_utf8;
      return out;
    }
    if (is_control(cp)) {
      out.problem = text_problem::control;
      return out;
    }
    ++out.code_points;
    i += length;
  }
  return out;
}

result<std::string> valid_display_name(std::string name) {
  name = trimmed(std::move(name));
  if (name.empty()) {
    return make_error(errc::invalid_argument,
                      "Type a display name: the name your partners will see, 1 to 40 characters.");
  }
  const text_check check = check_text(name);
  if (check.problem == text_problem::not_utf8) {
    return make_error(errc::invalid_argument,
                      "The display name is not valid UTF-8 text; type it again.");
  }
  if (check.problem == text_problem::control) {
    return make_error(errc::invalid_argument,
                      "The display name contains a line break, tab or other control character; "
                      "type it on one line without special characters.");
  }
  if (check.code_points > roster::max_name_chars) {
    return make_error(errc::invalid_argument,
                      "The display name is " + std::to_string(check.code_points) +
                          " characters long; shorten it to 40 characters or fewer.");
  }
  return name;
}

// Deliberately loose: the address is only handed to Zoom for pre-assigning rooms, so this
// catches typing slips without refusing unusual but real addresses. The address is never
// echoed in a message, since error messages are logged.
result<std::string> valid_email(std::string email) {
  email = trimmed(std::move(email));
  if (email.empty()) return email;
  constexpr std::string_view optional_hint = "; check it, or leave it empty since it is optional.";
  if (email.size() > roster::max_email_chars) {
    return make_error(errc::invalid_argument,
                      "The email address is longer than 254 characters" +
                          std::string(optional_hint));
  }
  const bool has_space_or_control = std::any_of(email.begin(), email.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= 0x20 || b == 0x7F;
  });
  if (has_space_or_control) {
    return make_error(errc::invalid_argument,
                      "The email address contains a space or control character" +
                          std::string(optional_hint));
  }
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos) {
    return make_error(errc::invalid_argument,
                      "The email address needs exactly one @ with a name before it, like "
                      "name@example.org" +
                          std::string(optional_hint));
  }
  const std::string_view domain = std::string_view(email).substr(at + 1);
  const auto dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || domain.back() == '.') {
    return make_error(errc::invalid_argument,
                      "The email address needs a domain with a dot after the @, like "
                      "name@example.org" +
                          std::string(optional_hint));
  }
  return email;
}

// Names differing only in ASCII case read as the same person on a list of names.
std::string folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The N of an id "pN", or nothing for any other id.
std::optional<std::uint64_t> id_number(std::string_view id) {
  if (id.size() < 2 || id.front() != 'p') return std::nullopt;
  std::uint64_t n = 0;
  const auto* first = id.data() + 1;
  const auto* last = id.data() + id.size();
  const auto [end, ec] = std::from_chars(first, last, n);
  if (ec != std::errc{} || end != last) return std::nullopt;
  return n;
}

error unknown_participant(std::string_view id) {
  return make_error(errc::not_found, "No participant has the id \"" + std::string(id) +
                                         "\"; check the id, or ask them to join first.");
}

}  // namespace

result<roster::newcomer> roster::prepare_join(std::string display_name, std::string email) const {
  auto name = valid_display_name(std::move(display_name));
  if (!name) return name.err();
  auto address = valid_email(std::move(email));
  if (!address) return address.err();
  std::string id = "p" + std::to_string(last_number_ + 1);
  // Only an absurd stored id such as "p18446744073709551615" could wrap the counter onto an
  // id in use; refuse rather than give two people one id.
  if (index_.contains(id)) {
    return make_error(errc::wrong_state,
                      "No free participant id is left on this roster; start a new workshop.");
  }
  return newcomer{std::move(id), std::move(name).value(), std::move(address).value()};
}

result<std::string> roster::join(std::string display_name, std::string email, millis now) {
  auto n = prepare_join(std::move(display_name), std::move(email));
  if (!n) return n.err();
  insert(n->id, std::move(n->display_name), std::move(n->email), now);
  return std::move(n->id);
}

status roster::add(std::string id, std::string display_name, std::string email, millis now) {
  if (id.empty()) {
    return make_error(errc::invalid_argument,
                      "A participant id is empty; the stored join event is damaged.");
  }
  if (index_.contains(id)) {
    return make_error(errc::wrong_state, "The participant \"" + id +
                                             "\" is already on the roster; each id joins once.");
  }
  insert(std::move(id), std::move(display_name), std::move(email), now);
  return ok();
}

void roster::insert(std::string id, std::string display_name, std::string email, millis now) {
  participant p;
  p.shown_name = unique_shown_name(display_name);
  p.id = std::move(id);
  p.display_name = std::move(display_name);
  p.email = std::move(email);
  p.joined_at = now;
  p.presence = dyad::v1::PRESENCE_PRESENT;
  p.since = now;
  // By call order rather than by timestamp, so that a join in the same millisecond as the
  // start of rounds is decided the same way live and on replay.
  p.joined_late = rounds_started_at_.has_value();
  if (const auto n = id_number(p.id)) last_number_ = std::max(last_number_, *n);
  index_.emplace(p.id, participants_.size());
  participants_.push_back(std::move(p));
}

void roster::erase_personal_data() {
  shown_folded_.clear();
  next_suffix_.clear();
  for (std::size_t i = 0; i < participants_.size(); ++i) {
    auto& p = participants_[i];
    p.display_name = erased_name(i + 1);
    p.shown_name = p.display_name;
    p.email.clear();
    shown_folded_.insert(folded(p.shown_name));
  }
}

std::string roster::erased_name(std::size_t join_number) { return "Participant " + std::to_string(join_number); }

std::string roster::unique_shown_name(const std::string& display_name) {
  const auto taken = [this](const std::string& candidate) { return shown_folded_.contains(folded(candidate)); };
  std::string shown = display_name;
  if (taken(shown)) {
    // Counting on from 2 until free also gets past someone who literally typed "Sam (2)". The
    // count resumes where the last person of this name stopped, so the hundredth Sam costs one try.
    auto& n = next_suffix_.try_emplace(folded(display_name), 2).first->second;
    do {
      shown = display_name + " (" + std::to_string(n++) + ")";
    } while (taken(shown));
  }
  shown_folded_.insert(folded(shown));
  return shown;
}

status roster::set_presence(std::string_view id, dyad::v1::Presence presence, millis now) {
  if (presence == dyad::v1::PRESENCE_UNSPECIFIED) {
    return make_error(errc::invalid_argument,
                      "The presence is unspecified; set present, away, disconnected or left.");
  }
  if (!dyad::v1::Presence_IsValid(presence)) {
    return make_error(errc::invalid_argument,
                      "The presence " + std::to_string(static_cast<int>(presence)) +
                          " is unknown; set present, away, disconnected or left.");
  }
  participant* p = find_mutable(id);
  if (p == nullptr) return unknown_participant(id);
  if (p->presence == presence) return ok();
  p->presence = presence;
  // The wall clock can step back (NTP); a presence change must still be recorded, and `since`
  // must not move backwards, or a disconnection would appear to have lasted negative time.
  p->since = std::max(now, p->since);
  return ok();
}

void roster::mark_rounds_started(millis now) {
  if (!rounds_started_at_) rounds_started_at_ = now;
}

const roster::participant* roster::find(std::string_view id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &participants_[it->second];
}

roster::participant* roster::find_mutable(std::string_view id) {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &participants_[it->second];
}

result<millis> roster::since(std::string_view id) const {
  const participant* p = find(id);
  if (p == nullptr) return unknown_participant(id);
  return p->since;
}

result<bool> roster::joined_late(std::string_view id) const {
  const participant* p = find(id);
  if (p == nullptr) return unknown_participant(id);
  return p->joined_late;
}

result<std::string> roster::shown_name(std::string_view id) const {
  const participant* p = find(id);
  if (p == nullptr) return unknown_participant(id);
  return p->shown_name;
}

std::vector<std::string> roster::present_ids() const {
  std::vector<std::string> ids;
  for (const auto& p : participants_) {
    if (p.presence == dyad::v1::PRESENCE_PRESENT) ids.push_back(p.id);
  }
  return ids;
}

std::vector<std::string> roster::disconnected_longer_than(millis grace_ms, millis now) const {
  std::vector<std::string> ids;
  for (const auto& p : participants_) {
    if (p.presence == dyad::v1::PRESENCE_DISCONNECTED && now - p.since >= grace_ms) {
      ids.push_back(p.id);
    }
  }
  return ids;
}

std::size_t roster::count(dyad::v1::Presence presence) const {
  return static_cast<std::size_t>(
      std::count_if(participants_.begin(), participants_.end(),
                    [presence](const participant& p) { return p.presence == presence; }));
}

}  // namespace dyad::core
