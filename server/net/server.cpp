// GCC 12 reports a "potential null pointer dereference" inside Asio's any_executor comparison
// once it is inlined here; the pointer cannot be null there (a false positive in system headers
// that the usual system-header suppression misses after inlining).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "net/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/plan_loader.hpp"
#include "net/account_routes.hpp"
#include "net/workspace_routes.hpp"
#include "net/control_socket.hpp"
#include "net/data_dir_lock.hpp"
#include "net/listener.hpp"
#include "net/local_addresses.hpp"
#include "net/metrics.hpp"
#include "net/secrets.hpp"
#include "net/session_context.hpp"
#include "net/store_worker.hpp"
#include "net/workshop_host.hpp"
#include "net/workshop_registry.hpp"
#include "store/sqlite_account_store.hpp"
#include "store/sqlite_library_store.hpp"
#include "store/sqlite_event_log.hpp"

namespace dyad::net {

namespace asio = boost::asio;

namespace {
constexpr auto tick_interval = std::chrono::seconds(1);
/// The workspace is swept every half minute: a closed workshop leaves memory within that.
constexpr int sweep_every_ticks = 30;
constexpr auto stop_deadline = std::chrono::seconds(3);

/// This executable as a person would type it: its full path (run.sh users have no dyad-server
/// on their PATH).
std::string this_program() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("dyad-server") : exe.string();
}
}  // namespace

struct server::impl {
  server_config config;
  // First: held for as long as anything below may touch the data folder.
  std::optional<data_dir_lock> lock;
  public_links links;
  address_limiter api_limiter{20, 600};
  address_limiter upgrade_limiter{config.ws_connect_rate, config.ws_connect_rate * 30};
  metrics counters;
  core::system_clock clock;
  asio::io_context ioc;
  std::unique_ptr<store_worker> store;
  std::unique_ptr<workshop_registry> registry;
  std::atomic<bool> draining{false};
  std::unique_ptr<session_context> ctx;
  // Before account_api: its routes run on that one's thread, which must have stopped first.
  std::unique_ptr<workspace_routes> workspace;
  // After ioc and ctx: its thread posts answers to sessions, so it stops first.
  std::unique_ptr<account_routes> account_api;
  // Ticks until the workspace's next sweep (closed runs recorded and let go, retention).
  int ticks_to_sweep = 0;
  std::shared_ptr<listener> accept;
  // After ioc: its acceptor must go before the io_context does. Empty when the data folder
  // cannot hold a socket (the server then runs without it, and says so).
  std::shared_ptr<control_socket> control_door;
  // The signals and the server's own timers share one strand: the stop handler cancels the
  // tick timer, and Asio objects are not safe to touch from two threads at once.
  asio::strand<asio::io_context::executor_type> control{asio::make_strand(ioc)};
  asio::signal_set signals{control, SIGINT, SIGTERM};
  asio::steady_timer tick_timer{control};
  asio::steady_timer stop_timer{control};
  std::chrono::steady_clock::time_point stop_started;
  std::string base_url;
  std::uint16_t port = 0;
  bool admin_generated = false;
  bool admin_given = false;
  std::string admin_generated_token;
  std::string admin_token_sha256;
  std::unique_ptr<admin_credential> admin;
  std::unique_ptr<store::account_store> accounts;
  std::string port_warning;

  explicit impl(server_config c) : config(std::move(c)), ioc(static_cast<int>(config.threads)) {}

  void schedule_tick() {
    tick_timer.expires_after(tick_interval);
    tick_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || draining) return;
      for (const auto& h : registry->all()) h->tick();
      if (--ticks_to_sweep <= 0 && workspace) {
        ticks_to_sweep = sweep_every_ticks;
        account_api->post([w = workspace.get()] { w->sweep(); });
      }
      schedule_tick();
    });
  }

  void begin_stop() {
    if (draining.exchange(true)) return;
    spdlog::info("stopping: no new connections; telling clients goodbye");
    accept->stop();
    if (control_door) control_door->stop();
    tick_timer.cancel();
    for (const auto& h : registry->all())
      h->shutdown("The server is restarting; your page reconnects by itself in a moment.");
    stop_started = std::chrono::steady_clock::now();
    wait_for_sessions();
  }

  // Stops the loop once every WebSocket has closed, or at the deadline (idle HTTP keep-alive
  // connections do not hold the stop back).
  void wait_for_sessions() {
    if (counters.websocket_connections.load() == 0 || std::chrono::steady_clock::now() - stop_started > stop_deadline) {
      ioc.stop();
      return;
    }
    stop_timer.expires_after(std::chrono::milliseconds(20));
    stop_timer.async_wait([this](const boost::system::error_code&) { wait_for_sessions(); });
  }
};

namespace {

// While no one can sign in (no account has a password), the first organiser's account and a
// one-time link to set its password; nothing once someone can.
std::string first_organiser_note(const std::string& first_organiser, store::account_store& accounts,
                                 const public_links& links, const core::clock& clock) {
  if (first_organiser.empty()) return {};
  auto email = core::normalize_email(first_organiser);
  if (!email) throw std::runtime_error("--first-organiser: " + email.err().message);
  auto all = accounts.accounts();
  if (!all) throw std::runtime_error(all.err().message);
  if (std::any_of(all->begin(), all->end(), [](const store::account_row& a) { return !a.password_hash.empty(); }))
    return "  Organisers sign in at " + links.base + "/signin\n";
  auto found = accounts.find_by_email(*email);
  if (!found) throw std::runtime_error(found.err().message);
  store::account_row account;
  if (*found) {
    account = **found;
    if (account.role != core::account_role::organiser) {
      if (auto promoted = accounts.set_role(account.id, core::account_role::organiser); !promoted)
        throw std::runtime_error(promoted.err().message);
      account.role = core::account_role::organiser;
    }
  } else {
    auto added = accounts.add_account(*email, core::account_role::organiser, clock.now());
    if (!added) throw std::runtime_error(added.err().message);
    account = *added;
  }
  auto link = make_one_time_link(accounts, account.id, clock.now(), links);
  if (!link) throw std::runtime_error(link.err().message);
  return "  Organiser " + account.email + ": set your password here (once, within 24 hours), then sign in:\n    " +
         link->url + "\n";
}

}  // namespace

server::server(server_config config) : impl_(std::make_unique<impl>(std::move(config))) {
  auto& s = *impl_;
  std::string why;
  s.lock = data_dir_lock::acquire(s.config.data_dir, why);
  if (!s.lock) throw std::runtime_error(why);
  const auto file = s.config.data_dir / "dyad.sqlite";
  auto log = store::sqlite_event_log::open(file);
  if (!log) throw std::runtime_error(log.err().message);
  // Exports, statistics and the readiness probe read through connections of their own, so they
  // never queue behind a commit.
  s.store = std::make_unique<store_worker>(std::move(*log), s.counters, [file]() -> core::result<std::unique_ptr<store::event_log>> {
    auto reader = store::sqlite_event_log::open_read_only(file);
    if (!reader) return reader.err();
    return std::unique_ptr<store::event_log>(std::move(*reader));
  });
  s.registry = std::make_unique<workshop_registry>(s.ioc, *s.store, s.counters, s.clock, s.links);
  s.registry->restore();

  // The admin token: the one given (--admin-token, DYAD_ADMIN_TOKEN), else the one made at the
  // first start, kept as its hash; made and shown once when there is none.
  auto accounts = store::sqlite_account_store::open(file);
  if (!accounts) throw std::runtime_error(accounts.err().message);
  if (!s.config.admin_token.empty()) {
    s.admin_given = true;
    s.admin_token_sha256 = sha256(s.config.admin_token);
  } else {
    auto kept = (*accounts)->setting(std::string(store::admin_token_setting));
    if (!kept) throw std::runtime_error(kept.err().message);
    if (*kept) {
      s.admin_token_sha256 = **kept;
    } else {
      s.admin_generated_token = random_hex(16);
      s.admin_token_sha256 = sha256(s.admin_generated_token);
      if (auto stored = (*accounts)->set_setting(std::string(store::admin_token_setting), s.admin_token_sha256); !stored)
        throw std::runtime_error(stored.err().message);
      s.admin_generated = true;
    }
  }
  s.config.admin_token.clear();  // from here on only its hash
  s.admin = std::make_unique<admin_credential>(s.admin_token_sha256);
  s.accounts = std::move(*accounts);

  boost::system::error_code ec;
  const auto address = asio::ip::make_address(s.config.bind, ec);
  if (ec) throw std::runtime_error("--bind '" + s.config.bind + "' is not an IP address; use e.g. 127.0.0.1 or 0.0.0.0.");
  // The context the listener hands to every session; it must exist before the listener.
  s.ctx = std::make_unique<session_context>(session_context{
      http_context{*s.registry, *s.store, s.counters, *s.admin, s.config.web_root, s.links, s.draining}, {},
      s.config.ws_idle_timeout, s.config.proxies, s.api_limiter, s.upgrade_limiter});
  try {
    s.accept = std::make_shared<listener>(s.ioc, asio::ip::tcp::endpoint(address, s.config.port), *s.ctx);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("Cannot listen on " + s.config.bind + ":" + std::to_string(s.config.port) + ": " +
                             e.code().message() + ". Pick another --port (0 picks a free one).");
  }
  s.port = s.accept->local_endpoint().port();
  const auto p = std::to_string(s.port);
  if (s.config.public_address) {
    s.links.base = s.config.public_address->base();
    s.links.path_prefix = s.config.public_address->path;
    s.links.local_only = s.config.public_address->local_only();
  } else {
    std::string host = s.config.public_host;
    if (host.empty()) host = address.is_unspecified() ? "127.0.0.1" : s.config.bind;
    if (host.find(':') != std::string::npos && !host.starts_with('[')) host = "[" + host + "]";
    auto u = parse_public_url("http://" + host + ":" + p, why);
    if (!u) throw std::runtime_error("--public-host '" + s.config.public_host + "' is not a host name; use --public-url instead.");
    s.links.base = u->base();
    s.links.local_only = u->local_only();
  }
  s.base_url = s.links.base;
  auto& origins = s.ctx->allowed_origins;
  origins = s.config.allowed_origins;
  if (origins.empty()) {
    // The public URL's origin, and this machine's own loopback addresses (a browser on this
    // computer, e.g. the organiser checking the server directly).
    origins = {s.config.public_address ? s.config.public_address->origin() : s.links.base, "http://localhost:" + p,
               "http://127.0.0.1:" + p, "http://[::1]:" + p};
    if (!address.is_unspecified() && !address.is_loopback()) origins.push_back("http://" + s.config.bind + ":" + p);
  }
  // Commands run beside the server print links to the address it serves at.
  if (auto kept = s.accounts->set_setting(std::string(store::public_base_setting), s.links.base); !kept)
    throw std::runtime_error(kept.err().message);
  auto account_store = store::sqlite_account_store::open(file);
  if (!account_store) throw std::runtime_error(account_store.err().message);
  s.account_api = std::make_unique<account_routes>(std::move(*account_store), s.clock, s.links, origins);
  s.ctx->accounts = s.account_api.get();
  auto library = store::sqlite_library_store::open(file);
  if (!library) throw std::runtime_error(library.err().message);
  s.workspace = std::make_unique<workspace_routes>(std::move(*library), s.account_api->store(), *s.registry, *s.store,
                                                   s.clock, s.links);
  s.workspace->first_start();
  s.account_api->set_workspace(s.workspace.get());
  // Links that name this computer but another port than the one it listens on lead nowhere:
  // say so where the links are printed (a proxy in front may rightly use another port).
  if (s.config.public_address && s.config.proxies.empty()) {
    const auto& u = *s.config.public_address;
    const auto addresses = local_network_addresses();
    const bool this_machine = u.local_only() || std::find(addresses.begin(), addresses.end(), u.host) != addresses.end();
    const auto url_port = u.port.empty() ? (u.scheme == "https" ? "443" : "80") : u.port;
    if (this_machine && url_port != p) {
      s.port_warning = "  Warning: the links say port " + url_port + ", but Dyad listens on port " + p +
                       ". Start it with --port " + url_port + " (or give --public-url the port " + p + ").\n";
      spdlog::warn("the public URL {} names this computer at port {}, but the server listens on port {}", u.base(),
                   url_port, p);
    }
  }
  try {
    s.control_door = std::make_shared<control_socket>(
        s.ioc, control_socket::path_in(s.config.data_dir), *s.registry, *s.store, s.links,
        [&s]() -> core::result<std::string> {
          if (s.admin_given)
            return core::make_error(core::errc::wrong_state,
                                    "this server takes its admin token from its settings (--admin-token or "
                                    "DYAD_ADMIN_TOKEN, e.g. in /etc/dyad/dyad.env): change it there and restart, or "
                                    "empty it there to let the server keep its own");
          auto token = random_hex(16);
          if (auto stored = s.accounts->set_setting(std::string(store::admin_token_setting), sha256(token)); !stored)
            return stored.err();
          s.admin->replace(sha256(token));
          spdlog::info("admin token replaced by the operator; the old one no longer works");
          return token;
        });
  } catch (const std::runtime_error& e) {
    spdlog::warn("{} Until then, `dyad-server workshops facilitator-link` works only while the server is stopped.",
                 e.what());
  }
  spdlog::info("serving on {} with data in {}", s.base_url, s.config.data_dir.string());
}

server::~server() {
  if (impl_ && impl_->store) impl_->store->stop();
}

std::uint16_t server::port() const noexcept { return impl_->port; }
const std::string& server::base_url() const noexcept { return impl_->base_url; }

std::string server::open_demo_workshop() {
  auto& s = *impl_;
  std::string links;
  if (!s.config.demo_plan.empty()) {
    auto loaded = core::load_plan_file(s.config.demo_plan.string());
    if (!loaded.ok()) {
      std::string all = "The demo plan has problems:\n";
      for (const auto& d : loaded.diagnostics) all += "  " + d.to_string() + "\n";
      throw std::runtime_error(all);
    }
    const auto series = loaded.plan->series();
    if (s.registry->has_open_series(series)) {
      for (const auto& h : s.registry->all())
        if (h->series() == series)
          links += "  Demo workshop " + h->code() + " is already open.\n"
                   "  Participants (paste into Zoom's chat): " + s.links.join_url(h->code()) + "\n"
                   "  Facilitator: the link printed when it was created. Lost it? This prints a new one\n"
                   "  (and the old one stops working):\n"
                   "    " + this_program() + " workshops facilitator-link " + h->code() + " --data-dir " +
                   s.config.data_dir.string() + "\n";
    } else {
      auto created = s.registry->create_now(std::move(*loaded.plan));
      if (!created) throw std::runtime_error("Cannot create the demo workshop: " + created.err().message);
      links += "  Demo workshop " + created->code + " is open.\n";
      links += "  Facilitator (keep this link private): " + s.links.facilitator_url(created->code, created->facilitator_token) + "\n";
      links += "  Participants (paste into Zoom's chat): " + s.links.join_url(created->code) + "\n";
    }
  }
  links += first_organiser_note(s.config.first_organiser, *s.accounts, s.links, s.clock);
  const auto reset = "    " + this_program() + " admin-token --reset --data-dir " + s.config.data_dir.string() + "\n";
  if (s.admin_generated)
    links += "  Admin token (for scripts and the dyad command), shown this once and kept only as a hash:\n    " +
             s.admin_generated_token + "\n  Lost it? This makes a new one (and the old one stops working):\n" + reset;
  else if (!s.admin_given)
    links += "  Admin token: the one shown when this data folder was first used. Lost it? This makes a new one:\n" +
             reset;
  std::string out = "\n================================================================================\n";
  out += "  Dyad is running at " + s.links.base + "/\n\n" + links;
  if (s.links.local_only) out += "\n" + local_only_note(s.links.base, s.port);
  if (!s.port_warning.empty()) out += "\n" + s.port_warning;
  out += "================================================================================\n\n";
  return out;
}

int server::run() {
  auto& s = *impl_;
  s.signals.async_wait([&s](const boost::system::error_code& ec, int) {
    if (!ec) s.begin_stop();
  });
  s.schedule_tick();
  s.accept->run();
  if (s.control_door) s.control_door->run();
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < s.config.threads; ++i) threads.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : threads) t.join();
  // The accounts' thread may be in the middle of a workspace sweep that waits on the store: it
  // finishes while the store still runs (stopped after it, the store would drop the sweep's
  // read and leave the thread waiting out its 30 s timeout before the process could exit).
  if (s.account_api) s.account_api->stop();
  // Every acknowledged change is already committed; this waits for any commit still running.
  s.store->stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace dyad::net
