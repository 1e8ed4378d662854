#include "net/http_routes.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/version.hpp>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "core/plan_loader.hpp"
#include "core/statistics.hpp"
#include "core/workshop.hpp"
#include "dyad/v1/api.pb.h"
#include "dyad/v1/wire.pb.h"
#include "net/closed_run_cache.hpp"
#include "net/http_replies.hpp"
#include "net/metrics.hpp"
#include "net/secrets.hpp"
#include "net/store_worker.hpp"
#include "net/workshop_host.hpp"
#include "net/wire_mapping.hpp"
#include "net/workshop_registry.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;
namespace http = boost::beast::http;

namespace {

std::string csv_field(std::string_view v) {
  // Quote when needed; a leading formula character is defused so a spreadsheet shows it as text.
  std::string s(v);
  if (!s.empty() && (s.front() == '=' || s.front() == '+' || s.front() == '-' || s.front() == '@')) s.insert(0, "'");
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string date_of(core::millis at_ms) {
  const std::time_t t = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}


bool is_admin(const http_context& ctx, const std::string& token) {
  return ctx.admin.matches(token);
}

std::string content_type_for(const std::filesystem::path& p) {
  static const std::map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript"}, {".mjs", "text/javascript"},
      {".css", "text/css"}, {".json", "application/json"}, {".svg", "image/svg+xml"},
      {".png", "image/png"}, {".ico", "image/x-icon"}, {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"}, {".wasm", "application/wasm"}, {".woff2", "font/woff2"}};
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// ?format=… of an export, json when absent.
std::string format_param(const http_request& req) {
  const std::string_view target = req.target();
  const auto q = target.find('?');
  auto format = q == std::string_view::npos ? std::string{} : query_param(target.substr(q + 1), "format");
  return format.empty() ? "json" : format;
}

constexpr std::string_view csv_header = "question_id,question,answered,option_id,option,count,percent";

/// One row per option (or scale value) of each question, each row starting with `prefix`; a
/// withheld question is one row saying so.
std::string tallies_csv(const v1::Tallies& tallies, const std::string& prefix) {
  std::string csv;
  for (const auto& q : tallies.questions()) {
    const auto head = prefix + csv_field(q.question_id()) + "," + csv_field(q.text()) + "," + std::to_string(q.answered()) + ",";
    if (q.hidden()) {
      csv += head + ",(withheld: fewer answers than the anonymity threshold),,\n";
      continue;
    }
    for (const auto& o : q.options()) {
      std::ostringstream pct;
      pct << o.percent();
      csv += head + csv_field(o.option_id()) + "," + csv_field(o.label()) + "," + std::to_string(o.count()) + "," + pct.str() + "\n";
    }
    if (q.has_scale())
      for (int i = 0; i < q.scale().counts_size(); ++i) {
        const auto value = std::to_string(q.scale().min() + i);
        csv += head + value + "," + value + "," + std::to_string(q.scale().counts(i)) + ",\n";
      }
  }
  return csv;
}

/// Whether the workshop of these events has closed.
bool closed_in(const std::vector<v1::WorkshopEvent>& events) {
  bool closed = false;
  for (const auto& e : events)
    if (e.has_lifecycle()) closed = e.lifecycle().lifecycle() == v1::LIFECYCLE_CLOSED;
  return closed;
}

/// Every run of `series` in the log. A closed run is replayed once, the first time a read needs
/// it, and its figures kept (closed runs of other series too, since their events are read
/// anyway); an open run is replayed at each read. Fine for the hundreds of runs one server sees;
/// an index by series is the step after that.
core::result<std::vector<core::series_run>> series_runs(store::event_log& log, closed_run_cache& closed,
                                                        const std::string& series,
                                                        const std::optional<std::set<std::string>>& only) {
  auto codes = log.workshop_codes(false);
  if (!codes) return codes.err();
  std::vector<core::series_run> runs;
  static const core::system_clock wall;
  for (const auto& code : *codes) {
    if (only && !only->contains(code)) continue;
    if (auto kept = closed.find(code)) {
      if (kept->series == series) runs.push_back(std::move(kept->run));
      continue;
    }
    auto events = log.load(code);
    if (!events) return events.err();
    if (events->empty() || !events->front().has_created()) continue;
    const auto& created = events->front().created();
    const bool is_closed = closed_in(*events);
    if (created.plan().series() != series && !is_closed) continue;
    auto w = core::workshop::replay(wall, *events, random_u64());
    if (!w) return w.err();
    auto run = w->as_series_run(run_date(created));
    if (is_closed) closed.keep(code, created.plan().series(), run);
    if (created.plan().series() == series) runs.push_back(std::move(run));
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------

void serve_static(const http_context& ctx, const http_request& req, std::string_view path,
                  const std::function<void(http_response)>& send) {
  std::string file;
  const auto parts = split_path(path);
  // The pages at one fixed address: sign in, set a password with a one-time link, manage people,
  // the workspace.
  const auto fixed_page = [&]() -> std::string {
    if (parts.size() != 1) return {};
    if (parts[0] == "signin") return "signin.html";
    if (parts[0] == "welcome") return "welcome.html";
    if (parts[0] == "people") return "people.html";
    if (parts[0] == "workspace") return "workspace.html";
    return {};
  }();
  const bool page =
      (parts.size() == 2 && (parts[0] == "j" || parts[0] == "f" || parts[0] == "r" || parts[0] == "plans")) || !fixed_page.empty();
  if (page && path.ends_with('/')) {
    // The pages load their scripts and styles relative to their own address, which a trailing
    // slash would move one level down. The query (signin?next=…) goes along.
    auto res = make_response(req, http::status::permanent_redirect, "See the page without the trailing slash.\n", "text/plain");
    std::string location = ctx.links.path_prefix;
    for (auto p : parts) location += "/" + std::string(p);
    const std::string_view target = req.target();
    if (const auto q = target.find('?'); q != std::string_view::npos) location += target.substr(q);
    res.set(http::field::location, location);
    return send(std::move(res));
  }
  if (parts.empty()) file = "index.html";
  else if (!fixed_page.empty()) file = fixed_page;
  else if (parts.size() == 2 && parts[0] == "j") file = "join.html";
  else if (parts.size() == 2 && parts[0] == "f") file = "facilitate.html";
  else if (parts.size() == 2 && parts[0] == "r") file = "report.html";
  else if (parts.size() == 2 && parts[0] == "plans") file = "plan.html";
  else {
    // The file is built from the checked segments only, never from the raw path: "//etc/passwd"
    // would otherwise become an absolute path that replaces the web root.
    for (auto p : parts) {
      if (p == ".." || p == "." || p.find('\0') != std::string_view::npos || p.find('\\') != std::string_view::npos)
        return send(make_response(req, http::status::bad_request, "Bad path.\n", "text/plain"));
      if (!file.empty()) file += '/';
      file += p;
    }
  }
  const auto full = ctx.web_root / file;
  // And whatever the segments, the file must lie inside the web root.
  std::error_code ec;
  const auto root = std::filesystem::weakly_canonical(ctx.web_root, ec);
  const auto resolved = std::filesystem::weakly_canonical(full, ec);
  const auto rel = resolved.lexically_relative(root);
  if (ec || rel.empty() || *rel.begin() == "..")
    return send(make_response(req, http::status::not_found, "Not found: " + std::string(path) + "\n", "text/plain"));
  auto body = read_file(full);
  if (!body) return send(make_response(req, http::status::not_found, "Not found: " + std::string(path) + "\n", "text/plain"));
  auto res = make_response(req, http::status::ok, std::move(*body), content_type_for(full));
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  // The pages load only their own scripts and speak only to this server; the facilitator's
  // token in a URL's fragment never leaves in a Referer header.
  res.set("Referrer-Policy", "no-referrer");
  if (full.extension() == ".html")
    res.set("Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'");
  if (req.method() == http::verb::head) res.body().clear();
  send(std::move(res));
}

void create_workshop(const http_context& ctx, http_request req, std::function<void(http_response)> send) {
  if (!is_admin(ctx, bearer_token(req)))
    return send(error_response(req, v1::ERROR_CODE_UNAUTHORIZED,
                               "Creating a workshop needs the admin token: send 'Authorization: Bearer <token>' as printed at the server's start."));
  const auto type = std::string(req[http::field::content_type]);
  const auto format = type.find("json") != std::string::npos ? core::plan_format::json : core::plan_format::text;
  auto loaded = core::parse_plan(req.body(), "plan", format);
  if (!loaded.ok()) {
    std::string all;
    for (const auto& d : loaded.diagnostics) all += d.to_string() + "\n";
    if (!all.empty()) all.pop_back();
    return send(error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, all));
  }
  const public_links& links = ctx.links;
  ctx.registry.create(std::move(*loaded.plan), [req = std::move(req), send = std::move(send), &links](
                                                    core::result<created_workshop> r) {
    if (!r) return send(error_response(req, to_error_code(r.err().code), r.err().message));
    v1::CreateWorkshopResponse out;
    out.set_code(r->code);
    out.set_facilitator_token(r->facilitator_token);
    out.set_facilitator_url(links.facilitator_url(r->code, r->facilitator_token));
    out.set_participant_url(links.join_url(r->code));
    send(make_response(req, http::status::ok, to_json(out) + "\n", "application/json"));
  });
}

void list_workshops(const http_context& ctx, const http_request& req, const std::function<void(http_response)>& send) {
  if (!is_admin(ctx, bearer_token(req)))
    return send(error_response(req, v1::ERROR_CODE_UNAUTHORIZED, "Listing workshops needs the admin token."));
  v1::WorkshopList list;
  for (const auto& h : ctx.registry.all()) {
    auto* e = list.add_workshops();
    e->set_code(h->code());
    e->set_title(h->title());
    e->set_series(h->series());
    e->set_open(!h->closed());
  }
  send(make_response(req, http::status::ok, to_json(list) + "\n", "application/json"));
}

/// Whether a code names an open workshop (or one that has closed), and its title: what a join
/// page needs before the WebSocket, whose refused upgrade a browser cannot read. No token: the
/// WebSocket at /ws?w=CODE tells whether it is open to anyone who tries a code.
void workshop_status(const http_context& ctx, const http_request& req, const std::string& code,
                     const std::function<void(http_response)>& send) {
  auto host = ctx.registry.find(code);
  v1::WorkshopListEntry e;
  e.set_code(code);
  if (host) {
    e.set_title(host->title());
    e.set_open(!host->closed());
  } else if (!ctx.registry.known(code)) {
    return send(error_response(req, v1::ERROR_CODE_NOT_FOUND,
                               "No open workshop '" + code + "'; check the code you were given, or ask your facilitator for the link."));
  }
  // Known but not hosted: it closed before the server last started. Either way a join page
  // says it has ended before anyone types a name.
  send(make_response(req, http::status::ok, to_json(e) + "\n", "application/json"));
}

/// Exports read the durable log through the store's read-only connections, one read per export,
/// beside the writer: what they show is what was acknowledged before they began.
void export_from_log(const http_context& ctx, http_request req, std::string code, std::vector<std::string> rest,
                     std::function<void(http_response)> send, std::optional<run_access> signed_in) {
  const auto token = bearer_token(req);
  // Signed in with access to the run: as good as a token for it. A facilitator's series figures
  // then hold only the runs they may open.
  const bool by_session = token.empty() && signed_in && signed_in->may_open(code);
  const bool admin = is_admin(ctx, token) || by_session;
  std::optional<std::set<std::string>> only;
  if (by_session && !signed_in->every_run) only = signed_in->runs;
  static const std::string unauthorized =
      "Exports need this workshop's facilitator token or the admin token as 'Authorization: Bearer <token>', "
      "or signing in as someone with access to the run.";
  // No token: refused here, without a read of the log that would hold up a reader.
  if (!admin && token.empty()) return send(error_response(req, v1::ERROR_CODE_UNAUTHORIZED, unauthorized));
  ctx.store.read([req = std::move(req), code = std::move(code), rest = std::move(rest), send = std::move(send), token,
                  admin, only = std::move(only), &closed = ctx.store.closed_runs()](store::event_log& log) {
    auto events = log.load(code);
    if (!events) return send(error_response(req, v1::ERROR_CODE_UNAVAILABLE, events.err().message));
    const bool exists = !events->empty() && events->front().has_created();
    // The token as it stands now (a replaced facilitator link no longer opens the exports),
    // checked before anything is rebuilt: without the admin token an unknown code and a wrong
    // token answer alike, and as fast, so codes cannot be probed.
    if (!admin) {
      std::string current = exists ? events->front().created().facilitator_token_sha256() : std::string(32, '\0');
      for (const auto& e : *events)
        if (e.has_facilitator_token_replaced()) current = e.facilitator_token_replaced().facilitator_token_sha256();
      if (!exists || !constant_time_equal(sha256(token), current))
        return send(error_response(req, v1::ERROR_CODE_UNAUTHORIZED, unauthorized));
    }
    if (!exists)
      return send(error_response(req, v1::ERROR_CODE_NOT_FOUND, "No workshop '" + code + "' on this server; check the code."));
    const auto& created = events->front().created();
    static const core::system_clock wall;
    // A closed run's figures come from its one replay, kept; the rest replay what they read.
    const auto kept = closed.find(code);
    std::optional<core::workshop> replayed;
    auto replay = [&]() -> core::status {
      if (replayed) return core::ok();
      auto w = core::workshop::replay(wall, *events, random_u64());
      if (!w) return w.err();
      replayed.emplace(std::move(*w));
      if (!kept && replayed->lifecycle() == v1::LIFECYCLE_CLOSED)
        closed.keep(code, created.plan().series(), replayed->as_series_run(run_date(created)));
      return core::ok();
    };

    if (rest.size() == 1 && rest[0] == "statistics") {
      const auto format = format_param(req);
      v1::RunStatistics stats;
      if (kept) {
        stats = kept->statistics;
      } else {
        if (auto r = replay(); !r) return send(error_response(req, v1::ERROR_CODE_UNAVAILABLE, r.err().message));
        stats = replayed->statistics(run_date(created));
      }
      if (format == "json") return send(make_response(req, http::status::ok, to_json(stats) + "\n", "application/json"));
      if (format == "summary") return send(make_response(req, http::status::ok, stats.summary() + "\n", "text/plain; charset=utf-8"));
      if (format == "csv") {
        auto res = make_response(req, http::status::ok, std::string(csv_header) + "\n" + tallies_csv(stats.tallies(), {}),
                                 "text/csv; charset=utf-8");
        res.set(http::field::content_disposition, "attachment; filename=\"" + code + "-statistics.csv\"");
        return send(std::move(res));
      }
      return send(error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "format must be csv, json or summary."));
    }

    if (rest.size() == 1 && rest[0] == "series-statistics") {
      const auto format = format_param(req);
      if (format != "json" && format != "csv" && format != "summary")
        return send(error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "format must be csv, json or summary."));
      const auto& series = created.plan().series();
      auto runs = series_runs(log, closed, series, only);
      if (!runs) return send(error_response(req, v1::ERROR_CODE_UNAVAILABLE, runs.err().message));
      const auto stats = core::series_statistics(series, *runs);
      if (format == "json") return send(make_response(req, http::status::ok, to_json(stats) + "\n", "application/json"));
      if (format == "summary") return send(make_response(req, http::status::ok, stats.summary() + "\n", "text/plain; charset=utf-8"));
      std::string csv = "run,date," + std::string(csv_header) + "\n";
      for (const auto& run : stats.runs()) csv += tallies_csv(run.tallies(), csv_field(run.workshop_code()) + "," + run.date() + ",");
      csv += tallies_csv(stats.combined(), "all runs,,");
      auto res = make_response(req, http::status::ok, std::move(csv), "text/csv; charset=utf-8");
      res.set(http::field::content_disposition, "attachment; filename=\"" + series + "-series-statistics.csv\"");
      return send(std::move(res));
    }

    if (rest.size() == 3 && rest[0] == "rounds" && (rest[2] == "zoom.csv" || rest[2] == "list")) {
      std::uint32_t n = 0;
      const auto [end, ec] = std::from_chars(rest[1].data(), rest[1].data() + rest[1].size(), n);
      if (ec != std::errc{} || end != rest[1].data() + rest[1].size() || n == 0)
        return send(error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "The round number must be 1 or more."));
      // The round's groups as they last stood: launched, then regrouped.
      const v1::RoundLaunched* launched = nullptr;
      const google::protobuf::RepeatedPtrField<v1::Group>* groups = nullptr;
      for (const auto& e : *events) {
        if (e.has_round_launched() && e.round_launched().round() == n) {
          launched = &e.round_launched();
          groups = &e.round_launched().groups();
        } else if (e.has_groups_changed() && e.groups_changed().round() == n) {
          groups = &e.groups_changed().groups();
        }
      }
      if (launched == nullptr)
        return send(error_response(req, v1::ERROR_CODE_NOT_FOUND, "Round " + rest[1] + " has not been launched in workshop " + code + "."));
      if (auto r = replay(); !r) return send(error_response(req, v1::ERROR_CODE_UNAVAILABLE, r.err().message));
      const auto* w = &*replayed;
      const auto& people = w->people();
      if (rest[2] == "zoom.csv") {
        std::string csv = "Pre-assign Room Name,Email Address\n";
        for (const auto& g : *groups)
          for (const auto& m : g.members())
            if (const auto* p = people.find(m.participant_id()); p != nullptr && !p->email.empty())
              csv += csv_field(g.room()) + "," + csv_field(p->email) + "\n";
        auto res = make_response(req, http::status::ok, std::move(csv), "text/csv; charset=utf-8");
        res.set(http::field::content_disposition, "attachment; filename=\"" + code + "-round-" + rest[1] + "-zoom.csv\"");
        return send(std::move(res));
      }
      const auto* exercise = core::find_exercise(w->plan(), launched->exercise_id());
      std::string text = "Round " + rest[1] + ": " + (exercise ? exercise->title() : launched->exercise_id()) + "\n";
      for (const auto& g : *groups) {
        text += "\n" + g.room() + (g.with_facilitator() ? " (with the facilitator)" : "") + "\n";
        for (const auto& m : g.members()) {
          const auto* p = people.find(m.participant_id());
          std::string role = m.role();
          if (exercise)
            for (const auto& r : exercise->roles())
              if (r.id() == m.role() && !r.name().empty()) role = r.name();
          text += "  " + (p ? p->shown_name : m.participant_id()) + " — " + role + "\n";
        }
      }
      return send(make_response(req, http::status::ok, std::move(text), "text/plain; charset=utf-8"));
    }
    send(error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such export; see dyad-server --help for the endpoints."));
  });
}

}  // namespace

std::string run_date(const v1::WorkshopCreated& created) {
  return created.date().empty() ? date_of(created.at_ms()) : created.date();
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    while (path.starts_with('/')) path.remove_prefix(1);
    if (path.empty()) break;
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string{} : std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string bearer_token(const http_request& request) {
  const auto auth = request[http::field::authorization];
  constexpr std::string_view prefix = "Bearer ";
  if (auth.size() <= prefix.size() || !auth.substr(0, prefix.size()).starts_with(prefix)) return {};
  std::string token(auth.substr(prefix.size()));
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.pop_back();
  return token;
}

std::string_view route_path(const public_links& links, std::string_view path) {
  const std::string_view prefix = links.path_prefix;
  if (!prefix.empty() && path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/')
    path.remove_prefix(prefix.size());
  return path;
}

bool is_api_path(const public_links& links, std::string_view path) {
  const auto parts = split_path(route_path(links, path));
  return !parts.empty() && parts[0] == "api";
}

bool wants_signed_in_export(const public_links& links, const http_request& request) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) return false;
  if (!bearer_token(request).empty() || request[http::field::cookie].empty()) return false;
  const std::string_view target = request.target();
  const auto parts = split_path(route_path(links, target.substr(0, target.find('?'))));
  return parts.size() >= 4 && parts[0] == "api" && parts[1] == "workshops";
}

void handle_http(const http_context& ctx, http_request req, std::function<void(http_response)> send,
                 std::optional<run_access> signed_in) {
  ctx.counters.http_requests_total.fetch_add(1, std::memory_order_relaxed);
  const std::string target(req.target());
  const auto q = target.find('?');
  // The prefix alone ("/dyad") is the front page's address without its slash: relative links
  // need the slash, so send the browser there.
  if (!ctx.links.path_prefix.empty() && target.substr(0, q) == ctx.links.path_prefix) {
    auto res = make_response(req, http::status::permanent_redirect, "See " + ctx.links.path_prefix + "/\n", "text/plain");
    res.set(http::field::location, ctx.links.path_prefix + "/" + (q == std::string::npos ? std::string{} : target.substr(q)));
    return send(std::move(res));
  }
  const std::string path(route_path(ctx.links, std::string_view(target).substr(0, q)));
  const auto parts = split_path(path);
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;

  if (path == "/livez" && get) return send(make_response(req, http::status::ok, "ok\n", "text/plain"));
  if (path == "/readyz" && get) {
    if (ctx.draining.load()) return send(make_response(req, http::status::service_unavailable, "draining: the server is shutting down\n", "text/plain"));
    return ctx.store.read([req = std::move(req), send = std::move(send)](store::event_log& log) {
      auto h = log.healthy();
      if (!h) return send(make_response(req, http::status::service_unavailable, "store unavailable: " + h.err().message + "\n", "text/plain"));
      send(make_response(req, http::status::ok, "ready\n", "text/plain"));
    });
  }
  if (path == "/metrics" && get)
    return send(make_response(req, http::status::ok, ctx.counters.render(), "text/plain; version=0.0.4"));

  if (!parts.empty() && parts[0] == "api") {
    if (parts.size() == 2 && parts[1] == "workshops") {
      if (req.method() == http::verb::post) return create_workshop(ctx, std::move(req), std::move(send));
      if (get) return list_workshops(ctx, req, send);
      return send(error_response(req, v1::ERROR_CODE_INVALID_ARGUMENT, "Use POST to create a workshop or GET to list them."));
    }
    if (parts.size() == 3 && parts[1] == "workshops" && get) return workshop_status(ctx, req, normalize_code(parts[2]), send);
    if (parts.size() >= 4 && parts[1] == "workshops" && get) {
      std::vector<std::string> rest(parts.begin() + 3, parts.end());
      return export_from_log(ctx, std::move(req), normalize_code(parts[2]), std::move(rest), std::move(send), std::move(signed_in));
    }
    return send(error_response(req, v1::ERROR_CODE_NOT_FOUND, "No such API endpoint; see dyad-server --help."));
  }
  if (!get) return send(make_response(req, http::status::method_not_allowed, "Only GET here.\n", "text/plain"));
  serve_static(ctx, req, path, send);
}

}  // namespace dyad::net
