#include "net/server_config.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace dyad::net {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string{} : std::string{v};
}

std::uint16_t parse_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535)
    throw config_error("--port must be a number from 0 to 65535 (0 picks a free port), not '" + std::string(text) + "'.");
  return static_cast<std::uint16_t>(value);
}

std::chrono::seconds parse_idle_timeout(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 86400)
    throw config_error("--ws-idle-timeout must be a number of seconds from 1 to 86400, not '" + std::string(text) + "'.");
  return std::chrono::seconds(value);
}

double parse_connect_rate(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 1000000)
    throw config_error("--ws-connect-rate must be a number of connections per second from 1 to 1000000, not '" +
                       std::string(text) + "'.");
  return value;
}

log_format parse_log_format(std::string_view text) {
  if (text == "text") return log_format::text;
  if (text == "json") return log_format::json;
  throw config_error("--log-format must be 'text' or 'json', not '" + std::string(text) + "'.");
}

void add_origins(std::vector<std::string>& out, std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto item = list.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

public_url parse_url(std::string_view text) {
  std::string why;
  auto u = parse_public_url(text, why);
  if (!u) throw config_error(why);
  return *u;
}

void add_proxy(trusted_proxies& proxies, std::string_view spec) {
  std::string why;
  if (!proxies.add(spec, why)) throw config_error(why);
}

}  // namespace

std::string help_text() {
  return R"(dyad-server: the Dyad workshop server (HTTP and WebSocket on one port).

Usage: dyad-server [options]

Quick start (a demo workshop on this laptop):
  dyad-server --demo-plan deploy/demo/ruptures-one-day.textproto
  Open the facilitator link it prints in your browser; share the participant link.

Options (each also read from the environment variable in brackets; flags win):
  --port N               Port to listen on; 0 picks a free one (DYAD_PORT, default 8080).
  --bind ADDR            Address to listen on (DYAD_BIND, default 127.0.0.1; 0.0.0.0 for
                         every interface, e.g. behind a reverse proxy).
  --data-dir DIR         Where the event log lives: DIR/dyad.sqlite (DYAD_DATA_DIR,
                         default ./dyad-data). Restarting on the same folder restores every
                         open workshop.
  --allowed-origin URL   A page origin allowed to open WebSockets, e.g. https://dyad.example.org;
                         repeatable (DYAD_ALLOWED_ORIGINS, comma-separated). Default: the
                         server's own http://HOST:PORT and http://localhost:PORT.
  --admin-token TOKEN    Token for creating workshops and exports (DYAD_ADMIN_TOKEN). When
                         absent, the one made and printed at the data folder's first start
                         (kept as a hash; `dyad-server admin-token --reset` makes a new one).
  --first-organiser EMAIL  When no one can sign in yet, make this organiser's account and print
                         a one-time link to set its password (DYAD_FIRST_ORGANISER).
  --public-url URL       The address people open, e.g. https://dyad.example.org or
                         https://example.org/dyad (DYAD_PUBLIC_URL). Every link Dyad prints,
                         returns or draws starts with it, and its origin may open WebSockets.
                         Default: http://BIND:PORT, which on 127.0.0.1 works on this computer
                         only. Behind a proxy that keeps the path, /dyad/... and /... both work.
  --trusted-proxy ADDR   A reverse proxy's address or network (CIDR), e.g. 127.0.0.1 or
                         10.0.0.0/8; repeatable (DYAD_TRUSTED_PROXIES, comma-separated). Only
                         from these is X-Forwarded-For / X-Forwarded-Proto believed, so logs and
                         rate limits see the participant's address.
  --public-host HOST     Deprecated: use --public-url http://HOST:PORT (DYAD_PUBLIC_HOST).
  --web-root DIR         The pages to serve (DYAD_WEB_ROOT, default: those installed beside
                         this program in ../share/dyad/web, else those built with it).
  --demo-plan FILE       At start, open a workshop from this plan unless one of its series is
                         already open, and print its links (DYAD_DEMO_PLAN).
  --log-format FORMAT    text or json (DYAD_LOG_FORMAT, default text). Logs go to stderr.
  --threads N            Network threads (DYAD_THREADS, default 2).
  --ws-idle-timeout S    Seconds a WebSocket may stay silent: the server pings it after half of
                         them and closes it after all of them (DYAD_WS_IDLE_TIMEOUT, default 300).
  --ws-connect-rate N    WebSocket connections one client address may open per second, with a
                         burst of 30 seconds' worth (DYAD_WS_CONNECT_RATE, default 10). Raise it
                         for load tests from a few addresses (deploy/bench-load.sh).
  --help                 This text.

Commands for the server's administrator (run as the user that owns the data folder; they work
while the server runs):
  dyad-server workshops list [--data-dir DIR]
                         Every workshop in the store: code, state, date, title, people, responses.
  dyad-server workshops facilitator-link CODE [--data-dir DIR] [--public-url URL]
                         A new facilitator link for a lost one; the old link stops working.
  dyad-server backup --to FILE [--data-dir DIR]
                         A consistent copy of the store, taken while the server serves.
  dyad-server restore --from FILE [--data-dir DIR]
                         Puts a backup in place (the server must be stopped); the store it
                         replaces is kept beside it.

Creating a workshop by hand:
  curl -H "Authorization: Bearer $ADMIN_TOKEN" -H "Content-Type: text/plain" \
       --data-binary @plan.textproto http://127.0.0.1:8080/api/workshops

Endpoints: GET /livez, /readyz, /metrics; POST /api/workshops; GET
/api/workshops/CODE/statistics?format=csv|json|summary, /api/workshops/CODE/series-statistics?format=…
(every run of the series CODE belongs to), /api/workshops/CODE/rounds/N/zoom.csv,
/api/workshops/CODE/rounds/N/list; WebSocket /ws?w=CODE; pages /, /j/CODE (participant),
/f/CODE#t=TOKEN (facilitator), /r/CODE#t=TOKEN (report).
SIGTERM or Ctrl-C stops gracefully: clients are told, the log is flushed, exit status 0.
)";
}

parsed_args parse_args(int argc, const char* const argv[], const std::filesystem::path& default_web_root) {
  parsed_args out;
  auto& c = out.config;
  c.web_root = default_web_root;

  // The environment first, so that flags override it.
  if (auto v = env("DYAD_PORT"); !v.empty()) c.port = parse_port(v);
  if (auto v = env("DYAD_BIND"); !v.empty()) c.bind = v;
  if (auto v = env("DYAD_DATA_DIR"); !v.empty()) c.data_dir = v;
  if (auto v = env("DYAD_ALLOWED_ORIGINS"); !v.empty()) add_origins(c.allowed_origins, v);
  if (auto v = env("DYAD_LOG_FORMAT"); !v.empty()) c.logs = parse_log_format(v);
  if (auto v = env("DYAD_ADMIN_TOKEN"); !v.empty()) c.admin_token = v;
  if (auto v = env("DYAD_WEB_ROOT"); !v.empty()) c.web_root = v;
  if (auto v = env("DYAD_DEMO_PLAN"); !v.empty()) c.demo_plan = v;
  if (auto v = env("DYAD_FIRST_ORGANISER"); !v.empty()) c.first_organiser = v;
  if (auto v = env("DYAD_PUBLIC_HOST"); !v.empty()) c.public_host = v;
  if (auto v = env("DYAD_PUBLIC_URL"); !v.empty()) c.public_address = parse_url(v);
  if (auto v = env("DYAD_TRUSTED_PROXIES"); !v.empty()) {
    std::vector<std::string> list;
    add_origins(list, v);
    for (const auto& p : list) add_proxy(c.proxies, p);
  }
  if (auto v = env("DYAD_THREADS"); !v.empty()) c.threads = parse_port(v);
  if (auto v = env("DYAD_WS_IDLE_TIMEOUT"); !v.empty()) c.ws_idle_timeout = parse_idle_timeout(v);
  if (auto v = env("DYAD_WS_CONNECT_RATE"); !v.empty()) c.ws_connect_rate = parse_connect_rate(v);

  bool origins_from_flags = false;
  bool proxies_from_flags = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      out.show_help = true;
      continue;
    }
    if (!arg.starts_with("--"))
      throw config_error("Unexpected argument '" + std::string(arg) + "'; see dyad-server --help.");
    std::string name(arg.substr(2));
    std::string value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else {
      if (i + 1 >= argc) throw config_error("--" + name + " needs a value; see dyad-server --help.");
      value = argv[++i];
    }
    if (name == "port") c.port = parse_port(value);
    else if (name == "bind") c.bind = value;
    else if (name == "data-dir") c.data_dir = value;
    else if (name == "allowed-origin") {
      if (!origins_from_flags) c.allowed_origins.clear();  // flags replace the environment's list
      origins_from_flags = true;
      c.allowed_origins.push_back(value);
    } else if (name == "log-format") c.logs = parse_log_format(value);
    else if (name == "admin-token") c.admin_token = value;
    else if (name == "web-root") c.web_root = value;
    else if (name == "demo-plan") c.demo_plan = value;
    else if (name == "first-organiser") c.first_organiser = value;
    else if (name == "public-host") c.public_host = value;
    else if (name == "public-url") c.public_address = parse_url(value);
    else if (name == "trusted-proxy") {
      if (!proxies_from_flags) c.proxies = {};  // flags replace the environment's list
      proxies_from_flags = true;
      add_proxy(c.proxies, value);
    }
    else if (name == "threads") c.threads = parse_port(value);
    else if (name == "ws-idle-timeout") c.ws_idle_timeout = parse_idle_timeout(value);
    else if (name == "ws-connect-rate") c.ws_connect_rate = parse_connect_rate(value);
    else throw config_error("Unknown option --" + name + "; see dyad-server --help.");
  }
  if (c.threads == 0) c.threads = 1;
  if (!c.public_host.empty()) {
    if (c.public_address)
      out.warnings.push_back("--public-host is deprecated and ignored because --public-url is given.");
    else
      out.warnings.push_back("--public-host is deprecated; use --public-url http://" + c.public_host +
                             ":PORT (or https://NAME behind nginx) instead.");
  }
  if (c.data_dir.empty()) throw config_error("--data-dir must not be empty.");
  if (!c.admin_token.empty() && c.admin_token.size() < 16)
    throw config_error("The admin token is too short to be safe; use at least 16 characters, or leave it out to have one generated.");
  return out;
}

}  // namespace dyad::net
