#include "net/workspace_routes.hpp"

#include <boost/beast/http/field.hpp>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <future>
#include <map>

#include "core/plan_loader.hpp"
#include "core/transcript_import.hpp"
#include "core/workshop.hpp"
#include "dyad/v1/api.pb.h"
#include "dyad/v1/wire.pb.h"
#include "net/closed_run_cache.hpp"
#include "net/http_replies.hpp"
#include "net/public_url.hpp"
#include "net/secrets.hpp"
#include "net/store_worker.hpp"
#include "net/wire_mapping.hpp"
#include "net/workshop_host.hpp"
#include "net/workshop_registry.hpp"

namespace dyad::net {

namespace http = boost::beast::http;
namespace v1 = dyad::v1;
using core::errc;

namespace {

constexpr auto wait_for_store = std::chrono::seconds(30);
constexpr auto wait_for_workshop = std::chrono::seconds(5);
constexpr std::size_t max_name_chars = 200;
constexpr int max_retention_days = 3650;
constexpr std::int64_t day_ms = 24LL * 60 * 60 * 1000;

/// Whether a job changes the log (on the writer's thread, in order with appends) or only reads
/// it (on a read-only connection, never waiting behind a commit).
enum class store_access { read, write };

/// Runs `job` on the store and waits for its answer.
template <typename T>
core::result<T> on_store(store_worker& store, store_access access, std::function<core::result<T>(store::event_log&)> job) {
  auto promise = std::make_shared<std::promise<core::result<T>>>();
  auto future = promise->get_future();
  auto wrapped = [promise, job = std::move(job)](store::event_log& log) { promise->set_value(job(log)); };
  if (access == store_access::read) store.read(std::move(wrapped));
  else store.run(std::move(wrapped));
  if (future.wait_for(wait_for_store) != std::future_status::ready)
    return core::make_error(errc::unavailable, "The store is busy; try again in a moment.");
  return future.get();
}


bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  const auto* first = s.data() + at;
  const auto [end, ec] = std::from_chars(first, first + n, out);
  return ec == std::errc{} && end == first + n;
}

/// "2026-12-03": a real day of the Gregorian calendar.
bool valid_date(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d))
    return false;
  const auto ymd = std::chrono::year(y) / std::chrono::month(static_cast<unsigned>(m)) / std::chrono::day(static_cast<unsigned>(d));
  return y >= 2000 && y <= 2200 && ymd.ok();
}

/// "09:30", 24-hour.
bool valid_time(std::string_view s) {
  int h = 0, m = 0;
  return s.size() == 5 && s[2] == ':' && digits(s, 0, 2, h) && digits(s, 3, 2, m) && h < 24 && m < 60;
}

std::string_view query_of(const http_request& req) {
  const std::string_view target = req.target();
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

std::vector<std::string> split(std::string_view path) {
  const auto views = split_path(path);
  return {views.begin(), views.end()};
}

v1::PlanProblem problem_of(const core::diagnostic& d) {
  v1::PlanProblem p;
  p.set_field(d.field);
  p.set_line(d.line);
  p.set_column(d.column);
  p.set_message(d.message);
  p.set_text(d.to_string());
  return p;
}

/// A plan's source checked by the server's own validator, as `dyad plan check` does.
struct checked_source {
  core::plan_load_result loaded;
  bool known_format = true;
};

checked_source check_source(const v1::PlanSource& source) {
  checked_source out;
  if (source.format() != "text" && source.format() != "json") {
    out.known_format = false;
    return out;
  }
  out.loaded = core::parse_plan(source.body(), {}, source.format() == "json" ? core::plan_format::json : core::plan_format::text);
  return out;
}

v1::PlanCheck plan_check_of(const core::plan_load_result& loaded) {
  v1::PlanCheck check;
  for (const auto& d : loaded.diagnostics) *check.add_problems() = problem_of(d);
  if (loaded.parsed) {
    *check.mutable_plan() = *loaded.parsed;
    check.set_text(core::readable_text(*loaded.parsed));
  }
  return check;
}

std::string all_problems(const core::plan_load_result& loaded) {
  std::string all;
  for (const auto& d : loaded.diagnostics) all += (all.empty() ? "" : "\n") + d.to_string();
  return all;
}

std::string plan_json(const v1::Plan& plan) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(plan, &out, options);
  return out;
}

}  // namespace

struct workspace_routes::impl {
  std::unique_ptr<store::library_store> library;
  store::account_store& accounts;
  workshop_registry& registry;
  store_worker& store;
  const core::clock& clock;
  const public_links& links;

  http_response json(const http_request& req, const google::protobuf::Message& m, http::status status = http::status::ok) const {
    return make_response(req, status, to_json(m) + "\n", "application/json");
  }
  static http_response failed(const http_request& req, const core::error& e) { return error_response(req, to_error_code(e.code), e.message); }
  static bool organiser(const store::account_row& me) { return me.role == core::account_role::organiser; }
  static http_response organisers_only(const http_request& req, const char* what) {
    return error_response(req, v1::ERROR_CODE_FORBIDDEN, std::string("Only organisers ") + what + "; ask one of them.");
  }

  // -------------------------------------------------------------------------------------------
  // Plans

  static core::result<v1::Plan> plan_of(const store::plan_version_row& row) {
    v1::Plan plan;
    if (!plan.ParseFromString(row.plan))
      return core::make_error(errc::unavailable, "A stored plan version cannot be read; restore the data folder from a backup.");
    return plan;
  }

  core::result<v1::PlanEntry> entry_of(const store::plan_row& row) {
    v1::PlanEntry e;
    e.set_plan_id(row.id);
    e.set_name(row.name);
    e.set_latest_version(row.latest_version);
    e.set_saved_ms(row.saved_ms);
    e.set_has_draft(row.has_draft);
    e.set_template_(row.is_template);
    if (row.latest_version > 0) {
      auto version = library->plan_version(row.id, row.latest_version);
      if (!version) return version.err();
      if (*version) {
        auto plan = plan_of(**version);
        if (!plan) return plan.err();
        e.set_title(plan->title());
        e.set_series(plan->series());
      }
    }
    return e;
  }

  http_response list_plans(const http_request& req) {
    auto rows = library->plans();
    if (!rows) return failed(req, rows.err());
    v1::PlanList list;
    for (const auto& row : *rows) {
      auto e = entry_of(row);
      if (!e) return failed(req, e.err());
      *list.add_plans() = std::move(*e);
    }
    return json(req, list);
  }

  http_response plan_detail(const http_request& req, const std::string& id, http::status status = http::status::ok) {
    auto row = library->find_plan(id);
    if (!row) return failed(req, row.err());
    if (!*row) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such plan; it may have been removed.");
    v1::PlanDetail detail;
    auto entry = entry_of(**row);
    if (!entry) return failed(req, entry.err());
    *detail.mutable_entry() = std::move(*entry);
    auto versions = library->plan_versions(id);
    if (!versions) return failed(req, versions.err());
    for (const auto& v : *versions) {
      auto* out = detail.add_versions();
      out->set_version(v.version);
      out->set_saved_ms(v.saved_ms);
      out->set_saved_by(v.saved_by);
    }
    if (!versions->empty()) {
      auto plan = plan_of(versions->front());
      if (!plan) return failed(req, plan.err());
      *detail.mutable_plan() = std::move(*plan);
    }
    auto draft = library->draft(id);
    if (!draft) return failed(req, draft.err());
    if (*draft) {
      detail.mutable_draft()->set_format((*draft)->format);
      detail.mutable_draft()->set_body((*draft)->body);
      detail.set_draft_saved_ms((*draft)->saved_ms);
      v1::PlanSource source;
      source.set_format((*draft)->format);
      source.set_body((*draft)->body);
      const auto checked = check_source(source);
      for (const auto& d : checked.loaded.diagnostics) *detail.add_draft_problems() = problem_of(d);
    }
    return json(req, detail, status);
  }

  /// A new plan in the library holding `plan` as its first version.
  core::result<store::plan_row> add_plan_with(const std::string& name, const v1::Plan& plan, const std::string& saved_by,
                                              bool is_template = false) {
    auto row = library->add_plan(name.empty() ? plan.title() : name, is_template, clock.now());
    if (!row) return row.err();
    auto version = library->add_plan_version(row->id, plan.SerializeAsString(), saved_by, clock.now());
    if (!version) return version.err();
    return row;
  }

  http_response new_plan(const http_request& req, const store::account_row& me) {
    v1::NewPlanRequest in;
    if (!from_json(req.body(), in))
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Send the plan to copy, or a plan file to import.");
    if (in.name().size() > max_name_chars)
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "The name is too long; keep it under 200 characters.");
    if (!in.from_plan_id().empty()) {
      auto from = library->find_plan(in.from_plan_id());
      if (!from) return failed(req, from.err());
      auto version = *from ? library->plan_version(in.from_plan_id(), in.from_version())
                           : core::result<std::optional<store::plan_version_row>>(std::nullopt);
      if (!version) return failed(req, version.err());
      if (!*version)
        return error_response(req, v1::ERROR_CODE_NOT_FOUND, "That plan (or that version of it) is not in the library; pick another.");
      auto plan = plan_of(**version);
      if (!plan) return failed(req, plan.err());
      const auto name = in.name().empty() ? (*from)->name + " (copy)" : in.name();
      auto row = add_plan_with(name, *plan, me.email);
      if (!row) return failed(req, row.err());
      spdlog::info("plan {} copied from {} v{} by {}", row->id, in.from_plan_id(), (*version)->version, me.id);
      return plan_detail(req, row->id, http::status::created);
    }
    if (in.has_source()) {
      const auto checked = check_source(in.source());
      if (!checked.known_format)
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "A plan file is in the text format or JSON; pick one of those files.");
      if (!checked.loaded.parsed)
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "This file cannot be read as a plan:\n" + all_problems(checked.loaded));
      if (checked.loaded.plan) {
        auto row = add_plan_with(in.name(), *checked.loaded.plan, me.email);
        if (!row) return failed(req, row.err());
        spdlog::info("plan {} imported by {}", row->id, me.id);
        return plan_detail(req, row->id, http::status::created);
      }
      // It reads, but has problems: kept as a draft to fix in the editor.
      auto row = library->add_plan(in.name().empty() ? checked.loaded.parsed->title() : in.name(), false, clock.now());
      if (!row) return failed(req, row.err());
      if (auto s = library->set_draft(row->id, {in.source().format(), in.source().body(), clock.now()}); !s) return failed(req, s.err());
      spdlog::info("plan {} imported as a draft by {}", row->id, me.id);
      return plan_detail(req, row->id, http::status::created);
    }
    return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Send the plan to copy, or a plan file to import.");
  }

  http_response export_plan(const http_request& req, const std::string& id) {
    const auto query = query_of(req);
    const auto format = query_param(query, "format").empty() ? std::string("text") : query_param(query, "format");
    if (format != "text" && format != "json")
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "format must be text or json.");
    int wanted = 0;
    if (const auto v = query_param(query, "version"); !v.empty()) {
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), wanted);
      if (ec != std::errc{} || end != v.data() + v.size() || wanted < 1)
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "The version is a number from 1.");
    }
    auto version = library->plan_version(id, wanted);
    if (!version) return failed(req, version.err());
    if (!*version) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "That plan has no such saved version.");
    auto plan = plan_of(**version);
    if (!plan) return failed(req, plan.err());
    const auto base = (plan->series().empty() ? std::string("plan") : plan->series()) + "-v" + std::to_string((*version)->version);
    auto res = format == "json" ? make_response(req, http::status::ok, plan_json(*plan), "application/json")
                                : make_response(req, http::status::ok, core::readable_text(*plan), "text/plain; charset=utf-8");
    res.set(http::field::content_disposition,
            "attachment; filename=\"" + base + (format == "json" ? ".json" : ".textproto") + "\"");
    return res;
  }

  http_response plans_route(const http_request& req, const std::vector<std::string>& parts, const store::account_row& me) {
    const auto method = req.method();
    const bool get = method == http::verb::get || method == http::verb::head;
    if (parts.size() == 2) {
      if (get) return list_plans(req);
      if (method != http::verb::post) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Use GET to list plans or POST to add one.");
      if (!organiser(me)) return organisers_only(req, "add plans");
      return new_plan(req, me);
    }
    if (parts.size() == 3 && parts[2] == "check") {
      if (method != http::verb::post) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "POST the plan to check.");
      v1::PlanSource in;
      if (!from_json(req.body(), in)) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Send the plan with its format (text or json).");
      const auto checked = check_source(in);
      if (!checked.known_format) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "The format is text or json.");
      return json(req, plan_check_of(checked.loaded));
    }
    const auto& id = parts[2];
    if (parts.size() == 3) {
      if (get) return plan_detail(req, id);
      if (method != http::verb::patch) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Use GET to read a plan or PATCH to rename it.");
      if (!organiser(me)) return organisers_only(req, "rename plans");
      v1::RenamePlanRequest in;
      if (!from_json(req.body(), in) || in.name().empty() || in.name().size() > max_name_chars)
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Give the plan a name of 1 to 200 characters.");
      if (auto s = library->rename_plan(id, in.name()); !s) return failed(req, s.err());
      auto row = library->find_plan(id);
      if (!row || !*row) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such plan.");
      auto e = entry_of(**row);
      if (!e) return failed(req, e.err());
      return json(req, *e);
    }
    if (parts.size() == 4 && parts[3] == "export" && get) return export_plan(req, id);
    if (parts.size() == 4 && (parts[3] == "draft" || parts[3] == "versions")) {
      const bool draft = parts[3] == "draft";
      if (method != (draft ? http::verb::put : http::verb::post))
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, draft ? "PUT the draft." : "POST the plan to save.");
      if (!organiser(me)) return organisers_only(req, "change plans");
      v1::PlanSource in;
      if (!from_json(req.body(), in)) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Send the plan with its format (text or json).");
      const auto checked = check_source(in);
      if (!checked.known_format) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "The format is text or json.");
      auto row = library->find_plan(id);
      if (!row) return failed(req, row.err());
      if (!*row) return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such plan; it may have been removed.");
      if (draft) {
        if (auto s = library->set_draft(id, {in.format(), in.body(), clock.now()}); !s) return failed(req, s.err());
        return json(req, plan_check_of(checked.loaded));
      }
      if (!checked.loaded.plan)
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT,
                              "The plan has problems, so it can be kept only as a draft:\n" + all_problems(checked.loaded));
      auto version = library->add_plan_version(id, checked.loaded.plan->SerializeAsString(), me.email, clock.now());
      if (!version) return failed(req, version.err());
      spdlog::info("plan {} saved as version {} by {}", id, *version, me.id);
      v1::PlanSaved saved;
      saved.set_version(*version);
      saved.set_saved_ms(clock.now());
      return json(req, saved);
    }
    return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such plan endpoint.");
  }

  http_response parse_transcript(const http_request& req) {
    if (req.method() != http::verb::post) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "POST the transcript's text.");
    v1::TranscriptParseRequest in;
    if (!from_json(req.body(), in)) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Send the transcript's text.");
    core::transcript_import_options options;
    options.id = in.id().empty() ? "transcript" : in.id();
    options.title = in.title();
    auto transcript = core::import_transcript(in.text(), options);
    if (!transcript) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, transcript.err().message);
    return json(req, *transcript);
  }

  // -------------------------------------------------------------------------------------------
  // Runs

  static bool may_see(const store::account_row& me, const store::run_row& run) {
    return organiser(me) || run.facilitator_id == me.id ||
           std::find(run.access.begin(), run.access.end(), me.id) != run.access.end();
  }
  static bool may_manage(const store::account_row& me, const store::run_row& run) {
    return organiser(me) || run.facilitator_id == me.id;
  }

  /// Every workshop of the log that is not yet a run (made with the admin token, `dyad create`,
  /// or before the workspace existed) becomes one, dated by its creation.
  core::status list_unlisted_workshops() {
    auto rows = library->runs();
    if (!rows) return rows.err();
    std::set<std::string> listed;
    for (const auto& r : *rows) listed.insert(r.code);
    auto created = on_store<std::vector<v1::WorkshopCreated>>(store, store_access::read, [listed](store::event_log& log) -> core::result<std::vector<v1::WorkshopCreated>> {
      auto codes = log.workshop_codes(false);
      if (!codes) return codes.err();
      std::vector<v1::WorkshopCreated> out;
      for (const auto& code : *codes) {
        if (listed.contains(code)) continue;
        auto events = log.load(code);
        if (!events) return events.err();
        if (!events->empty() && events->front().has_created()) out.push_back(events->front().created());
      }
      return out;
    });
    if (!created) return created.err();
    for (const auto& c : *created) {
      store::run_row row;
      row.code = c.code();
      row.series = c.plan().series();
      row.title = c.plan().title();
      row.date = run_date(c);
      row.created_ms = c.at_ms();
      if (auto s = library->add_run(row); !s && s.err().code != errc::invalid_argument) return s;
    }
    return core::ok();
  }

  /// A run's stage and figures now: live from its workshop while open, from the log once it has
  /// closed (recorded then, and its workshop leaves memory at the next sweep).
  struct live_figures {
    std::string stage;
    int participants = 0;
    int responses = 0;
  };

  core::result<live_figures> figures_of(store::run_row& run) {
    if (run.closed_ms > 0) return live_figures{"closed", run.participants, run.responses};
    if (auto host = registry.find(run.code); host && !host->closed()) {
      auto promise = std::make_shared<std::promise<live_figures>>();
      auto future = promise->get_future();
      host->inspect([promise](const core::workshop& w) {
        const int people = static_cast<int>(w.people().size());
        promise->set_value({w.lifecycle() == v1::LIFECYCLE_LOBBY && people == 0 ? "upcoming" : "open", people,
                            static_cast<int>(w.responses_shown())});
      });
      if (future.wait_for(wait_for_workshop) != std::future_status::ready)
        return core::make_error(errc::unavailable, "The workshop " + run.code + " is busy; try again in a moment.");
      return future.get();
    }
    // Closed (since the server started, or before): its figures from the log, recorded once.
    const auto code = run.code;
    // A run found closed here (the sweep comes by within half a minute of closing) has its
    // report's figures computed now, once, from this one replay.
    auto closed = on_store<std::pair<live_figures, std::int64_t>>(store, store_access::read, [code, &kept = store.closed_runs()](store::event_log& log) -> core::result<std::pair<live_figures, std::int64_t>> {
      auto events = log.load(code);
      if (!events) return events.err();
      if (events->empty() || !events->front().has_created())
        return core::make_error(errc::not_found, "The workshop " + code + " is not in the log.");
      std::int64_t closed_ms = 0;
      for (const auto& e : *events)
        if (e.has_lifecycle() && e.lifecycle().lifecycle() == v1::LIFECYCLE_CLOSED) closed_ms = e.lifecycle().at_ms();
      static const core::system_clock wall;
      auto w = core::workshop::replay(wall, *events, random_u64());
      if (!w) return w.err();
      live_figures f{closed_ms > 0 ? "closed" : "open", static_cast<int>(w->people().size()), static_cast<int>(w->responses_shown())};
      if (closed_ms > 0 && !kept.find(code)) {
        const auto& created = events->front().created();
        kept.keep(code, created.plan().series(), w->as_series_run(run_date(created)));
      }
      return std::pair{f, closed_ms};
    });
    if (!closed) return closed.err();
    if (closed->second > 0) {
      if (auto s = library->set_run_closed(run.code, closed->second, closed->first.participants, closed->first.responses); !s) return s.err();
      run.closed_ms = closed->second;
      run.participants = closed->first.participants;
      run.responses = closed->first.responses;
    }
    return closed->first;
  }

  core::result<v1::RunEntry> run_entry(store::run_row& run, const store::account_row& me,
                                       const std::map<std::string, std::string>& emails) {
    auto figures = figures_of(run);
    if (!figures) return figures.err();
    const auto person = [&](const std::string& id) {
      v1::RunPerson p;
      p.set_account_id(id);
      const auto it = emails.find(id);
      p.set_email(it == emails.end() ? (id.empty() ? std::string{} : std::string("(removed)")) : it->second);
      return p;
    };
    v1::RunEntry e;
    e.set_code(run.code);
    e.set_title(run.title);
    e.set_series(run.series);
    e.set_date(run.date);
    e.set_start_time(run.start_time);
    e.set_stage(figures->stage);
    if (!run.facilitator_id.empty()) *e.mutable_facilitator() = person(run.facilitator_id);
    for (const auto& id : run.access) *e.add_cofacilitators() = person(id);
    e.set_participants(figures->participants);
    e.set_responses(figures->responses);
    e.set_plan_id(run.plan_id);
    e.set_plan_version(run.plan_version);
    e.set_created_ms(run.created_ms);
    e.set_closed_ms(run.closed_ms);
    e.set_erased_ms(run.erased_ms);
    e.set_can_manage(may_manage(me, run));
    e.set_join_url(links.join_url(run.code));
    return e;
  }

  core::result<std::map<std::string, std::string>> emails() {
    auto all = accounts.accounts();
    if (!all) return all.err();
    std::map<std::string, std::string> out;
    for (const auto& a : *all) out[a.id] = a.email;
    return out;
  }

  http_response one_run(const http_request& req, const std::string& code, const store::account_row& me,
                        http::status status = http::status::ok) {
    auto run = library->find_run(code);
    if (!run) return failed(req, run.err());
    if (!*run || !may_see(me, **run)) return no_such_run(req);
    auto names = emails();
    if (!names) return failed(req, names.err());
    auto e = run_entry(**run, me, *names);
    if (!e) return failed(req, e.err());
    return json(req, *e, status);
  }

  /// Someone else's run answers exactly like one that does not exist.
  static http_response no_such_run(const http_request& req) {
    return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such run among yours; check the workspace.");
  }

  core::result<int> retention_days() {
    auto value = accounts.setting(std::string(retention_setting));
    if (!value) return value.err();
    int days = 0;
    if (*value) std::from_chars((*value)->data(), (*value)->data() + (*value)->size(), days);
    return days;
  }

  http_response list_runs(const http_request& req, const store::account_row& me) {
    if (organiser(me))
      if (auto s = list_unlisted_workshops(); !s) return failed(req, s.err());
    auto rows = library->runs();
    if (!rows) return failed(req, rows.err());
    auto names = emails();
    if (!names) return failed(req, names.err());
    v1::RunList list;
    for (auto& run : *rows) {
      if (!may_see(me, run)) continue;
      auto e = run_entry(run, me, *names);
      if (!e) return failed(req, e.err());
      *list.add_runs() = std::move(*e);
    }
    auto days = retention_days();
    if (!days) return failed(req, days.err());
    list.set_retention_days(*days);
    return json(req, list);
  }

  /// Creates the workshop of a run from a saved plan version, and records the run.
  http_response create_run(const http_request& req, const store::account_row& me, const std::string& plan_id, int plan_version,
                           const v1::NewRunRequest& in, const std::string& facilitator_id, const std::string& address) {
    if (!valid_date(in.date()))
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Give the run's date as year-month-day, e.g. 2026-12-03.");
    if (!valid_time(in.start_time()))
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Give the start time as hours:minutes in 24-hour time, e.g. 09:30.");
    auto facilitator = accounts.find_by_id(facilitator_id);
    if (!facilitator) return failed(req, facilitator.err());
    if (!*facilitator)
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Pick the facilitator from the people who sign in here; invite them first on the People page.");
    auto version = library->plan_version(plan_id, plan_version);
    if (!version) return failed(req, version.err());
    if (!*version)
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT,
                            "That plan has no saved version to run; save it in the editor first (a draft is never run).");
    auto plan = plan_of(**version);
    if (!plan) return failed(req, plan.err());
    if (auto problems = core::validate_plan(*plan); !problems.empty())
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "That plan version has problems; fix them in the editor and save it again.");
    auto promise = std::make_shared<std::promise<core::result<created_workshop>>>();
    auto future = promise->get_future();
    registry.create(*plan, [promise](core::result<created_workshop> r) { promise->set_value(std::move(r)); }, in.date());
    if (future.wait_for(wait_for_store) != std::future_status::ready)
      return error_response(req, v1::ERROR_CODE_UNAVAILABLE, "The store is busy; try again in a moment.");
    auto created = future.get();
    if (!created) return failed(req, created.err());
    store::run_row row;
    row.code = created->code;
    row.series = plan->series();
    row.title = plan->title();
    row.plan_id = plan_id;
    row.plan_version = (*version)->version;
    row.date = in.date();
    row.start_time = in.start_time();
    row.facilitator_id = facilitator_id;
    row.created_ms = clock.now();
    if (auto s = library->add_run(row); !s) return failed(req, s.err());
    spdlog::info("run {} of plan {} v{} created by {} for {} (client={})", row.code, plan_id, row.plan_version, me.id,
                 facilitator_id, address);
    return one_run(req, row.code, me, http::status::created);
  }

  /// The plan a run ran with, as a plan of the library: its own, or (for a workshop made from a
  /// file) the run's plan added to the library.
  core::result<std::string> library_plan_of(const store::run_row& run, const store::account_row& me) {
    if (!run.plan_id.empty()) {
      auto found = library->find_plan(run.plan_id);
      if (!found) return found.err();
      if (*found && (*found)->latest_version > 0) return run.plan_id;
    }
    const auto code = run.code;
    auto plan = on_store<v1::Plan>(store, store_access::read, [code](store::event_log& log) -> core::result<v1::Plan> {
      auto events = log.load(code);
      if (!events) return events.err();
      if (events->empty() || !events->front().has_created())
        return core::make_error(errc::not_found, "The workshop " + code + " is not in the log.");
      return events->front().created().plan();
    });
    if (!plan) return plan.err();
    auto row = add_plan_with(plan->title(), *plan, me.email);
    if (!row) return row.err();
    return row->id;
  }

  http_response runs_route(const http_request& req, const std::vector<std::string>& parts, const store::account_row& me,
                           const std::string& address) {
    const auto method = req.method();
    const bool get = method == http::verb::get || method == http::verb::head;
    if (parts.size() == 2) {
      if (get) return list_runs(req, me);
      if (method != http::verb::post) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Use GET to list runs or POST to create one.");
      if (!organiser(me)) return organisers_only(req, "create runs");
      v1::NewRunRequest in;
      if (!from_json(req.body(), in) || in.plan_id().empty())
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Pick a plan, a date, a start time and a facilitator.");
      return create_run(req, me, in.plan_id(), in.plan_version(), in, in.facilitator_id().empty() ? me.id : in.facilitator_id(), address);
    }
    const auto code = normalize_code(parts[2]);
    auto found = library->find_run(code);
    if (!found) return failed(req, found.err());
    if (!*found || !may_see(me, **found)) return no_such_run(req);
    auto& run = **found;
    if (parts.size() == 3) {
      if (get) return one_run(req, code, me);
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Use GET to read a run.");
    }
    const auto& what = parts[3];
    if (what == "next" && parts.size() == 4 && method == http::verb::post) {
      if (!organiser(me)) return organisers_only(req, "create runs");
      v1::NewRunRequest in;
      if (!from_json(req.body(), in)) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Pick a date and a start time.");
      auto plan_id = library_plan_of(run, me);
      if (!plan_id) return failed(req, plan_id.err());
      const auto facilitator = !in.facilitator_id().empty() ? in.facilitator_id() : !run.facilitator_id.empty() ? run.facilitator_id : me.id;
      return create_run(req, me, *plan_id, 0, in, facilitator, address);
    }
    if (what == "access" && (parts.size() == 4 || parts.size() == 5)) {
      if (!may_manage(me, run)) return error_response(req, v1::ERROR_CODE_FORBIDDEN, "Only the run's facilitator or an organiser gives access to it.");
      std::string account_id;
      if (parts.size() == 4 && method == http::verb::post) {
        v1::RunAccessRequest in;
        if (!from_json(req.body(), in) || in.account_id().empty())
          return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Pick the person to give access to.");
        auto person = accounts.find_by_id(in.account_id());
        if (!person) return failed(req, person.err());
        if (!*person) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Pick someone who signs in here; invite them first on the People page.");
        if (in.account_id() == run.facilitator_id)
          return error_response(req, v1::ERROR_CODE_WRONG_STATE, "They lead this run already.");
        if (auto s = library->grant(code, in.account_id()); !s) return failed(req, s.err());
        spdlog::info("run {}: access given to {} by {}", code, in.account_id(), me.id);
        return one_run(req, code, me);
      }
      if (parts.size() == 5 && method == http::verb::delete_) {
        if (auto s = library->revoke(code, parts[4]); !s) return failed(req, s.err());
        spdlog::info("run {}: access taken back from {} by {}", code, parts[4], me.id);
        return one_run(req, code, me);
      }
      return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "POST a person to give access, DELETE …/access/ID to take it back.");
    }
    if (what == "facilitator-link" && parts.size() == 4 && method == http::verb::post) {
      if (!may_manage(me, run)) return error_response(req, v1::ERROR_CODE_FORBIDDEN, "Only the run's facilitator or an organiser issues its facilitator link.");
      auto host = registry.find(code);
      if (!host || host->closed())
        return error_response(req, v1::ERROR_CODE_WRONG_STATE, "This run has ended; its report opens from the workspace.");
      auto promise = std::make_shared<std::promise<core::result<std::string>>>();
      auto future = promise->get_future();
      host->replace_facilitator_token([promise](core::result<std::string> r) { promise->set_value(std::move(r)); });
      if (future.wait_for(wait_for_store) != std::future_status::ready)
        return error_response(req, v1::ERROR_CODE_UNAVAILABLE, "The workshop is busy; try again in a moment.");
      auto token = future.get();
      if (!token) return failed(req, token.err());
      spdlog::info("run {}: new facilitator link issued by {}; the old one no longer opens it", code, me.id);
      v1::FacilitatorLink out;
      out.set_url(links.facilitator_url(code, *token));
      return json(req, out);
    }
    if (what == "erase" && parts.size() == 4 && method == http::verb::post) {
      if (!organiser(me)) return organisers_only(req, "erase names and e-mails");
      if (auto s = erase(run); !s) return failed(req, s.err());
      spdlog::info("run {}: names and e-mails erased by {}", code, me.id);
      return one_run(req, code, me);
    }
    return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such run endpoint.");
  }

  /// Erases a closed run's names and e-mails from the log (the core refuses while it is open);
  /// the run records when.
  core::status erase(store::run_row& run) {
    if (run.erased_ms > 0) return core::ok();
    const auto code = run.code;
    const auto now = clock.now();
    auto erased = on_store<bool>(store, store_access::write, [code, now](store::event_log& log) -> core::result<bool> {
      if (auto s = log.erase_personal_data(code, now); !s) return s.err();
      return true;
    });
    if (!erased) return erased.err();
    return library->set_run_erased(code, now);
  }

  http_response retention_route(const http_request& req, const store::account_row& me) {
    if (!organiser(me)) return organisers_only(req, "set how long names are kept");
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (!get) {
      if (req.method() != http::verb::put) return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "GET or PUT the retention.");
      v1::RetentionSetting in;
      if (!from_json(req.body(), in) || in.days() < 0 || in.days() > max_retention_days)
        return error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Give the days as a whole number from 0 (keep until erased) to 3650.");
      if (auto s = accounts.set_setting(std::string(retention_setting), std::to_string(in.days())); !s) return failed(req, s.err());
      spdlog::info("retention set to {} days by {}", in.days(), me.id);
    }
    auto days = retention_days();
    if (!days) return failed(req, days.err());
    v1::RetentionSetting out;
    out.set_days(*days);
    return json(req, out);
  }
};

workspace_routes::workspace_routes(std::unique_ptr<store::library_store> library, store::account_store& accounts,
                                   workshop_registry& registry, store_worker& store, const core::clock& clock,
                                   const public_links& links)
    : impl_(new impl{std::move(library), accounts, registry, store, clock, links}) {}

workspace_routes::~workspace_routes() = default;

bool workspace_routes::owns(std::string_view path) {
  return path == "/api/plans" || path.starts_with("/api/plans/") || path == "/api/runs" || path.starts_with("/api/runs/") ||
         path == "/api/transcripts/parse" || path == "/api/settings/retention";
}

http_response workspace_routes::answer(const http_request& req, const std::string& path, const store::account_row& me,
                                       const std::string& address) {
  const auto parts = split(path);
  if (parts.size() >= 2 && parts[1] == "plans") return impl_->plans_route(req, parts, me);
  if (parts.size() >= 2 && parts[1] == "runs") return impl_->runs_route(req, parts, me, address);
  if (path == "/api/transcripts/parse") return impl_->parse_transcript(req);
  if (path == "/api/settings/retention") return impl_->retention_route(req, me);
  return error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such API endpoint.");
}

run_access workspace_routes::access_of(const store::account_row& me) {
  run_access out;
  if (impl::organiser(me)) {
    out.every_run = true;
    return out;
  }
  auto rows = impl_->library->runs();
  if (!rows) return out;  // nothing opens while the store fails
  for (const auto& r : *rows)
    if (impl::may_see(me, r)) out.runs.insert(r.code);
  return out;
}

void workspace_routes::first_start() {
  auto& i = *impl_;
  auto plans = i.library->plans();
  if (!plans) throw std::runtime_error(plans.err().message);
  if (plans->empty()) {
    auto demo = core::parse_plan(demo_plan_text(), "demo plan", core::plan_format::text);
    if (!demo.plan) throw std::runtime_error("The built-in demo plan has problems: " + all_problems(demo));
    auto row = i.add_plan_with("Demo: " + demo.plan->title(), *demo.plan, "Dyad", true);
    if (!row) throw std::runtime_error(row.err().message);
    spdlog::info("plan library: the demo plan is there as a template");
  }
  if (auto s = i.list_unlisted_workshops(); !s) throw std::runtime_error(s.err().message);
}

void workspace_routes::sweep() {
  auto& i = *impl_;
  auto rows = i.library->runs();
  if (!rows) return spdlog::warn("workspace sweep: {}", rows.err().message);
  auto days = i.retention_days();
  for (auto& run : *rows) {
    if (run.closed_ms == 0) {
      const auto host = i.registry.find(run.code);
      if (host && !host->closed()) continue;
      if (auto f = i.figures_of(run); !f) spdlog::warn("workspace sweep: run {}: {}", run.code, f.err().message);
    }
    if (days && *days > 0 && run.closed_ms > 0 && run.erased_ms == 0 && run.closed_ms + *days * day_ms <= i.clock.now()) {
      if (auto s = i.erase(run); !s) spdlog::warn("workspace sweep: run {}: {}", run.code, s.err().message);
      else spdlog::info("run {}: names and e-mails erased, {} days after it closed", run.code, *days);
    }
  }
  i.registry.forget_closed();
}

}  // namespace dyad::net
