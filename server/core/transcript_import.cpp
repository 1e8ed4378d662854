#include "core/transcript_import.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace dyad::core {
namespace {

// One line of the input with its whitespace normalised, and where it was, for error messages.
struct line {
  std::string text;
  std::size_t number = 0;  // 1-based
};

// A line that opens a turn: who speaks, and when, if the line says.
struct speaker_line {
  std::string name;
  std::optional<std::uint32_t> at_seconds;
};

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::string_view no_break_space = "\xC2\xA0";
constexpr std::size_t max_name_code_points = 40;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ascii_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_ascii_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_ascii_alpha(char c) { return is_ascii_upper(c) || is_ascii_lower(c); }
unsigned char byte(char c) { return static_cast<unsigned char>(c); }

// Collapses every run of spaces, tabs and no-break spaces into one space and trims both ends, so
// that stray spacing from word processors and transcription services never reaches the plan.
std::string normalise_spacing(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (is_space(raw[i]) || raw.substr(i, no_break_space.size()) == no_break_space) {
      if (!is_space(raw[i])) i += no_break_space.size() - 1;
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(raw[i]);
  }
  return out;
}

// The length of the well-formed UTF-8 sequence at `s[i]`, or 0 when it is malformed (a stray
// continuation byte, an overlong form, a surrogate, or beyond U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const unsigned char b0 = byte(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  const unsigned char b1 = byte(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if ((byte(s[i + k]) & 0xC0U) != 0x80U) return 0;
  }
  return n;
}

// Plans are UTF-8 and protobuf refuses strings that are not, so a file saved in a legacy
// encoding (a word processor's curly quote as byte 0x92, say) is caught here, where the line
// can still be named.
status check_utf8(std::string_view raw, std::size_t number) {
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = utf8_sequence_length(raw, i);
    if (n == 0) {
      static constexpr std::string_view hex = "0123456789ABCDEF";
      const unsigned char b = byte(raw[i]);
      return make_error(errc::invalid_argument,
                        "line " + std::to_string(number) + " is not valid UTF-8 (byte 0x" + hex[b >> 4U] +
                            hex[b & 0x0FU] + " at column " + std::to_string(i + 1) +
                            "); save the file as UTF-8 and import it again.");
    }
    i += n;
  }
  return ok();
}

result<std::vector<line>> split_lines(std::string_view text) {
  if (text.substr(0, utf8_bom.size()) == utf8_bom) text.remove_prefix(utf8_bom.size());
  std::vector<line> lines;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    if (auto valid = check_utf8(raw, ++number); !valid) return valid.err();
    lines.push_back(line{normalise_spacing(raw), number});
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Decodes the UTF-8 sequence at `s[i]`, advancing `i`. Malformed bytes decode as themselves so a
// stray Latin-1 byte cannot stall the scan.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const unsigned char lead = byte(s[i++]);
  std::size_t extra = 0;
  char32_t cp = lead;
  if (lead >= 0xF0) {
    extra = 3;
    cp = lead & 0x07U;
  } else if (lead >= 0xE0) {
    extra = 2;
    cp = lead & 0x0FU;
  } else if (lead >= 0xC0) {
    extra = 1;
    cp = lead & 0x1FU;
  }
  for (std::size_t k = 0; k < extra && i < s.size() && (byte(s[i]) & 0xC0U) == 0x80U; ++k) {
    cp = (cp << 6U) | (byte(s[i++]) & 0x3FU);
  }
  return cp;
}

// A character that may appear inside a name: letters of any script, digits ("Speaker 1"),
// hyphens and apostrophes (straight or typographic). Punctuation and symbols are excluded, since
// a line containing them is a sentence, not a name.
bool is_name_code_point(char32_t cp) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    return is_ascii_alpha(c) || is_digit(c) || c == '-' || c == '\'';
  }
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7) return false;         // Latin-1 symbols, × ÷
  if (cp == 0x2019 || cp == 0x2010 || cp == 0x2011) return true;   // ’ and hyphens
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;                  // punctuation, arrows, symbols
  if (cp >= 0x3000 && cp <= 0x303F) return false;                  // CJK punctuation
  return true;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  while (!s.empty()) {
    const std::size_t end = s.find(' ');
    words.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
  return words;
}

// Lower-case words that belong inside names ("Anna de Vries"). Any other lower-case word marks
// a phrase ("We met at 9:30", "Thank you"), not a name.
bool is_name_particle(std::string_view word) {
  static constexpr std::array<std::string_view, 12> particles{
      "al", "bin", "da", "de", "del", "der", "di", "du", "la", "le", "van", "von"};
  return std::find(particles.begin(), particles.end(), word) != particles.end();
}

// Whether the word starts the way a word in a name does: a capital, a digit ("Speaker 1"), or a
// letter outside ASCII, whose case we do not try to tell.
bool starts_like_name_word(std::string_view word) {
  return is_ascii_upper(word.front()) || is_digit(word.front()) || byte(word.front()) >= 0xC0;
}

// Whether `s` (spacing already normalised) reads as a speaker's name of at most `max_words`
// words: capitalised words (bar particles such as "de"), only name characters, no sentence
// punctuation. A full stop is allowed only to close a short title or initial before another
// word ("Dr. Lee", "J. Lee"), so "Yes." and "Fine." are never names.
bool is_name(std::string_view s, std::size_t max_words) {
  if (s.empty() || !(is_ascii_upper(s.front()) || byte(s.front()) >= 0xC0)) return false;
  const auto words = split_words(s);
  if (words.size() > max_words) return false;
  std::size_t code_points = 0;
  for (std::size_t w = 0; w < words.size(); ++w) {
    std::string_view word = words[w];
    if (word.empty()) return false;
    if (!starts_like_name_word(word) && !(w > 0 && w + 1 < words.size() && is_name_particle(word))) {
      return false;
    }
    if (word.back() == '.') {
      if (w + 1 == words.size() || word.size() > 4) return false;
      word.remove_suffix(1);
      if (word.empty()) return false;
    }
    for (std::size_t i = 0; i < word.size();) {
      if (!is_name_code_point(next_code_point(word, i))) return false;
      ++code_points;
    }
  }
  return code_points <= max_name_code_points;
}

// Parses "M:SS", "MM:SS", "MMM:SS" or "H:MM:SS" into seconds.
std::optional<std::uint32_t> parse_time(std::string_view s) {
  std::array<std::uint32_t, 3> parts{};
  std::size_t count = 0;
  while (true) {
    const std::size_t colon = s.find(':');
    const std::string_view digits = s.substr(0, colon);
    if (count == parts.size() || digits.empty() || digits.size() > 3) return std::nullopt;
    if (!std::all_of(digits.begin(), digits.end(), is_digit)) return std::nullopt;
    if (count > 0 && digits.size() != 2) return std::nullopt;
    std::uint32_t value = 0;
    for (const char c : digits) value = value * 10U + static_cast<std::uint32_t>(c - '0');
    parts[count++] = value;
    if (colon == std::string_view::npos) break;
    s.remove_prefix(colon + 1);
  }
  if (count < 2) return std::nullopt;
  if (parts[count - 1] >= 60U) return std::nullopt;
  if (count == 3 && parts[1] >= 60U) return std::nullopt;
  if (count == 2) return parts[0] * 60U + parts[1];
  return parts[0] * 3600U + parts[1] * 60U + parts[2];
}

// "Name, 12:34", "Name 12:34" or "Name, 1:02:03". Names of up to four words are accepted here,
// since a time makes the line unmistakable ("Dr Alice Nichols, 2:53").
std::optional<speaker_line> parse_timed_header(std::string_view s) {
  std::size_t start = s.size();
  while (start > 0 && (is_digit(s[start - 1]) || s[start - 1] == ':')) --start;
  if (start == 0 || start == s.size()) return std::nullopt;
  const auto seconds = parse_time(s.substr(start));
  if (!seconds) return std::nullopt;
  std::string_view name = s.substr(0, start);
  if (name.back() != ' ' && name.back() != ',') return std::nullopt;
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (!name.empty() && name.back() == ',') name.remove_suffix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (!is_name(name, 4)) return std::nullopt;
  return speaker_line{std::string(name), *seconds};
}

// Short replies that are capitalised and unpunctuated like a name. Only consulted for texts with
// no times, where recurrence is the only other evidence that a bare line is a speaker.
bool is_common_word(std::string_view word) {
  static const std::set<std::string, std::less<>> words{
      "a",        "absolutely", "agreed",   "ah",      "aha",     "alright", "and",
      "anyway",   "bye",        "certainly", "cheers", "course",  "definitely", "er",
      "erm",      "exactly",    "fine",     "go",      "good",    "great",   "hello",
      "hey",      "hi",         "hm",       "hmm",     "how",     "huh",     "i",
      "indeed",   "it",         "laughs",   "lovely",  "maybe",   "me",      "mhm",
      "mm",       "mmm",        "nah",      "no",      "nope",    "not",     "of",
      "oh",       "ok",         "okay",     "on",      "or",      "pardon",  "pause",
      "perfect",  "perhaps",    "please",   "precisely", "quite", "really",  "right",
      "see",      "silence",    "so",       "sorry",   "sure",    "thank",   "thanks",
      "that",     "the",        "this",     "totally", "true",    "uh",      "um",
      "umm",      "wait",       "well",     "what",    "when",    "where",   "who",
      "why",      "wow",        "yeah",     "yep",     "yes",     "you",     "yup",
  };
  std::string lower;
  for (const char c : word) lower.push_back(is_ascii_upper(c) ? static_cast<char>(c - 'A' + 'a') : c);
  return words.find(lower) != words.end();
}

bool has_common_word(std::string_view s) {
  const auto words = split_words(s);
  return std::any_of(words.begin(), words.end(), is_common_word);
}

// Whether a paragraph ends the way a sentence or a quotation ends. One that does not, followed
// by one that starts in lower case, is a paragraph broken in two by a stray blank line.
bool ends_sentence(std::string_view p) {
  if (p.empty()) return true;
  static constexpr std::string_view closers = ".!?:;)]\"'";
  if (closers.find(p.back()) != std::string_view::npos) return true;
  for (const std::string_view tail : {"\xE2\x80\xA6", "\xE2\x80\x9D", "\xE2\x80\x99"}) {  // … ” ’
    if (p.size() >= tail.size() && p.substr(p.size() - tail.size()) == tail) return true;
  }
  return false;
}

// Which lines open a turn. Times make a speaker line unambiguous; a bare name needs evidence,
// because a transcript is full of short capitalised replies ("Right", "Okay") that look the same.
class header_finder {
public:
  explicit header_finder(const std::vector<line>& lines) : lines_(lines), timed_(lines.size()) {
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      timed_[i] = parse_timed_header(lines_[i].text);
      if (timed_[i]) timed_names_.insert(timed_[i]->name);
    }
    if (timed_names_.empty()) choose_untimed_speakers();
  }

  /// The speaker named by line `i` if it opens a turn, with its time when it has one.
  std::optional<speaker_line> header_at(std::size_t i) const {
    if (timed_[i]) return timed_[i];
    if (!bare_speaker_line(i)) return std::nullopt;
    return speaker_line{lines_[i].text, std::nullopt};
  }

private:
  // A line that could be a bare speaker line judged on its own, before asking whether text
  // follows it.
  bool bare_candidate(std::size_t i) const {
    const std::string& t = lines_[i].text;
    if (timed_[i]) return false;
    // A name already seen with a time passed the (four-word) name test there.
    if (!timed_names_.empty()) return timed_names_.count(t) > 0;
    return is_name(t, 3) && !has_common_word(t);
  }

  // A speaker line opens a turn, so what follows must be the turn's text: not the end of the
  // text and not another speaker line.
  bool followed_by_text(std::size_t i) const {
    for (std::size_t j = i + 1; j < lines_.size(); ++j) {
      if (lines_[j].text.empty()) continue;
      return !timed_[j] && !bare_candidate(j);
    }
    return false;
  }

  bool bare_speaker_line(std::size_t i) const {
    if (!bare_candidate(i) || !followed_by_text(i)) return false;
    return timed_names_.empty() ? untimed_speakers_.count(lines_[i].text) > 0 : true;
  }

  // Without times, a real speaker recurs: dialogue alternates. A one-word reply would have to
  // recur too, open a stretch of text and not be a common interjection to be mistaken. A text
  // where no candidate recurs (each person speaks once) falls back to every candidate.
  void choose_untimed_speakers() {
    std::map<std::string, int, std::less<>> counts;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (bare_candidate(i) && followed_by_text(i)) ++counts[lines_[i].text];
    }
    for (const auto& [name, count] : counts) {
      if (count >= 2) untimed_speakers_.insert(name);
    }
    if (untimed_speakers_.empty()) {
      for (const auto& [name, count] : counts) untimed_speakers_.insert(name);
    }
  }

  const std::vector<line>& lines_;
  std::vector<std::optional<speaker_line>> timed_;
  std::set<std::string, std::less<>> timed_names_;
  std::set<std::string, std::less<>> untimed_speakers_;
};

std::string turns_in_words(int n) {
  return std::to_string(n) + (n == 1 ? " turn" : " turns");
}

status check_range(const dyad::v1::Transcript& transcript, std::string_view excerpt_id,
                   std::uint32_t first_turn, std::uint32_t last_turn) {
  const std::string name = "excerpt '" + std::string(excerpt_id) + "'";
  if (first_turn == 0) {
    return make_error(errc::invalid_argument,
                      name + " starts at turn 0, but turns are numbered from 1; start it at 1 or later.");
  }
  if (last_turn < first_turn) {
    return make_error(errc::invalid_argument,
                      name + " ends at turn " + std::to_string(last_turn) + ", before it starts at turn " +
                          std::to_string(first_turn) + "; give the first turn, then the last.");
  }
  const auto count = static_cast<std::uint32_t>(transcript.turns_size());
  if (last_turn > count) {
    return make_error(errc::invalid_argument,
                      name + " ends at turn " + std::to_string(last_turn) + ", but transcript '" +
                          transcript.id() + "' has " + turns_in_words(transcript.turns_size()) +
                          "; end it at turn " + std::to_string(count) + " or earlier.");
  }
  return ok();
}

}  // namespace

result<dyad::v1::Transcript> import_transcript(std::string_view text,
                                               const transcript_import_options& options) {
  if (options.id.empty()) {
    return make_error(errc::invalid_argument,
                      "the transcript has no id; give it one (e.g. \"withdrawal-session\") so "
                      "exercises can refer to its excerpts.");
  }
  auto split = split_lines(text);
  if (!split) return split.err();
  const std::vector<line>& lines = *split;
  const header_finder headers(lines);

  dyad::v1::Transcript transcript;
  transcript.set_id(options.id);
  transcript.set_title(options.title);
  transcript.set_source(options.source);

  dyad::v1::Turn* turn = nullptr;
  std::size_t turn_line = 0;
  std::string paragraph;
  std::string first_preamble_line;

  const auto end_paragraph = [&] {
    if (paragraph.empty()) return;
    const int n = turn->paragraphs_size();
    if (n > 0 && !ends_sentence(turn->paragraphs(n - 1)) && is_ascii_lower(paragraph.front())) {
      *turn->mutable_paragraphs(n - 1) += " " + paragraph;
    } else {
      turn->add_paragraphs(std::move(paragraph));
    }
    paragraph.clear();
  };
  const auto end_turn = [&]() -> status {
    if (turn == nullptr) return ok();
    end_paragraph();
    if (turn->paragraphs_size() > 0) return ok();
    return make_error(errc::invalid_argument,
                      "line " + std::to_string(turn_line) + ": the speaker line '" +
                          lines[turn_line - 1].text +
                          "' is followed by no text before the next speaker line or the end; write "
                          "the turn's words under it, or delete the line.");
  };

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& t = lines[i].text;
    if (auto header = headers.header_at(i)) {
      if (auto done = end_turn(); !done) return done.err();
      turn = transcript.add_turns();
      turn_line = lines[i].number;
      turn->set_speaker(std::move(header->name));
      if (header->at_seconds) turn->set_at_seconds(*header->at_seconds);
      continue;
    }
    if (turn == nullptr) {
      if (first_preamble_line.empty()) first_preamble_line = t;
      continue;
    }
    if (t.empty()) {
      end_paragraph();
    } else {
      // Consecutive lines are one paragraph hard-wrapped by an editor.
      if (!paragraph.empty()) paragraph.push_back(' ');
      paragraph += t;
    }
  }
  if (auto done = end_turn(); !done) return done.err();

  if (transcript.turns_size() == 0) {
    return make_error(
        errc::invalid_argument,
        "no turns found: start each turn with a line naming the speaker, optionally with the time "
        "into the recording (\"Alice, 2:53\", \"Alice 2:53\", \"Alice, 1:02:03\" or just \"Alice\"), "
        "followed by the turn's paragraphs separated by blank lines.");
  }
  if (transcript.title().empty()) transcript.set_title(first_preamble_line);
  return transcript;
}

result<std::vector<dyad::v1::Turn>> excerpt_turns(const dyad::v1::Transcript& transcript,
                                                  const dyad::v1::Excerpt& excerpt) {
  if (auto range = check_range(transcript, excerpt.id(), excerpt.first_turn(), excerpt.last_turn());
      !range) {
    return range.err();
  }
  const auto first = transcript.turns().begin() + (excerpt.first_turn() - 1);
  const auto last = transcript.turns().begin() + excerpt.last_turn();
  return std::vector<dyad::v1::Turn>(first, last);
}

result<dyad::v1::Excerpt> make_excerpt(const dyad::v1::Transcript& transcript, std::string id,
                                       std::string title, unsigned first_turn, unsigned last_turn) {
  if (id.empty()) {
    return make_error(errc::invalid_argument,
                      "the excerpt has no id; give it one (e.g. \"withdrawal-rupture\") so an "
                      "exercise can refer to it.");
  }
  for (const auto& existing : transcript.excerpts()) {
    if (existing.id() == id) {
      return make_error(errc::invalid_argument,
                        "transcript '" + transcript.id() + "' already has an excerpt '" + id +
                            "'; choose another id.");
    }
  }
  if (auto range = check_range(transcript, id, first_turn, last_turn); !range) return range.err();
  dyad::v1::Excerpt excerpt;
  excerpt.set_id(std::move(id));
  excerpt.set_title(std::move(title));
  excerpt.set_first_turn(first_turn);
  excerpt.set_last_turn(last_turn);
  return excerpt;
}

}  // namespace dyad::core
