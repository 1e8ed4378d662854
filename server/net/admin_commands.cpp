#include "net/admin_commands.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/workshop.hpp"
#include "net/account_routes.hpp"
#include "net/control_socket.hpp"
#include "net/data_dir_lock.hpp"
#include "net/facilitator_links.hpp"
#include "net/public_url.hpp"
#include "net/secrets.hpp"
#include "store/sqlite_account_store.hpp"
#include "store/sqlite_backup.hpp"
#include "store/sqlite_event_log.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;

namespace {

struct usage_error {
  std::string message;
};

struct options {
  std::filesystem::path data_dir = "dyad-data";
  std::string public_url;
  std::string port = "8080";
  std::filesystem::path to, from;
  std::vector<std::string> positional;
};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string{} : std::string{v};
}

options parse(int argc, const char* const argv[], int first) {
  options o;
  if (auto v = env("DYAD_DATA_DIR"); !v.empty()) o.data_dir = v;
  if (auto v = env("DYAD_PUBLIC_URL"); !v.empty()) o.public_url = v;
  if (auto v = env("DYAD_PORT"); !v.empty()) o.port = v;
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--")) {
      o.positional.emplace_back(arg);
      continue;
    }
    std::string name(arg.substr(2));
    std::string value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else {
      if (i + 1 >= argc) throw usage_error{"--" + name + " needs a value."};
      value = argv[++i];
    }
    if (name == "data-dir") o.data_dir = value;
    else if (name == "public-url") o.public_url = value;
    else if (name == "port") o.port = value;
    else if (name == "to") o.to = value;
    else if (name == "from") o.from = value;
    else throw usage_error{"Unknown option --" + name + " for this command."};
  }
  if (o.data_dir.empty()) throw usage_error{"--data-dir must not be empty."};
  return o;
}

/// Root working on a folder that belongs to the service's user would leave files the service
/// cannot open (SQLite's -wal and -shm, the lock): refuse, and say how to run it instead.
void check_owner(const std::filesystem::path& dir) {
  struct stat st {};
  if (::geteuid() != 0 || ::stat(dir.c_str(), &st) != 0 || st.st_uid == 0) return;
  throw usage_error{"Run this as the user that owns " + dir.string() + ", e.g. sudo -u dyad dyad-server ... " +
                    "(as root it would leave files the server cannot open)."};
}

std::filesystem::path log_file(const options& o) {
  const auto file = o.data_dir / "dyad.sqlite";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw usage_error{"There is no Dyad data in " + o.data_dir.string() +
                      " (no dyad.sqlite); give the folder the server uses with --data-dir (the service: /var/lib/dyad)."};
  return file;
}

std::string date_of(core::millis ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[24];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string state_of(const core::workshop& w) {
  switch (w.lifecycle()) {
    case v1::LIFECYCLE_LOBBY: return "open, lobby";
    case v1::LIFECYCLE_ROUNDS: return "open, round " + std::to_string(w.round_number());
    case v1::LIFECYCLE_FEEDBACK: return "open, feedback";
    case v1::LIFECYCLE_CLOSED: return "closed";
    default: return "unknown";
  }
}

int list_workshops(const options& o, std::ostream& out, std::ostream& err) {
  // Even reading a WAL database may create its -shm file: as the data's owner, not root.
  check_owner(o.data_dir);
  auto log = store::sqlite_event_log::open_read_only(log_file(o));
  if (!log) return err << "dyad-server: " << log.err().message << '\n', 1;
  auto codes = (*log)->workshop_codes(false);
  if (!codes) return err << "dyad-server: " << codes.err().message << '\n', 1;
  if (codes->empty()) {
    out << "No workshops in " << o.data_dir.string() << " yet.\n";
    return 0;
  }
  out << std::left << std::setw(12) << "CODE" << std::setw(18) << "STATE" << std::setw(18) << "CREATED (UTC)"
      << std::right << std::setw(7) << "PEOPLE" << std::setw(11) << "RESPONSES" << "  " << "TITLE [SERIES]\n";
  static const core::system_clock wall;
  for (const auto& code : *codes) {
    auto events = (*log)->load(code);
    if (!events || events->empty() || !events->front().has_created()) {
      out << std::left << std::setw(12) << code << "(cannot be read: " << (events ? "no creation event" : events.err().message) << ")\n";
      continue;
    }
    auto w = core::workshop::replay(wall, *events, random_u64());
    if (!w) {
      out << std::left << std::setw(12) << code << "(cannot be replayed: " << w.err().message << ")\n";
      continue;
    }
    out << std::left << std::setw(12) << code << std::setw(18) << state_of(*w) << std::setw(18)
        << date_of(events->front().created().at_ms()) << std::right << std::setw(7) << w->people().size()
        << std::setw(11) << w->responses_received() << "  " << w->plan().title() << " [" << w->plan().series() << "]\n";
  }
  return 0;
}

/// Sends one line to the running server's control socket; its answer line, or a reason.
bool ask_server(const std::filesystem::path& socket_path, const std::string& line, std::string& answer) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return answer = "cannot create a socket", false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const auto path = socket_path.string();
  if (path.size() >= sizeof addr.sun_path) return ::close(fd), answer = "the data folder's path is too long", false;
  std::copy(path.begin(), path.end(), addr.sun_path);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return answer = "cannot reach the running server through " + path + " (" + std::strerror(errno) +
                    "); run this as the user the server runs as", false;
  }
  const auto request = line + "\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    return ::close(fd), answer = "cannot write to the running server", false;
  std::string got;
  char buf[512];
  pollfd p{fd, POLLIN, 0};
  while (got.find('\n') == std::string::npos) {
    if (::poll(&p, 1, 15000) <= 0) return ::close(fd), answer = "the running server did not answer within 15 s", false;
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (got.find('\n') == std::string::npos) return answer = "the running server closed the connection", false;
  answer = got.substr(0, got.find('\n'));
  return true;
}

int facilitator_link(const options& o, std::ostream& out, std::ostream& err) {
  if (o.positional.size() != 1) throw usage_error{"Give the workshop's code: dyad-server workshops facilitator-link CODE."};
  const auto code = normalize_code(o.positional[0]);
  check_owner(o.data_dir);
  (void)log_file(o);  // a folder without Dyad's data is refused before anything else
  const auto say = [&](const std::string& url) {
    out << "New facilitator link for " << code << " (keep it private; the old link no longer works):\n  " << url << '\n';
  };
  if (data_dir_lock::held(o.data_dir)) {
    std::string answer;
    if (!ask_server(control_socket::path_in(o.data_dir), "facilitator-link " + code, answer))
      return err << "dyad-server: a server (or another dyad-server command) is using " << o.data_dir.string() << ", but "
                 << answer << ". If the link may have changed, run this again.\n", 1;
    if (answer.starts_with("ok ")) return say(answer.substr(3)), 0;
    return err << "dyad-server: " << (answer.starts_with("error ") ? answer.substr(6) : answer) << '\n', 1;
  }
  // The address first: a link that cannot be printed must not replace the one that works.
  std::string why;
  const auto port = o.port.empty() || o.port == "0" ? std::string("8080") : o.port;
  auto url = parse_public_url(o.public_url.empty() ? "http://127.0.0.1:" + port : o.public_url, why);
  if (!url) throw usage_error{o.public_url.empty() ? "--port must be a port number, not '" + o.port + "'." : why};
  public_links links;
  links.base = url->base();
  const auto file = log_file(o);  // before the lock, which would create a mistyped folder
  auto lock = data_dir_lock::acquire(o.data_dir, why);
  if (!lock) return err << "dyad-server: " << why << '\n', 1;
  auto log = store::sqlite_event_log::open(file);
  if (!log) return err << "dyad-server: " << log.err().message << '\n', 1;
  static const core::system_clock wall;
  auto token = replace_facilitator_token_in_log(**log, code, wall);
  if (!token) return err << "dyad-server: " << token.err().message << '\n', 1;
  say(links.facilitator_url(code, *token));
  out << "(No server is running on " << o.data_dir.string() << "; the link works once it runs"
      << (o.public_url.empty() ? ". Give --public-url to print the address people use." : ".") << ")\n";
  return 0;
}

int admin_token_reset(const options& o, std::ostream& out, std::ostream& err) {
  check_owner(o.data_dir);
  const auto file = log_file(o);
  const auto say = [&](const std::string& token) {
    out << "New admin token (shown this once; the old one no longer works):\n  " << token << '\n';
  };
  if (data_dir_lock::held(o.data_dir)) {
    std::string answer;
    if (!ask_server(control_socket::path_in(o.data_dir), "admin-token-reset", answer))
      return err << "dyad-server: a server (or another dyad-server command) is using " << o.data_dir.string() << ", but "
                 << answer << ". Run this again.\n", 1;
    if (answer.starts_with("ok ")) return say(answer.substr(3)), 0;
    return err << "dyad-server: " << (answer.starts_with("error ") ? answer.substr(6) : answer) << '\n', 1;
  }
  std::string why;
  auto lock = data_dir_lock::acquire(o.data_dir, why);
  if (!lock) return err << "dyad-server: " << why << '\n', 1;
  auto log = store::sqlite_event_log::open(file);  // brings an older file's schema up to date
  if (!log) return err << "dyad-server: " << log.err().message << '\n', 1;
  auto accounts = store::sqlite_account_store::open(file);
  if (!accounts) return err << "dyad-server: " << accounts.err().message << '\n', 1;
  const auto token = random_hex(16);
  if (auto stored = (*accounts)->set_setting(std::string(store::admin_token_setting), sha256(token)); !stored)
    return err << "dyad-server: " << stored.err().message << '\n', 1;
  say(token);
  out << "(No server is running on " << o.data_dir.string()
      << "; it takes this token when it starts, unless it is given one of its own with --admin-token or "
         "DYAD_ADMIN_TOKEN.)\n";
  return 0;
}

// The accounts of the data folder, its schema brought up to date first (a fresh folder is set up
// as the server would). Safe beside a running server: it reads accounts from the store each time.
std::unique_ptr<store::account_store> open_accounts(const options& o, std::ostream& err) {
  check_owner(o.data_dir);
  auto log = store::sqlite_event_log::open(o.data_dir / "dyad.sqlite");
  if (!log) return err << "dyad-server: " << log.err().message << '\n', nullptr;
  auto accounts = store::sqlite_account_store::open(o.data_dir / "dyad.sqlite");
  if (!accounts) return err << "dyad-server: " << accounts.err().message << '\n', nullptr;
  return std::move(*accounts);
}

// Where links point: --public-url, else the address the server last said it serves at.
public_links links_for(const options& o, store::account_store& accounts) {
  public_links links;
  std::string why;
  if (!o.public_url.empty()) {
    auto url = parse_public_url(o.public_url, why);
    if (!url) throw usage_error{why};
    links.base = url->base();
    return links;
  }
  auto kept = accounts.setting(std::string(store::public_base_setting));
  links.base = kept && *kept ? **kept : "http://127.0.0.1:" + (o.port.empty() ? std::string("8080") : o.port);
  return links;
}

void print_link(std::ostream& out, const store::account_row& a, const one_time_link& link) {
  out << "One-time link for " << a.email << " (" << core::word_of(a.role)
      << ") to set a password; it works once, within 24 hours. Pass it on privately:\n  " << link.url << '\n';
}

int users(std::string_view what, const options& o, std::optional<core::account_role> role, std::ostream& out,
          std::ostream& err) {
  static const core::system_clock wall;
  auto accounts = open_accounts(o, err);
  if (!accounts) return 1;
  if (what == "list") {
    if (!o.positional.empty()) throw usage_error{"users list takes no arguments besides --data-dir."};
    auto all = accounts->accounts();
    if (!all) return err << "dyad-server: " << all.err().message << '\n', 1;
    if (all->empty()) out << "No accounts yet: dyad-server users add EMAIL --organiser makes the first.\n";
    for (const auto& a : *all)
      out << a.email << "  " << core::word_of(a.role) << (a.password_hash.empty() ? "  (no password yet)" : "") << '\n';
    return 0;
  }
  if (o.positional.size() != 1) throw usage_error{"Give one e-mail address: dyad-server users " + std::string(what) + " EMAIL."};
  auto email = core::normalize_email(o.positional[0]);
  if (!email) throw usage_error{email.err().message};
  const auto links = links_for(o, *accounts);
  std::optional<store::account_row> account;
  if (what == "add") {
    if (!role) throw usage_error{"Say what they are: --organiser or --facilitator."};
    auto added = accounts->add_account(*email, *role, wall.now());
    if (!added) return err << "dyad-server: " << added.err().message << " To give them a new link: dyad-server users link " << *email << ".\n", 1;
    account = *added;
  } else if (what == "link") {
    auto found = accounts->find_by_email(*email);
    if (!found) return err << "dyad-server: " << found.err().message << '\n', 1;
    if (!*found) return err << "dyad-server: there is no account for " << *email << "; add it with dyad-server users add.\n", 1;
    account = **found;
  } else {
    throw usage_error{"Unknown users command '" + std::string(what) + "'."};
  }
  auto link = make_one_time_link(*accounts, account->id, wall.now(), links);
  if (!link) return err << "dyad-server: " << link.err().message << '\n', 1;
  print_link(out, *account, *link);
  return 0;
}

int backup(const options& o, std::ostream& out, std::ostream& err) {
  if (o.to.empty()) throw usage_error{"Say where the copy goes: dyad-server backup --to FILE."};
  check_owner(o.data_dir);
  const auto file = log_file(o);
  if (auto s = store::backup_sqlite(file, o.to); !s) return err << "dyad-server: " << s.err().message << '\n', 1;
  if (auto s = store::check_sqlite(o.to); !s) return err << "dyad-server: the copy failed its check: " << s.err().message << '\n', 1;
  std::error_code ec;
  out << "Backup of " << file.string() << " written to " << o.to.string() << " (" << std::filesystem::file_size(o.to, ec)
      << " bytes); its integrity check passed.\n";
  return 0;
}

int restore(const options& o, std::ostream& out, std::ostream& err) {
  if (o.from.empty()) throw usage_error{"Say which backup to restore: dyad-server restore --from FILE."};
  check_owner(o.data_dir);
  std::string why;
  auto lock = data_dir_lock::acquire(o.data_dir, why);
  if (!lock) return err << "dyad-server: cannot restore now: " << why << '\n', 1;
  auto kept = store::restore_sqlite(o.from, o.data_dir / "dyad.sqlite");
  if (!kept) return err << "dyad-server: " << kept.err().message << '\n', 1;
  out << "Restored " << o.from.string() << " into " << (o.data_dir / "dyad.sqlite").string() << ".\n";
  if (!kept->empty()) out << "The log it replaced is kept as " << kept->string() << ".\n";
  out << "Start the server: every workshop open at the time of the backup opens again.\n";
  return 0;
}

constexpr std::string_view usage =
    "Usage: dyad-server workshops list [--data-dir DIR]\n"
    "       dyad-server workshops facilitator-link CODE [--data-dir DIR] [--public-url URL]\n"
    "       dyad-server backup --to FILE [--data-dir DIR]\n"
    "       dyad-server restore --from FILE [--data-dir DIR]\n"
    "       dyad-server admin-token --reset [--data-dir DIR]\n"
    "       dyad-server users add EMAIL --organiser|--facilitator [--data-dir DIR] [--public-url URL]\n"
    "       dyad-server users link EMAIL [--data-dir DIR] [--public-url URL]\n"
    "       dyad-server users list [--data-dir DIR]\n";

}  // namespace

std::optional<int> run_admin_command(int argc, const char* const argv[], std::ostream& out, std::ostream& err) {
  if (argc < 2) return std::nullopt;
  const std::string_view command = argv[1];
  if (command != "workshops" && command != "backup" && command != "restore" && command != "admin-token" &&
      command != "users")
    return std::nullopt;
  try {
    if (command == "workshops") {
      if (argc < 3) throw usage_error{"Say what to do with the workshops: list, or facilitator-link CODE."};
      const std::string_view what = argv[2];
      const auto o = parse(argc, argv, 3);
      if (what == "list") {
        if (!o.positional.empty()) throw usage_error{"workshops list takes no arguments besides --data-dir."};
        return list_workshops(o, out, err);
      }
      if (what == "facilitator-link") return facilitator_link(o, out, err);
      throw usage_error{"Unknown workshops command '" + std::string(what) + "'."};
    }
    if (command == "users") {
      if (argc < 3) throw usage_error{"Say what to do with the users: add, link or list."};
      // The role is a flag without a value; the rest parse as for every command.
      std::optional<core::account_role> role;
      std::vector<const char*> rest{argv[0], argv[1]};
      for (int i = 3; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--organiser" || a == "--facilitator") role = core::role_from_word(a.substr(2));
        else rest.push_back(argv[i]);
      }
      const auto o = parse(static_cast<int>(rest.size()), rest.data(), 2);
      return users(argv[2], o, role, out, err);
    }
    if (command == "admin-token") {
      if (argc < 3 || std::string_view(argv[2]) != "--reset")
        throw usage_error{"admin-token makes a new admin token: dyad-server admin-token --reset."};
      const auto o = parse(argc, argv, 3);
      if (!o.positional.empty()) throw usage_error{"Unexpected argument '" + o.positional[0] + "'."};
      return admin_token_reset(o, out, err);
    }
    const auto o = parse(argc, argv, 2);
    if (!o.positional.empty()) throw usage_error{"Unexpected argument '" + o.positional[0] + "'."};
    return command == "backup" ? backup(o, out, err) : restore(o, out, err);
  } catch (const usage_error& e) {
    err << "dyad-server: " << e.message << '\n' << usage;
    return 2;
  }
}

}  // namespace dyad::net
