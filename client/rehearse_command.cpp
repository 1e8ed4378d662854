#include "rehearse_command.hpp"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <unordered_set>

#include "core/exercise_roles.hpp"
#include "core/pairing.hpp"
#include "core/plan_loader.hpp"
#include "core/plan_validator.hpp"
#include "dyad/v1/rehearsal.pb.h"

namespace dyad::cli {

namespace {

constexpr const char* usage =
    "Usage: dyad plan rehearse FILE --participants N --rounds R --seed S [--exercise ID]\n"
    "                          [--attendance FILE] [--json]\n"
    "\n"
    "Previews the groups of R rounds with participants p1…pN, cycling through the plan's\n"
    "exercises (or running only the one named). An attendance file is a JSON array with, per\n"
    "round, the array of participants present, e.g. [[\"p1\",\"p2\"],[\"p1\",\"p2\",\"p3\"]].\n"
    "With --json the groups print as JSON; otherwise as a readable list.\n";

struct options {
  std::string plan_path;
  std::uint64_t participants = 0;
  std::uint64_t rounds = 0;
  std::optional<std::uint64_t> seed;
  std::string exercise;
  std::string attendance_path;
  bool json = false;
};

bool parse_number(const std::string& text, std::uint64_t& out) {
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && !text.empty();
}

int usage_error(const std::string& what) {
  std::cerr << "dyad plan rehearse: " << what << "\n\n" << usage;
  return 2;
}

std::optional<std::vector<std::vector<std::string>>> read_attendance(const std::string& path,
                                                                     std::uint64_t participants) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << path << ": cannot read the attendance file; check the path.\n";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::ListValue list;
  const auto status = google::protobuf::util::JsonStringToMessage(text.str(), &list);
  if (!status.ok()) {
    std::cerr << path << ": not a JSON array of arrays of names (" << status.message()
              << "); write it as [[\"p1\",\"p2\"],[\"p1\",\"p3\"]], one array per round.\n";
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> rounds;
  for (int r = 0; r < list.values_size(); ++r) {
    const auto& round = list.values(r);
    if (!round.has_list_value()) {
      std::cerr << path << ": round " << r + 1
                << " is not an array; give one array of names per round.\n";
      return std::nullopt;
    }
    std::vector<std::string> present;
    std::unordered_set<std::string> seen;
    for (const auto& v : round.list_value().values()) {
      std::uint64_t number = 0;
      // Exactly "p" and the number as written by the rehearsal ("p7", never "p07").
      if (!v.has_string_value() || v.string_value().size() < 2 || v.string_value()[0] != 'p' ||
          !parse_number(v.string_value().substr(1), number) || number < 1 || number > participants ||
          v.string_value() != "p" + std::to_string(number)) {
        std::cerr << path << ": round " << r + 1 << " lists '"
                  << (v.has_string_value() ? v.string_value() : std::string("a non-string"))
                  << "'; participants are named p1…p" << participants << ".\n";
        return std::nullopt;
      }
      if (!seen.insert(v.string_value()).second) {
        std::cerr << path << ": round " << r + 1 << " lists '" << v.string_value()
                  << "' twice; list each person once.\n";
        return std::nullopt;
      }
      present.push_back(v.string_value());
    }
    rounds.push_back(std::move(present));
  }
  return rounds;
}

void print_readable(const dyad::v1::Rehearsal& rehearsal) {
  for (int r = 0; r < rehearsal.rounds_size(); ++r) {
    const auto& round = rehearsal.rounds(r);
    std::cout << "Round " << r + 1 << ": " << round.exercise() << "\n";
    for (const auto& g : round.groups()) {
      std::cout << "  " << g.room() << ":";
      for (int m = 0; m < g.members_size(); ++m)
        std::cout << (m == 0 ? " " : ", ") << g.members(m).participant() << " (" << g.members(m).role() << ")";
      if (g.with_facilitator()) std::cout << ", with the facilitator";
      std::cout << "\n";
    }
  }
}

}  // namespace

int plan_rehearse(const std::vector<std::string>& args) {
  options opt;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      (void)flag;
      return &args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    } else if (a == "--json") {
      opt.json = true;
    } else if (a == "--participants" || a == "--rounds" || a == "--seed") {
      const std::string* v = value(a.c_str());
      std::uint64_t n = 0;
      if (v == nullptr || !parse_number(*v, n)) return usage_error(a + " needs a whole number");
      if (a == "--participants") opt.participants = n;
      if (a == "--rounds") opt.rounds = n;
      if (a == "--seed") opt.seed = n;
    } else if (a == "--exercise" || a == "--attendance") {
      const std::string* v = value(a.c_str());
      if (v == nullptr || v->empty()) return usage_error(a + " needs a value");
      (a == "--exercise" ? opt.exercise : opt.attendance_path) = *v;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else if (opt.plan_path.empty()) {
      opt.plan_path = a;
    } else {
      return usage_error("only one plan file, please ('" + a + "' is extra)");
    }
  }
  if (opt.plan_path.empty()) return usage_error("name the plan file to rehearse");
  if (opt.participants < 2 || opt.participants > 100'000)
    return usage_error("--participants must be between 2 and 100000");
  if (opt.rounds < 1 || opt.rounds > 1000) return usage_error("--rounds must be between 1 and 1000");
  if (!opt.seed) return usage_error("--seed is required, so that the rotation can be reproduced");

  auto loaded = core::load_plan_file(opt.plan_path);
  if (!loaded.plan) {
    for (const auto& d : loaded.diagnostics) std::cerr << d.to_string() << "\n";
    std::cerr << opt.plan_path << ": the plan has errors; fix them (see `dyad plan check`) and rehearse again.\n";
    return 1;
  }
  const dyad::v1::Plan& plan = *loaded.plan;
  std::vector<const dyad::v1::Exercise*> cycle;
  if (!opt.exercise.empty()) {
    const auto* e = core::find_exercise(plan, opt.exercise);
    if (e == nullptr) {
      std::cerr << "dyad plan rehearse: the plan has no exercise '" << opt.exercise << "'; its exercises are:";
      for (const auto& x : plan.exercises()) std::cerr << " " << x.id();
      std::cerr << "\n";
      return 1;
    }
    cycle.push_back(e);
  } else {
    for (const auto& e : plan.exercises()) cycle.push_back(&e);
  }

  std::vector<std::vector<std::string>> attendance;
  if (!opt.attendance_path.empty()) {
    auto read = read_attendance(opt.attendance_path, opt.participants);
    if (!read) return 1;
    if (read->size() < opt.rounds) {
      std::cerr << opt.attendance_path << ": lists " << read->size() << " rounds but --rounds is "
                << opt.rounds << "; give one array per round.\n";
      return 1;
    }
    attendance = std::move(*read);
  }
  std::vector<std::string> everyone;
  for (std::uint64_t p = 1; p <= opt.participants; ++p) everyone.push_back("p" + std::to_string(p));

  core::pairing_history history;
  dyad::v1::Rehearsal rehearsal;
  for (std::uint64_t r = 0; r < opt.rounds; ++r) {
    const auto& exercise = *cycle[r % cycle.size()];
    core::pairing_request request;
    request.present = attendance.empty() ? everyone : attendance[r];
    request.shape = core::shape_of(exercise);
    request.odd_with_facilitator = exercise.odd_count() == dyad::v1::ODD_COUNT_FACILITATOR;
    request.seed = *opt.seed;
    request.everyone = everyone;
    auto grouped = core::make_groups(request, history);
    if (!grouped) {
      std::cerr << "dyad plan rehearse: round " << r + 1 << ": " << grouped.err().message << "\n";
      return 1;
    }
    history.record(grouped->groups);
    auto* round = rehearsal.add_rounds();
    round->set_exercise(exercise.id());
    for (const auto& g : grouped->groups) {
      auto* group = round->add_groups();
      group->set_room(g.room);
      group->set_with_facilitator(g.with_facilitator);
      for (const auto& m : g.members) {
        auto* member = group->add_members();
        member->set_participant(m.participant);
        member->set_role(core::role_id(exercise, m.role));
      }
    }
  }

  if (opt.json) {
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(rehearsal, &json, print);
    std::cout << json << "\n";
  } else {
    print_readable(rehearsal);
  }
  return 0;
}

}  // namespace dyad::cli
