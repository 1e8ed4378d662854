#include "core/plan_validator.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

namespace dyad::core {

namespace {

namespace pb = google::protobuf;
using dyad::v1::Plan;

// The limits below are the ones the rest of Dyad is built for; the messages quote them.
constexpr std::uint32_t max_phase_minutes = 240;
constexpr std::uint32_t max_text_answer_length = 10'000;
constexpr std::uint32_t max_grace_period_seconds = 3'600;

/// One step of a field path: a field, and for an element of a repeated field its index.
/// `index` is -1 for a singular field and for a repeated field as a whole.
struct path_segment {
  const pb::FieldDescriptor* field = nullptr;
  std::string name;
  int index = -1;
};

/// The path from the plan to one field, e.g. `exercises[1].roles[2].id`. It keeps the field
/// descriptors so that the same path can be printed and looked up in the parser's location tree.
class field_path {
public:
  field_path() = default;

  field_path field(std::string_view name) const { return with(name, -1); }
  field_path at(std::string_view name, int index) const { return with(name, index); }

  const std::vector<path_segment>& segments() const { return segments_; }

  std::string to_string() const {
    std::string s;
    for (const auto& seg : segments_) {
      if (!s.empty()) s += '.';
      s += seg.name;
      if (seg.index >= 0) s += '[' + std::to_string(seg.index) + ']';
    }
    return s;
  }

private:
  field_path with(std::string_view name, int index) const {
    const pb::Descriptor* owner = Plan::descriptor();
    if (!segments_.empty()) {
      const auto* last = segments_.back().field;
      owner = last != nullptr ? last->message_type() : nullptr;
    }
    const pb::FieldDescriptor* f =
        owner != nullptr ? owner->FindFieldByName(std::string(name)) : nullptr;
    // A miss is a typo in this file, not a problem of the plan: the path still prints, it just
    // cannot be located.
    assert(f != nullptr && "the field path names a field that plan.proto does not have");
    field_path next = *this;
    next.segments_.push_back(path_segment{f, std::string(name), index});
    return next;
  }

  std::vector<path_segment> segments_;
};

/// A 0-based position as the text-format parser records it; line -1 when unknown.
struct source_position {
  int line = -1;
  int column = -1;
};

source_position to_position(const pb::TextFormat::ParseLocation& loc) {
  return source_position{loc.line, loc.column};
}

bool before(const source_position& a, const source_position& b) {
  return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// The earliest position of any field written inside a nested message.
source_position first_position_inside(const plan_locations& tree, const pb::Descriptor& type) {
  source_position first;
  for (int i = 0; i < type.field_count(); ++i) {
    const auto* f = type.field(i);
    const auto p = to_position(tree.GetLocation(f, f->is_repeated() ? 0 : -1));
    if (p.line >= 0 && (first.line < 0 || before(p, first))) first = p;
  }
  return first;
}

// The position of element `index` of a repeated field. The parser records one location per
// `field: ...` statement, so the locations line up with the elements unless some of them were
// written in list syntax (`roles: [{...}, {...}]`), which records a single location for the
// whole list. Then a message element is placed at its first field, and a scalar at the field's
// first statement: close, and never the line of another element.
source_position element_position(const plan_locations& tree, const pb::FieldDescriptor* f,
                                 int index, int size) {
  int recorded = 0;
  while (recorded <= size && tree.GetLocation(f, recorded).line >= 0) ++recorded;
  if (recorded == size) return to_position(tree.GetLocation(f, index));
  if (f->message_type() != nullptr) {
    if (const auto* nested = tree.GetTreeForNested(f, index)) {
      const auto p = first_position_inside(*nested, *f->message_type());
      if (p.line >= 0) return p;
    }
  }
  return to_position(tree.GetLocation(f, 0));
}

// Walks the path through the message and the location tree together; a field that is missing
// from the text gets the position of the nearest enclosing message that was written.
source_position locate(const pb::Message& root, const plan_locations& root_tree,
                       const field_path& path) {
  source_position best;
  const pb::Message* msg = &root;
  const plan_locations* tree = &root_tree;
  for (const auto& seg : path.segments()) {
    if (msg == nullptr || tree == nullptr || seg.field == nullptr) break;
    const auto* f = seg.field;
    const auto* refl = msg->GetReflection();
    const bool is_message = f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE;
    source_position here;
    const plan_locations* nested = nullptr;
    const pb::Message* next = nullptr;
    if (f->is_repeated()) {
      const int size = refl->FieldSize(*msg, f);
      // A whole repeated field is placed at its first element.
      const int index = std::max(seg.index, 0);
      if (index >= size) break;
      here = element_position(*tree, f, index, size);
      if (is_message) {
        nested = tree->GetTreeForNested(f, index);
        next = &refl->GetRepeatedMessage(*msg, f, index);
      }
    } else {
      here = to_position(tree->GetLocation(f, -1));
      if (is_message) {
        nested = tree->GetTreeForNested(f, -1);
        next = &refl->GetMessage(*msg, f);
      }
    }
    if (here.line < 0) break;
    best = here;
    msg = next;
    tree = nested;
  }
  return best;
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) {
    if (!s.empty()) s += ", ";
    s += item;
  }
  return s;
}

// "N things" with the right plural, for messages.
std::string count_of(std::size_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

// The values a facilitator may write for an enum field: every value but the rejected 0.
std::string enum_choices(const pb::EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) names.push_back(type->value(i)->name());
  }
  return join(names);
}

// "HH:MM" on a 24-hour clock, as minutes since midnight.
std::optional<int> parse_clock_time(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (const std::size_t i : {0U, 1U, 3U, 4U}) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return std::nullopt;
  }
  const int hours = (s[0] - '0') * 10 + (s[1] - '0');
  const int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

bool valid_series(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// What a series probably should be: lower case, anything else turned into single dashes.
std::string series_suggestion(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 && u < 0x80) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

/// Runs every rule over one plan and collects the diagnostics.
class plan_checker {
public:
  plan_checker(const Plan& plan, std::string_view file_name, const plan_locations* locations)
      : plan_(plan), file_name_(file_name), locations_(locations) {}

  std::vector<diagnostic> run() && {
    check_identity();
    check_transcripts();
    check_exercises();
    check_agenda();
    check_questionnaire();
    check_settings();
    // In file order, as a compiler lists errors; plan-level misses (no line) come first.
    if (locations_ != nullptr) {
      std::stable_sort(out_.begin(), out_.end(), [](const diagnostic& a, const diagnostic& b) {
        return a.line < b.line || (a.line == b.line && a.column < b.column);
      });
    }
    return std::move(out_);
  }

private:
  void report(const field_path& path, std::string message) {
    diagnostic d;
    d.file = std::string(file_name_);
    d.field = path.to_string();
    d.message = std::move(message);
    if (locations_ != nullptr) {
      const auto p = locate(plan_, *locations_, path);
      if (p.line >= 0) {
        d.line = p.line + 1;
        d.column = p.column + 1;
      }
    }
    out_.push_back(std::move(d));
  }

  void check_identity() {
    const field_path root;
    if (blank(plan_.title())) {
      report(root.field("title"),
             "the plan has no title; set title to the workshop's name, which every participant sees");
    }
    if (plan_.series().empty()) {
      report(root.field("series"),
             "the plan has no series; set series to a short name that every run of this workshop "
             "shares, e.g. \"alliance-one-day\", so that organisers can compare runs");
    } else if (!valid_series(plan_.series())) {
      const auto suggestion = series_suggestion(plan_.series());
      report(root.field("series"),
             "series " + quoted(plan_.series()) +
                 " may hold only lowercase letters, digits and dashes" +
                 (suggestion.empty() ? std::string() : "; write e.g. " + quoted(suggestion)));
    }
  }

  void check_transcripts() {
    std::map<std::string, int, std::less<>> transcript_ids;
    for (int t = 0; t < plan_.transcripts_size(); ++t) {
      const auto& transcript = plan_.transcripts(t);
      const auto tp = field_path().at("transcripts", t);
      const std::string label = transcript.id().empty() ? tp.to_string() : "transcript " + quoted(transcript.id());
      if (blank(transcript.id())) {
        report(tp.field("id"), "the transcript has no id; give it one, e.g. id: \"session-3\"");
      } else if (const auto [it, fresh] = transcript_ids.emplace(transcript.id(), t); !fresh) {
        report(tp.field("id"), "transcript id " + quoted(transcript.id()) + " is already used by transcripts[" +
                                   std::to_string(it->second) + "]; give each transcript its own id");
      }
      if (transcript.turns_size() == 0) {
        report(tp.field("turns"),
               label + " has no turns; add turns { speaker: \"...\" paragraphs: \"...\" }, or build the "
                       "transcript from plain text with `dyad transcript import`");
      }
      for (int u = 0; u < transcript.turns_size(); ++u) {
        const auto& turn = transcript.turns(u);
        const auto up = tp.at("turns", u);
        if (blank(turn.speaker())) {
          report(up.field("speaker"), "turn " + std::to_string(u + 1) + " of " + label +
                                          " has no speaker; set speaker to who is talking, e.g. \"Client\"");
        }
        if (turn.paragraphs_size() == 0) {
          report(up.field("paragraphs"), "turn " + std::to_string(u + 1) + " of " + label +
                                             " has no text; add at least one paragraphs: \"...\"");
        }
        for (int p = 0; p < turn.paragraphs_size(); ++p) {
          if (blank(turn.paragraphs(p))) {
            report(up.at("paragraphs", p), "the paragraph is empty; write its text or remove it");
          }
        }
      }
      check_excerpts(t, label);
    }
  }

  void check_excerpts(int t, const std::string& transcript_label) {
    const auto& transcript = plan_.transcripts(t);
    const auto tp = field_path().at("transcripts", t);
    const auto turns = static_cast<std::uint32_t>(transcript.turns_size());
    for (int e = 0; e < transcript.excerpts_size(); ++e) {
      const auto& excerpt = transcript.excerpts(e);
      const auto ep = tp.at("excerpts", e);
      const std::string label = excerpt.id().empty() ? ep.to_string() : "excerpt " + quoted(excerpt.id());
      if (blank(excerpt.id())) {
        report(ep.field("id"), "the excerpt has no id; give it one so that exercises can hand it out, "
                               "e.g. id: \"first-withdrawal\"");
      } else if (const auto [it, fresh] = excerpt_paths_.emplace(excerpt.id(), ep.to_string()); !fresh) {
        report(ep.field("id"), "excerpt id " + quoted(excerpt.id()) + " is already used by " + it->second +
                                   "; exercises name excerpts by id alone, so give each excerpt an id "
                                   "that is unique across all transcripts");
      } else {
        excerpt_ids_.push_back(excerpt.id());
      }
      const auto first = excerpt.first_turn();
      const auto last = excerpt.last_turn();
      if (first == 0) {
        report(ep.field("first_turn"), label + " has no first_turn; turns are numbered from 1, so set "
                                               "first_turn to 1 or more");
      }
      if (last == 0) {
        report(ep.field("last_turn"), label + " has no last_turn; set it to the number of the excerpt's "
                                              "final turn (turns are numbered from 1)");
      }
      if (first != 0 && last != 0 && first > last) {
        report(ep.field("last_turn"), label + " ends at turn " + std::to_string(last) +
                                          ", before it starts at turn " + std::to_string(first) +
                                          "; set last_turn to first_turn or later");
      }
      // A transcript without turns already has its own diagnostic; a range check against no
      // turns at all would only repeat it less clearly.
      if (turns > 0 && last > turns) {
        report(ep.field("last_turn"),
               label + " ends at turn " + std::to_string(last) + " but " + transcript_label + " has only " +
                   count_of(turns, "turn", "turns") + "; set last_turn to " + std::to_string(turns) +
                   " or less, or add the missing turns");
      }
    }
  }

  void check_exercises() {
    std::map<std::string, int, std::less<>> ids;
    for (int x = 0; x < plan_.exercises_size(); ++x) {
      const auto& exercise = plan_.exercises(x);
      const auto xp = field_path().at("exercises", x);
      const std::string label = exercise.id().empty() ? xp.to_string() : "exercise " + quoted(exercise.id());
      if (blank(exercise.id())) {
        report(xp.field("id"), "the exercise has no id; give it one, e.g. id: \"noticing-withdrawal\", so "
                               "that agenda blocks and the facilitator can run it");
      } else if (const auto [it, fresh] = ids.emplace(exercise.id(), x); !fresh) {
        report(xp.field("id"), "exercise id " + quoted(exercise.id()) + " is already used by exercises[" +
                                   std::to_string(it->second) + "]; give each exercise its own id");
      } else {
        exercise_ids_.push_back(exercise.id());
      }
      if (blank(exercise.title())) {
        report(xp.field("title"), label + " has no title; set the title participants see on their card");
      }
      if (exercise.group_size() == dyad::v1::GROUP_SIZE_UNSPECIFIED) {
        report(xp.field("group_size"), label + " has no group_size; set it to one of " +
                                           enum_choices(dyad::v1::GroupSize_descriptor()));
      }
      check_roles(x, label);
      if (!exercise.excerpt_id().empty() && find_excerpt(plan_, exercise.excerpt_id()) == nullptr) {
        report(xp.field("excerpt_id"),
               label + " hands out excerpt " + quoted(exercise.excerpt_id()) +
                   " but no transcript has an excerpt with that id; " +
                   (excerpt_ids_.empty() ? std::string("the plan has no excerpts: add one to a transcript, "
                                                       "or remove excerpt_id")
                                         : "known excerpts: " + join(excerpt_ids_)));
      }
      check_phases(x, label);
    }
  }

  void check_roles(int x, const std::string& label) {
    const auto& exercise = plan_.exercises(x);
    const auto xp = field_path().at("exercises", x);
    std::map<std::string, int, std::less<>> ids;
    std::map<dyad::v1::RoleKind, std::vector<int>> by_kind;
    for (int r = 0; r < exercise.roles_size(); ++r) {
      const auto& role = exercise.roles(r);
      const auto rp = xp.at("roles", r);
      const std::string role_label = role.id().empty() ? rp.to_string() : "role " + quoted(role.id());
      if (blank(role.id())) {
        report(rp.field("id"), "the role has no id; give it one, e.g. id: \"therapist\", so that phases "
                               "can address it");
      } else if (const auto [it, fresh] = ids.emplace(role.id(), r); !fresh) {
        report(rp.field("id"), "role id " + quoted(role.id()) + " is already used by roles[" +
                                   std::to_string(it->second) + "] of " + label + "; give each role its own id");
      }
      if (blank(role.name())) {
        report(rp.field("name"), role_label + " has no name; set the name participants see, e.g. \"Therapist\"");
      }
      if (role.kind() == dyad::v1::ROLE_KIND_UNSPECIFIED) {
        report(rp.field("kind"), role_label + " has no kind; set it to one of " +
                                     enum_choices(dyad::v1::RoleKind_descriptor()));
      } else {
        by_kind[role.kind()].push_back(r);
      }
      if (blank(role.instructions())) {
        report(rp.field("instructions"), role_label + " has no instructions; write what a person in this "
                                                      "role does, which their assignment card shows");
      }
    }

    const auto exactly_one = [&](dyad::v1::RoleKind kind, std::string_view what) {
      const auto& found = by_kind[kind];
      const std::string kind_name = dyad::v1::RoleKind_Name(kind);
      if (found.empty()) {
        report(xp.field("roles"), label + " has no " + std::string(what) + " role; add a role with kind: " + kind_name);
      } else if (found.size() > 1) {
        std::vector<std::string> where;
        for (const int r : found) where.push_back("roles[" + std::to_string(r) + "]");
        report(xp.at("roles", found[1]).field("kind"),
               label + " has " + std::to_string(found.size()) + " " + std::string(what) + " roles (" + join(where) +
                   "); a group has exactly one, so keep one and change the kind of the others");
      }
    };
    exactly_one(dyad::v1::ROLE_KIND_THERAPIST, "therapist");
    exactly_one(dyad::v1::ROLE_KIND_CLIENT, "client");

    const auto& observers = by_kind[dyad::v1::ROLE_KIND_OBSERVER];
    const bool triads = exercise.group_size() == dyad::v1::GROUP_SIZE_TRIADS;
    const bool pairs = exercise.group_size() == dyad::v1::GROUP_SIZE_PAIRS;
    // Every exercise needs an observer role, whatever its group size and odd count: during a round
    // a late joiner, or someone whose partner drops out, joins an existing pair as its observer
    // (slot_in and remove_and_regroup in pairing.hpp), and their card needs instructions. Letting the
    // facilitator take the odd person changes only how a round starts.
    if (observers.empty()) {
      const std::string fix = "; add a role with kind: ROLE_KIND_OBSERVER and write its instructions";
      const std::string during_a_round =
          "during a round a late joiner, or someone whose partner drops out, joins an existing pair as its "
          "observer and needs instructions";
      if (triads) {
        report(xp.field("roles"), label + " runs in triads, so every group has an observer" + fix);
      } else if (pairs && exercise.odd_count() == dyad::v1::ODD_COUNT_FACILITATOR) {
        report(xp.field("roles"), label + " has no observer role, which it needs even though the facilitator "
                                          "takes the odd person: " + during_a_round + fix);
      } else if (pairs) {
        report(xp.field("roles"), label + " has no observer role; an odd count makes one triad whose third "
                                          "person observes, and " + during_a_round + fix);
      } else {
        report(xp.field("roles"), label + " has no observer role; " + during_a_round + fix);
      }
    } else if (observers.size() > 1) {
      report(xp.at("roles", observers[1]).field("kind"),
             label + " has " + std::to_string(observers.size()) +
                 " observer roles; a group has at most one observer, so keep one");
    }
    // In a triad exercise every group has an observer in every round, and what they watch for is
    // what the group debriefs on: without a checklist a third of the room has nothing to do. A
    // pair exercise's observer exists only in the odd triad or as a late joiner in a running round,
    // where the instructions suffice.
    if (triads && !observers.empty()) {
      const auto& observer = exercise.roles(observers.front());
      if (observer.checklist_size() == 0) {
        report(xp.at("roles", observers.front()).field("checklist"),
               "observer role " + quoted(observer.id()) + " of " + label +
                   " has no checklist; in a triad every group has an observer, so list the points to "
                   "watch for, e.g. checklist: \"How does the therapist notice the withdrawal?\"");
      }
    }
  }

  void check_phases(int x, const std::string& label) {
    const auto& exercise = plan_.exercises(x);
    const auto xp = field_path().at("exercises", x);
    std::vector<std::string> role_ids;
    for (const auto& role : exercise.roles()) {
      if (!role.id().empty() && std::find(role_ids.begin(), role_ids.end(), role.id()) == role_ids.end()) {
        role_ids.push_back(role.id());
      }
    }
    const std::string known_roles =
        role_ids.empty() ? std::string("the exercise has no roles with ids yet") : "known roles: " + join(role_ids);
    if (exercise.phases_size() == 0) {
      report(xp.field("phases"), label + " has no phases; add at least one, e.g. phases { name: \"Practice\" "
                                         "minutes: 10 }");
    }
    for (int p = 0; p < exercise.phases_size(); ++p) {
      const auto& phase = exercise.phases(p);
      const auto pp = xp.at("phases", p);
      const std::string phase_label =
          (phase.name().empty() ? pp.to_string() : "phase " + quoted(phase.name())) + " of " + label;
      if (blank(phase.name())) {
        report(pp.field("name"), "the phase has no name; name it as the timer should show it, e.g. \"Practice\"");
      }
      if (phase.minutes() < 1 || phase.minutes() > max_phase_minutes) {
        report(pp.field("minutes"), phase_label + " lasts " + std::to_string(phase.minutes()) +
                                        " minutes; give it between 1 and " + std::to_string(max_phase_minutes));
      }
      for (int n = 0; n < phase.role_notes_size(); ++n) {
        const auto& note = phase.role_notes(n);
        const auto np = pp.at("role_notes", n);
        if (note.role().empty()) {
          report(np.field("role"), "the role note of " + phase_label + " names no role; set role to one of the "
                                   "exercise's roles (" + known_roles + ")");
        } else if (std::find(role_ids.begin(), role_ids.end(), note.role()) == role_ids.end()) {
          report(np.field("role"), phase_label + " has a note for role " + quoted(note.role()) +
                                       " but the exercise has no role with that id; " + known_roles);
        }
        if (blank(note.text())) {
          report(np.field("text"), "the role note of " + phase_label + " has no text; write it or remove the note");
        }
      }
    }
  }

  void check_agenda() {
    const auto exercise_list = exercise_ids_.empty()
                                   ? std::string("the plan has no exercises: add one, or change the block's kind")
                                   : "known exercises: " + join(exercise_ids_);
    // The last block with a well-formed time range, to check the order of the day against.
    std::optional<int> previous;
    int previous_start = 0;
    int previous_end = 0;
    for (int b = 0; b < plan_.agenda_size(); ++b) {
      const auto& block = plan_.agenda(b);
      const auto bp = field_path().at("agenda", b);
      const std::string label = block.title().empty() ? bp.to_string() : "block " + quoted(block.title());
      const auto start = parse_clock_time(block.start());
      const auto end = parse_clock_time(block.end());
      for (const auto& [name, value, parsed] : {std::tuple{"start", &block.start(), start.has_value()},
                                                std::tuple{"end", &block.end(), end.has_value()}}) {
        if (parsed) continue;
        report(bp.field(name), (value->empty() ? label + " has no " + std::string(name) + " time"
                                               : std::string(name) + " time " + quoted(*value) + " of " + label +
                                                     " is not a time") +
                                   "; write it as HH:MM on a 24-hour clock, e.g. \"13:30\"");
      }
      if (start && end && *start >= *end) {
        report(bp.field("end"), label + " ends at " + block.end() + ", not after it starts at " + block.start() +
                                    "; make end later than start");
      }
      if (start && previous) {
        const std::string other = "agenda[" + std::to_string(*previous) + "]";
        if (*start < previous_start) {
          report(bp.field("start"), label + " starts at " + block.start() + ", before " + other +
                                        ", which comes earlier in the list; list the blocks in the order of the day");
        } else if (*start < previous_end) {
          report(bp.field("start"), label + " starts at " + block.start() + ", before " + other + " ends at " +
                                        plan_.agenda(*previous).end() +
                                        "; start it then or later, or end the earlier block sooner");
        }
      }
      if (start && end && *start < *end) {
        previous = b;
        previous_start = *start;
        previous_end = *end;
      }

      if (block.kind() == dyad::v1::AGENDA_BLOCK_KIND_UNSPECIFIED) {
        report(bp.field("kind"), label + " has no kind; set it to one of " +
                                     enum_choices(dyad::v1::AgendaBlockKind_descriptor()));
      } else if (block.kind() == dyad::v1::AGENDA_BLOCK_KIND_EXERCISE) {
        if (block.exercise_id().empty()) {
          report(bp.field("exercise_id"), label + " is an exercise block but names no exercise; set exercise_id; " +
                                              exercise_list);
        } else if (find_exercise(plan_, block.exercise_id()) == nullptr) {
          report(bp.field("exercise_id"), label + " runs exercise " + quoted(block.exercise_id()) +
                                              " but no exercise has that id; " + exercise_list);
        }
      } else if (!block.exercise_id().empty()) {
        report(bp.field("exercise_id"),
               label + " names exercise " + quoted(block.exercise_id()) + " but is not an exercise block, so the "
                       "exercise would never run; set kind: AGENDA_BLOCK_KIND_EXERCISE or remove exercise_id");
      }
    }
  }

  void check_questionnaire() {
    const auto& questionnaire = plan_.questionnaire();
    const auto qp = field_path().field("questionnaire");
    if (questionnaire.questions_size() == 0) {
      report(qp.field("questions"),
             "the questionnaire has no questions; add at least one, e.g. a choice question that rates the day");
    }
    std::map<std::string, int, std::less<>> ids;
    for (int q = 0; q < questionnaire.questions_size(); ++q) {
      const auto& question = questionnaire.questions(q);
      const auto p = qp.at("questions", q);
      const std::string label = question.id().empty() ? p.to_string() : "question " + quoted(question.id());
      if (blank(question.id())) {
        report(p.field("id"), "the question has no id; give it one, e.g. id: \"overall\"; exports and "
                              "conditions refer to it");
      } else if (const auto [it, fresh] = ids.emplace(question.id(), q); !fresh) {
        report(p.field("id"), "question id " + quoted(question.id()) + " is already used by questionnaire.questions[" +
                                  std::to_string(it->second) + "]; give each question its own id");
      }
      if (blank(question.text())) {
        report(p.field("text"), label + " has no text; write the question as participants should read it");
      }
      switch (question.kind_case()) {
        case dyad::v1::Question::kChoice:
          check_choice(q, label);
          break;
        case dyad::v1::Question::kScale:
          if (question.scale().min() >= question.scale().max()) {
            report(p.field("scale").field("max"),
                   label + " has a scale from " + std::to_string(question.scale().min()) + " to " +
                       std::to_string(question.scale().max()) + "; min must be less than max, e.g. min: 1 max: 10");
          }
          break;
        case dyad::v1::Question::kTextAnswer:
          if (question.text_answer().max_length() > max_text_answer_length) {
            report(p.field("text_answer").field("max_length"),
                   label + " allows answers of " + std::to_string(question.text_answer().max_length()) +
                       " characters, above the limit of " + std::to_string(max_text_answer_length) +
                       "; lower max_length, or remove it for the default of 2000");
          }
          break;
        case dyad::v1::Question::KIND_NOT_SET:
          report(p, label + " has no kind; give it one of choice { ... }, scale { ... } or text_answer { ... }");
          break;
      }
      if (question.has_condition()) check_condition(q, label);
    }
  }

  void check_choice(int q, const std::string& label) {
    const auto& choice = plan_.questionnaire().questions(q).choice();
    const auto cp = field_path().field("questionnaire").at("questions", q).field("choice");
    if (choice.options_size() < 2) {
      report(cp.field("options"), label + " has " + count_of(static_cast<std::size_t>(choice.options_size()),
                                                             "option", "options") +
                                      "; a choice question needs at least two, e.g. options { id: \"good\" "
                                      "label: \"Good\" }");
    }
    std::map<std::string, int, std::less<>> ids;
    std::map<std::string, int, std::less<>> labels;
    for (int o = 0; o < choice.options_size(); ++o) {
      const auto& option = choice.options(o);
      const auto op = cp.at("options", o);
      if (blank(option.id())) {
        report(op.field("id"), "the option has no id; give it a stable one, e.g. id: \"excellent\"; "
                               "stored answers refer to it");
      } else if (const auto [it, fresh] = ids.emplace(option.id(), o); !fresh) {
        report(op.field("id"), "option id " + quoted(option.id()) + " is already used by options[" +
                                   std::to_string(it->second) + "] of " + label + "; give each option its own id");
      }
      if (blank(option.label())) {
        report(op.field("label"), "the option has no label; set the words participants choose, e.g. "
                                  "label: \"Excellent\"");
      } else if (const auto [it, fresh] = labels.emplace(option.label(), o); !fresh) {
        report(op.field("label"), "option label " + quoted(option.label()) + " is already used by options[" +
                                      std::to_string(it->second) + "] of " + label +
                                      "; participants could not tell them apart, so give each its own label");
      }
    }
    for (const auto& [name, phrase] : {std::pair{"summary_phrase", &choice.summary_phrase()},
                                       std::pair{"summary_continuation", &choice.summary_continuation()}}) {
      if (!phrase->empty() && phrase->find("{option}") == std::string::npos) {
        report(cp.field(name), std::string(name) + " " + quoted(*phrase) + " of " + label +
                                   " has no \"{option}\", so the summary would never say the answer; put "
                                   "{option} where the option's label goes");
      }
    }
  }

  void check_condition(int q, const std::string& label) {
    const auto& questions = plan_.questionnaire().questions();
    const auto& condition = questions.Get(q).condition();
    const auto cp = field_path().field("questionnaire").at("questions", q).field("condition");
    std::vector<std::string> earlier_choices;
    for (int e = 0; e < q; ++e) {
      if (questions.Get(e).has_choice() && !questions.Get(e).id().empty()) earlier_choices.push_back(questions.Get(e).id());
    }
    const std::string choices = earlier_choices.empty()
                                    ? std::string("there is no choice question before it: move it after one")
                                    : "earlier choice questions: " + join(earlier_choices);
    if (condition.question_id().empty()) {
      report(cp.field("question_id"), "the condition of " + label + " names no question; set question_id; " + choices);
      return;
    }
    int target = -1;
    for (int e = 0; e < questions.size() && target < 0; ++e) {
      if (questions.Get(e).id() == condition.question_id()) target = e;
    }
    if (target < 0) {
      report(cp.field("question_id"), label + " depends on question " + quoted(condition.question_id()) +
                                          " but no question has that id; " + choices);
      return;
    }
    if (target >= q) {
      report(cp.field("question_id"),
             label + " depends on question " + quoted(condition.question_id()) +
                 ", which is asked " + (target == q ? "as this very question" : "after it") +
                 "; a condition can only depend on an earlier answer, so move this question below it");
      return;
    }
    const auto& source = questions.Get(target);
    if (!source.has_choice()) {
      report(cp.field("question_id"), label + " depends on question " + quoted(condition.question_id()) +
                                          ", which is not a choice question; conditions test choice answers; " +
                                          choices);
      return;
    }
    std::vector<std::string> option_ids;
    for (const auto& option : source.choice().options()) option_ids.push_back(option.id());
    const std::string known = "options of " + quoted(source.id()) + ": " + join(option_ids);
    if (condition.option_ids_size() == 0) {
      report(cp.field("option_ids"), "the condition of " + label + " lists no option; add the option_ids of " +
                                         quoted(source.id()) + " that make this question appear; " + known);
    }
    for (int o = 0; o < condition.option_ids_size(); ++o) {
      const auto& id = condition.option_ids(o);
      if (std::find(option_ids.begin(), option_ids.end(), id) == option_ids.end()) {
        report(cp.at("option_ids", o), "the condition of " + label + " names option " + quoted(id) + " but " +
                                           quoted(source.id()) + " has no such option; " + known);
      }
    }
  }

  void check_settings() {
    const field_path root;
    if (plan_.has_anonymity_threshold() && plan_.anonymity_threshold() == 0) {
      report(root.field("anonymity_threshold"),
             "anonymity_threshold 0 would show the answers of any group, however small; remove the field for "
             "the default of " + std::to_string(default_anonymity_threshold) + ", or set it to 1 or more");
    }
    if (plan_.grace_period_seconds() > max_grace_period_seconds) {
      report(root.field("grace_period_seconds"),
             "grace_period_seconds is " + std::to_string(plan_.grace_period_seconds()) +
                 ", so a partner could wait over an hour before being re-paired; set it to at most " +
                 std::to_string(max_grace_period_seconds) + ", or remove it for the default of 90 seconds");
    }
  }

  const Plan& plan_;
  std::string_view file_name_;
  const plan_locations* locations_;
  std::vector<diagnostic> out_;
  std::map<std::string, std::string, std::less<>> excerpt_paths_;
  std::vector<std::string> excerpt_ids_;
  std::vector<std::string> exercise_ids_;
};

}  // namespace

std::string diagnostic::to_string() const {
  std::string s;
  if (!file.empty()) s += file + ":";
  if (line > 0) {
    s += std::to_string(line) + ":";
    if (column > 0) s += std::to_string(column) + ":";
  }
  if (!s.empty()) s += " ";
  if (!field.empty()) s += field + ": ";
  s += message;
  return s;
}

std::vector<diagnostic> validate_plan(const dyad::v1::Plan& plan, std::string_view file_name,
                                      const plan_locations* locations) {
  return plan_checker(plan, file_name, locations).run();
}

unsigned anonymity_threshold(const dyad::v1::Plan& plan) {
  if (!plan.has_anonymity_threshold() || plan.anonymity_threshold() == 0) return default_anonymity_threshold;
  return plan.anonymity_threshold();
}

std::int64_t grace_period_ms(const dyad::v1::Plan& plan) {
  if (plan.grace_period_seconds() == 0) return default_grace_period_ms;
  return static_cast<std::int64_t>(plan.grace_period_seconds()) * 1000;
}

const dyad::v1::Excerpt* find_excerpt(const dyad::v1::Plan& plan, std::string_view id,
                                      const dyad::v1::Transcript** owner) {
  if (owner != nullptr) *owner = nullptr;
  for (const auto& transcript : plan.transcripts()) {
    for (const auto& excerpt : transcript.excerpts()) {
      if (excerpt.id() == id) {
        if (owner != nullptr) *owner = &transcript;
        return &excerpt;
      }
    }
  }
  return nullptr;
}

const dyad::v1::Exercise* find_exercise(const dyad::v1::Plan& plan, std::string_view id) {
  for (const auto& exercise : plan.exercises()) {
    if (exercise.id() == id) return &exercise;
  }
  return nullptr;
}

}  // namespace dyad::core
