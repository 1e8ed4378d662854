// Dyad on a server people reach: links carry the public URL (with its path prefix), forwarded
// addresses are believed only from a trusted proxy, one server per data folder, a lost
// facilitator link replaced from the command line, and backups taken while people submit.
// Against the real dyad-server binary, with raw sockets where the source address matters.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/cli_runner.hpp"
#include "net/raw_ws_client.hpp"
#include "net/server_fixture.hpp"
#include "net/store_integrity.hpp"

namespace dyad::test {
namespace {

/// One raw HTTP exchange from a chosen loopback source address (so that a test can be a
/// participant at 127.0.0.10, or a proxy at 127.0.0.1): the response's head and what followed.
std::string raw_http(std::uint16_t port, const std::string& source, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind the source address " + source);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to the server");
  }
  (void)::write(fd, request.data(), request.size());
  std::string got;
  pollfd p{fd, POLLIN, 0};
  while (got.find("\r\n\r\n") == std::string::npos && ::poll(&p, 1, 10000) > 0) {
    char buf[4096];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

std::string get_request(const std::string& path, const std::string& extra_headers = {}) {
  return "GET " + path + " HTTP/1.1\r\nHost: dyad.example.org\r\nConnection: close\r\n" + extra_headers + "\r\n";
}

std::string upgrade_request(const std::string& path, const std::string& origin, const std::string& extra_headers = {}) {
  return "GET " + path + " HTTP/1.1\r\nHost: dyad.example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: " + origin + "\r\n" +
         extra_headers + "\r\n";
}

int status_of(const std::string& response) {
  const std::regex status(R"(^HTTP/1\.1 (\d{3}))");
  std::smatch m;
  return std::regex_search(response, m, status) ? std::stoi(m[1].str()) : 0;
}

class Deployment : public server_fixture {
protected:
  void SetUp() override {}  // each test starts the server with its own flags

  /// Waits (with a deadline) until the server's log holds `text`.
  void expect_logged(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + answer_deadline;
    while (server_->logs().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the log never said '" << text << "'; log:\n" << server_->logs();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a file with a deadline
    }
  }

  cli_result server_command(std::vector<std::string> args) { return run_program(DYAD_SERVER, args); }
  std::string data_dir() const { return (dir_.path() / "data").string(); }

  /// The facilitator token in a link ".../f/CODE#t=TOKEN" printed by a command.
  static std::string token_in(const std::string& printed, const std::string& code) {
    const std::regex link("/f/" + code + "#t=([0-9a-f]{32})");
    std::smatch m;
    if (!std::regex_search(printed, m, link)) throw std::runtime_error("no facilitator link for " + code + " in: " + printed);
    return m[1].str();
  }

  v1::ServerMessage attach_with(const std::string& code, const std::string& token) {
    auto link = open(code);
    return await(link->attach_facilitator(token), "attach");
  }
};

TEST_F(Deployment, MalformedPublicUrlIsRefusedAtStartWithAnExample) {
  for (const char* bad : {"dyad.example.org", "https://example.org/dyad?x=1", "https://exa mple.org"}) {
    const auto r = server_command({"--port", "0", "--data-dir", data_dir(), "--public-url", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("e.g. https://dyad.example.org or https://example.org/dyad"), std::string::npos) << r.err;
  }
  const auto r = server_command({"--port", "0", "--data-dir", data_dir(), "--trusted-proxy", "nginx"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("e.g. 127.0.0.1"), std::string::npos) << r.err;
}

TEST_F(Deployment, EveryLinkCarriesThePublicUrlAndItsPrefixWorks) {
  start({"--public-url", "https://dyad.example.org/dyad", "--demo-plan", std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.textproto"});
  const auto& banner = server_->banner();
  EXPECT_NE(banner.find("Participants (paste into Zoom's chat): https://dyad.example.org/dyad/j/"), std::string::npos) << banner;
  EXPECT_NE(banner.find("Facilitator (keep this link private): https://dyad.example.org/dyad/f/"), std::string::npos) << banner;
  EXPECT_EQ(banner.find("this computer"), std::string::npos) << "a public URL needs no local-only note:\n" << banner;

  const auto w = create_workshop();
  EXPECT_EQ(w.participant_url(), "https://dyad.example.org/dyad/j/" + w.code());
  EXPECT_EQ(w.facilitator_url(), "https://dyad.example.org/dyad/f/" + w.code() + "#t=" + w.facilitator_token());

  // The dashboard is told the join link to show, copy and draw.
  address_.origin = "https://dyad.example.org";
  const auto attached = attach_with(w.code(), w.facilitator_token());
  ASSERT_TRUE(attached.has_facilitator_snapshot()) << describe(attached);
  EXPECT_EQ(attached.facilitator_snapshot().join_url(), "https://dyad.example.org/dyad/j/" + w.code());
  EXPECT_FALSE(attached.facilitator_snapshot().join_url_local_only());

  // Behind a proxy that keeps the path: pages, scripts, styles, API and WebSocket under /dyad/.
  for (const auto& path : std::vector<std::string>{"/dyad/", "/dyad/j/" + w.code(), "/dyad/f/" + w.code(), "/dyad/r/" + w.code(),
                           "/dyad/assets/participant.js", "/dyad/dyad.css", "/dyad/api/workshops/" + w.code()}) {
    const auto [status, body] = http().get(path);
    EXPECT_EQ(status, 200) << path << ": " << body.substr(0, 200);
  }
  // And a proxy that strips it, or a visitor on this machine: the same without the prefix.
  EXPECT_EQ(http().get("/j/" + w.code()).first, 200);
  // The prefix without its slash, and a page with one, lead to the addresses that work.
  const auto bare = raw_http(server_->port(), "127.0.0.1", get_request("/dyad?x=1"));
  EXPECT_EQ(status_of(bare), 308) << bare;
  EXPECT_NE(bare.find("Location: /dyad/?x=1"), std::string::npos) << bare;
  const auto slash = raw_http(server_->port(), "127.0.0.1", get_request("/dyad/j/" + w.code() + "/"));
  EXPECT_EQ(status_of(slash), 308) << slash;
  EXPECT_NE(slash.find("Location: /dyad/j/" + w.code() + "\r\n"), std::string::npos) << slash;

  const auto ws = raw_http(server_->port(), "127.0.0.1", upgrade_request("/dyad/ws?w=" + w.code(), "https://dyad.example.org"));
  EXPECT_EQ(status_of(ws), 101) << ws;
  const auto foreign = raw_http(server_->port(), "127.0.0.1", upgrade_request("/dyad/ws?w=" + w.code(), "https://evil.example"));
  EXPECT_EQ(status_of(foreign), 403) << "the public URL's origin is the one allowed, not any: " << foreign;
}

TEST_F(Deployment, LocalLinksSayPlainlyTheyWorkOnlyOnThisComputer) {
  start({"--demo-plan", std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.textproto"});
  const auto& banner = server_->banner();
  const auto base = "http://127.0.0.1:" + std::to_string(server_->port());
  EXPECT_NE(banner.find("Participants (paste into Zoom's chat): " + base + "/j/"), std::string::npos) << banner;
  EXPECT_NE(banner.find(base + " means \"this computer\". These links work only here"), std::string::npos) << banner;
  EXPECT_NE(banner.find("--bind 0.0.0.0 --port " + std::to_string(server_->port()) + " --public-url http://"), std::string::npos) << banner;
  EXPECT_NE(banner.find("Running a real workshop day"), std::string::npos) << banner;
  // The links come last, after the line scripts read the port from.
  EXPECT_LT(banner.find("dyad-server listening on"), banner.find("Participants")) << banner;

  const auto w = create_workshop();
  const auto attached = attach_with(w.code(), w.facilitator_token());
  ASSERT_TRUE(attached.has_facilitator_snapshot()) << describe(attached);
  EXPECT_EQ(attached.facilitator_snapshot().join_url(), base + "/j/" + w.code());
  EXPECT_TRUE(attached.facilitator_snapshot().join_url_local_only());
}

TEST_F(Deployment, PublicHostStillWorksAndSaysItIsDeprecated) {
  start({"--public-host", "dyad.local"});
  EXPECT_NE(server_->logs().find("--public-host is deprecated; use --public-url"), std::string::npos) << server_->logs();
  const auto w = create_workshop();
  EXPECT_EQ(w.participant_url(), "http://dyad.local:" + std::to_string(server_->port()) + "/j/" + w.code());
}

TEST_F(Deployment, ForwardedAddressIsBelievedOnlyFromATrustedProxy) {
  start({"--trusted-proxy", "127.0.0.1"});
  const auto w = create_workshop();
  // The proxy (127.0.0.1) forwards a participant's request: the participant's address is logged.
  auto r = raw_http(server_->port(), "127.0.0.1",
                    get_request("/api/workshops/" + w.code(), "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"));
  EXPECT_EQ(status_of(r), 200) << r;
  expect_logged("http GET /api/workshops/" + w.code() + " 200 client=203.0.113.7 https");
  // A client that forged the header before the proxy: the proxy's appended entry wins.
  r = raw_http(server_->port(), "127.0.0.1", get_request("/livez", "X-Forwarded-For: 198.51.100.23, 203.0.113.8\r\n"));
  expect_logged("http GET /livez 200 client=203.0.113.8");
  // A proxy that adds its own header line after the client's: its line is the one read.
  r = raw_http(server_->port(), "127.0.0.1",
               get_request("/livez?second-line", "X-Forwarded-For: 198.51.100.25\r\nX-Forwarded-For: 203.0.113.9\r\n"));
  expect_logged("http GET /livez 200 client=203.0.113.9");
  // Anybody else claiming an address: their own is logged.
  r = raw_http(server_->port(), "127.0.0.10", get_request("/livez", "X-Forwarded-For: 198.51.100.24\r\n"));
  EXPECT_EQ(status_of(r), 200) << r;
  expect_logged("http GET /livez 200 client=127.0.0.10");
  r = raw_http(server_->port(), "127.0.0.10",
               upgrade_request("/ws?w=" + w.code(), "http://127.0.0.1:" + std::to_string(server_->port()),
                               "X-Forwarded-For: 198.51.100.24\r\n"));
  EXPECT_EQ(status_of(r), 101) << r;
  expect_logged("websocket opened: connection");
  expect_logged("client=127.0.0.10");
  const auto logs = server_->logs();
  EXPECT_EQ(logs.find("client=198.51.100.2"), std::string::npos) << "a forged address reached the log:\n" << logs;
}

TEST_F(Deployment, RateLimitsCountTheParticipantsAddressNotTheProxys) {
  start({"--trusted-proxy", "127.0.0.1"});
  // One address behind the proxy floods the API: it is refused, in words, and only it.
  // (The burst is 600 and the bucket refills 20 a second: however slow this machine, requests
  // faster than that run it dry well before 4000.) Empty path segments count as the API too.
  int refused = 0;
  for (int i = 0; i < 4000 && refused == 0; ++i) {
    const auto r = raw_http(server_->port(), "127.0.0.1",
                            get_request(i % 2 ? "//api/workshops/NONE-0000" : "/api/workshops/NONE-0000",
                                        "X-Forwarded-For: 203.0.113.7\r\n"));
    if (status_of(r) == 429) {
      ++refused;
      EXPECT_NE(r.find("Retry-After: 60"), std::string::npos) << r;
    }
  }
  EXPECT_EQ(refused, 1) << "4000 requests in a burst from one address were never limited";
  expect_logged("429 client=203.0.113.7: too many requests from this address");
  const auto other = raw_http(server_->port(), "127.0.0.1",
                              get_request("/api/workshops/NONE-0000", "X-Forwarded-For: 203.0.113.8\r\n"));
  EXPECT_EQ(status_of(other), 404) << "another participant behind the same proxy was limited too: " << other;
}

TEST_F(Deployment, OneServerPerDataFolder) {
  start();
  try {
    server_process second(dir_.path() / "data");
    ADD_FAILURE() << "a second server started on the same data folder";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("A dyad-server is already running on the data folder"), std::string::npos) << e.what();
  }
}

TEST_F(Deployment, LostFacilitatorLinkIsReplacedAndTheOldOneRefused) {
  start({"--public-url", "https://dyad.example.org"});
  address_.origin = "https://dyad.example.org";
  const auto w = create_workshop();
  const auto old_token = w.facilitator_token();
  auto dashboard = attach(w);

  const auto listed = server_command({"workshops", "list", "--data-dir", data_dir()});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(w.code() + "   open, lobby"), std::string::npos) << listed.out;

  // While the server runs: through it, so the workshop in memory changes with the log.
  auto r = server_command({"workshops", "facilitator-link", w.code(), "--data-dir", data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("https://dyad.example.org/f/" + w.code() + "#t="), std::string::npos) << r.out;
  const auto new_token = token_in(r.out, w.code());
  EXPECT_NE(new_token, old_token);

  // The dashboard open with the old link is told, and closed.
  auto bye = dashboard->wait_for_event([](const v1::ServerMessage& m) { return m.has_goodbye(); }, answer_deadline);
  ASSERT_TRUE(bye) << "the old dashboard was not told";
  EXPECT_NE(bye->goodbye().reason().find("A new facilitator link was issued"), std::string::npos) << describe(*bye);

  const auto refused = attach_with(w.code(), old_token);
  ASSERT_TRUE(refused.has_error()) << describe(refused);
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_TRUE(attach_with(w.code(), new_token).has_facilitator_snapshot());
  EXPECT_EQ(http().get("/api/workshops/" + w.code() + "/statistics", old_token).first, 401);
  EXPECT_EQ(http().get("/api/workshops/" + w.code() + "/statistics", new_token).first, 200);

  // The change is stored: after a restart the old link stays refused.
  stop_cleanly();
  start({"--public-url", "https://dyad.example.org"});
  EXPECT_EQ(attach_with(w.code(), old_token).error().code(), v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_TRUE(attach_with(w.code(), new_token).has_facilitator_snapshot());

  // With no server running the command changes the log itself; an unknown code is refused.
  stop_cleanly();
  r = server_command({"workshops", "facilitator-link", w.code(), "--data-dir", data_dir(), "--public-url", "https://dyad.example.org"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto offline_token = token_in(r.out, w.code());
  // A link that cannot be printed replaces nothing: the one just issued keeps working.
  r = server_command({"workshops", "facilitator-link", w.code(), "--data-dir", data_dir(), "--public-url", "https://x.org/?q"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = server_command({"workshops", "facilitator-link", "NONE-0000", "--data-dir", data_dir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("There is no workshop NONE-0000"), std::string::npos) << r.err;
  start({"--public-url", "https://dyad.example.org"});
  EXPECT_EQ(attach_with(w.code(), new_token).error().code(), v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_TRUE(attach_with(w.code(), offline_token).has_facilitator_snapshot());

  // A closed workshop, no longer in memory: its report stays reachable with a new link.
  {
    auto link = open(w.code());
    ASSERT_TRUE(await(link->attach_facilitator(offline_token), "attach").has_facilitator_snapshot());
    v1::ClientMessage close;
    close.mutable_close_workshop();
    ASSERT_TRUE(ask(*link, open_feedback()).has_ack());
    ASSERT_TRUE(ask(*link, close).has_ack());
  }
  stop_cleanly();
  start({"--public-url", "https://dyad.example.org"});
  r = server_command({"workshops", "facilitator-link", w.code(), "--data-dir", data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto closed_token = token_in(r.out, w.code());
  EXPECT_EQ(http().get("/api/workshops/" + w.code() + "/statistics", offline_token).first, 401);
  EXPECT_EQ(http().get("/api/workshops/" + w.code() + "/statistics", closed_token).first, 200);
}

TEST_F(Deployment, BackupWhileFeedbackArrivesKeepsEverySubmissionAcknowledgedBeforeIt) {
  start();
  const auto w = create_workshop();
  auto facilitator = attach(w);
  constexpr int people_count = 24;
  std::vector<participant> people;
  for (int i = 0; i < people_count; ++i) people.push_back(join(w.code(), "Person " + std::to_string(i)));
  ASSERT_TRUE(ask(*facilitator, open_feedback()).has_ack());

  // Submissions keep arriving, one after another, while the backup is taken.
  std::atomic<int> acknowledged{0};
  std::atomic<bool> failed{false};
  std::thread submitting([&] {
    for (int i = 0; i < people_count; ++i) {
      auto answer = await(people[static_cast<std::size_t>(i)].link->submit_feedback("form-" + std::to_string(i),
                                                                                   response(i % 2 ? "good" : "excellent")),
                          "submit " + std::to_string(i));
      if (!answer.has_ack()) failed = true;
      acknowledged = i + 1;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + answer_deadline;
  while (acknowledged < people_count / 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  const int before_backup = acknowledged.load();
  const auto backup = dir_.path() / "backup.sqlite";
  const auto r = server_command({"backup", "--data-dir", data_dir(), "--to", backup.string()});
  const int after_backup = acknowledged.load();
  submitting.join();
  ASSERT_FALSE(failed) << "a submission was refused";
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("its integrity check passed"), std::string::npos) << r.out;
  EXPECT_EQ(integrity_of(backup), "ok");
  EXPECT_LT(before_backup, people_count) << "every submission was in before the backup began; the test proves nothing";
  const auto refused = server_command({"backup", "--data-dir", data_dir(), "--to", backup.string()});
  EXPECT_EQ(refused.exit_code, 1) << "a backup overwrote an earlier one";
  std::vector<std::string> resume_tokens;
  for (const auto& p : people) resume_tokens.push_back(p.snapshot.resume_token());
  people.clear();
  facilitator.reset();
  stop_cleanly();

  // Restore into a fresh folder and serve from it.
  const auto restored_dir = dir_.path() / "restored";
  const auto restored = server_command({"restore", "--from", backup.string(), "--data-dir", restored_dir.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  start({}, restored_dir);
  // Closing shows every stored response (while feedback is open they show in batches).
  {
    auto restored_facilitator = attach(w);
    ASSERT_TRUE(ask(*restored_facilitator, close_workshop()).has_ack());
  }
  const auto stats = http().get("/api/workshops/" + w.code() + "/statistics?format=json", server_process::admin_token);
  ASSERT_EQ(stats.first, 200) << stats.second;
  const std::regex answered(R"("questionId":\s*"overall"[^}]*?"answered":\s*(\d+))");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(stats.second, m, answered)) << stats.second;
  const int kept = std::stoi(m[1].str());
  EXPECT_GE(kept, before_backup) << "submissions acknowledged before the backup began are missing";
  EXPECT_LE(kept, people_count);
  (void)after_backup;
  // Each person acknowledged before the backup has their submission there: a second one is refused.
  for (int i = 0; i < before_backup; ++i) {
    auto link = open(w.code());
    auto resumed = await(link->resume(resume_tokens[static_cast<std::size_t>(i)]), "resume " + std::to_string(i));
    ASSERT_TRUE(resumed.has_participant_snapshot()) << describe(resumed);
    auto again = await(link->submit_feedback("another-form-" + std::to_string(i), response("poor")), "again");
    ASSERT_TRUE(again.has_error()) << "person " << i << " could submit again: their submission was lost";
    EXPECT_EQ(again.error().code(), v1::ERROR_CODE_ALREADY_SUBMITTED);
  }
}

TEST_F(Deployment, RestoreRefusesWhileTheServerRunsAndKeepsWhatItReplaces) {
  start();
  const auto w = create_workshop();
  const auto backup = dir_.path() / "b.sqlite";
  ASSERT_EQ(server_command({"backup", "--data-dir", data_dir(), "--to", backup.string()}).exit_code, 0);
  auto r = server_command({"restore", "--from", backup.string(), "--data-dir", data_dir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("A dyad-server is already running"), std::string::npos) << r.err;
  stop_cleanly();
  const auto not_a_backup = dir_.path() / "notes.txt";
  { std::ofstream(not_a_backup) << "not a database"; }
  r = server_command({"restore", "--from", not_a_backup.string(), "--data-dir", data_dir()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not an SQLite database"), std::string::npos) << r.err;
  r = server_command({"restore", "--from", backup.string(), "--data-dir", data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("The log it replaced is kept as"), std::string::npos) << r.out;
  // Twice within a second: each replaced log is kept under its own name.
  r = server_command({"restore", "--from", backup.string(), "--data-dir", data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int kept_logs = 0;
  for (const auto& f : std::filesystem::directory_iterator(data_dir()))
    if (f.path().filename().string().find("dyad.sqlite.before-restore-") == 0 &&
        f.path().filename().string().find("-wal") == std::string::npos &&
        f.path().filename().string().find("-shm") == std::string::npos)
      ++kept_logs;
  EXPECT_EQ(kept_logs, 2) << "a restore overwrote the log an earlier one kept";
  start();
  EXPECT_EQ(http().get("/api/workshops/" + w.code()).first, 200) << "the restored workshop is not open again";
}

}  // namespace
}  // namespace dyad::test

namespace dyad::test {
namespace {

TEST_F(Deployment, ADataFolderTooDeepForTheControlSocketStillServes) {
  const auto deep = dir_.path() / std::string(60, 'd') / std::string(60, 'e') / "data";
  std::filesystem::create_directories(deep.parent_path());
  start({}, deep);
  EXPECT_EQ(http().get("/livez").first, 200);
  EXPECT_NE(server_->logs().find("works only while the server is stopped"), std::string::npos) << server_->logs();
}

}  // namespace
}  // namespace dyad::test

namespace dyad::test {
namespace {

TEST_F(Deployment, LinksToThisComputerOnAnotherPortSayHowToMatchThem) {
  start({"--public-url", "http://127.0.0.1:1"});
  const auto p = std::to_string(server_->port());
  EXPECT_NE(server_->banner().find("Warning: the links say port 1, but Dyad listens on port " + p + ". Start it with --port 1"),
            std::string::npos)
      << server_->banner();
  EXPECT_NE(server_->banner().find("--bind 0.0.0.0 --port "), std::string::npos) << "the note leaves the port out:\n"
                                                                                 << server_->banner();
}

TEST_F(Deployment, AMistypedDataFolderIsRefusedAndLeftUncreated) {
  const auto typo = dir_.path() / "dyad-dat";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"workshops", "facilitator-link", "DART-6339", "--data-dir", typo.string()},
        std::vector<std::string>{"workshops", "list", "--data-dir", typo.string()},
        std::vector<std::string>{"backup", "--data-dir", typo.string(), "--to", (dir_.path() / "b.sqlite").string()}}) {
    const auto r = server_command(args);
    EXPECT_NE(r.exit_code, 0) << args[0];
    EXPECT_NE(r.err.find("There is no Dyad data in " + typo.string()), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(typo)) << args[0] << " created the mistyped folder";
  }
}

}  // namespace
}  // namespace dyad::test

namespace dyad::test {
namespace {

TEST_F(Deployment, AClosedWorkshopSaysSoBeforeAnyoneJoins) {
  start();
  const auto w = create_workshop();
  EXPECT_NE(http().get("/api/workshops/" + w.code()).second.find("\"open\":true"), std::string::npos);
  {
    auto link = open(w.code());
    ASSERT_TRUE(await(link->attach_facilitator(w.facilitator_token()), "attach").has_facilitator_snapshot());
    v1::ClientMessage close;
    close.mutable_close_workshop();
    ASSERT_TRUE(ask(*link, open_feedback()).has_ack());
    ASSERT_TRUE(ask(*link, close).has_ack());
  }
  auto [status, body] = http().get("/api/workshops/" + w.code());
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(body.find("\"open\":true"), std::string::npos) << "a closed workshop answers open: " << body;
  // After a restart, when it is no longer in memory, too; a code never used stays unknown.
  stop_cleanly();
  start();
  std::tie(status, body) = http().get("/api/workshops/" + w.code());
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(body.find("\"open\":true"), std::string::npos) << body;
  EXPECT_EQ(http().get("/api/workshops/NONE-0000").first, 404);
}

TEST_F(Deployment, TheAdminTokenIsKeptAsAHashAcrossRestartsAndResetByTheOperator) {
  const auto data = dir_.path() / "data";
  const auto token_in_banner = [](const std::string& banner) {
    const std::regex shown(R"(Admin token \(for scripts and the dyad command\), shown this once[^\n]*\n\s+([0-9a-f]{32})\n)");
    std::smatch m;
    return std::regex_search(banner, m, shown) ? m[1].str() : std::string{};
  };
  const auto new_token_in = [](const std::string& printed) {
    const std::regex shown(R"(New admin token[^\n]*\n\s+([0-9a-f]{32})\n)");
    std::smatch m;
    return std::regex_search(printed, m, shown) ? m[1].str() : std::string{};
  };
  const auto creates = [&](const std::string& token) {
    client::client_error error;
    return http().create_workshop(valid_plan(), false, token, &error).has_value();
  };

  start({"--admin-token", ""}, data);
  const auto first = token_in_banner(server_->banner());
  ASSERT_FALSE(first.empty()) << "the first start did not show its admin token:\n" << server_->banner();
  EXPECT_TRUE(creates(first));
  EXPECT_FALSE(creates(std::string(32, 'a'))) << "a wrong admin token created a workshop";
  stop_cleanly();

  start({"--admin-token", ""}, data);
  EXPECT_EQ(server_->banner().find(first), std::string::npos) << "the token was shown again:\n" << server_->banner();
  EXPECT_NE(server_->banner().find("admin-token --reset"), std::string::npos) << server_->banner();
  EXPECT_TRUE(creates(first)) << "the admin token did not survive the restart";

  // Reset while the server runs: the new one works at once, the old one no longer.
  const auto online = server_command({"admin-token", "--reset", "--data-dir", data.string()});
  ASSERT_EQ(online.exit_code, 0) << online.out << online.err;
  const auto second = new_token_in(online.out);
  ASSERT_FALSE(second.empty()) << online.out;
  EXPECT_FALSE(creates(first)) << "the old admin token still works after a reset";
  EXPECT_TRUE(creates(second));
  stop_cleanly();

  // Reset while it is stopped: the server takes the new one when it starts.
  const auto offline = server_command({"admin-token", "--reset", "--data-dir", data.string()});
  ASSERT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  const auto third = new_token_in(offline.out);
  ASSERT_FALSE(third.empty()) << offline.out;
  start({"--admin-token", ""}, data);
  EXPECT_FALSE(creates(second));
  EXPECT_TRUE(creates(third));
  const auto logs = server_->logs();
  stop_cleanly();

  // Kept only as hashes: no token in the store's bytes (WAL included) or in the logs.
  std::string stored;
  for (const auto& entry : std::filesystem::directory_iterator(data))
    if (entry.path().filename().string().starts_with("dyad.sqlite")) stored += read_text(entry.path());
  ASSERT_FALSE(stored.empty());
  for (const auto& t : {first, second, third}) {
    EXPECT_EQ(stored.find(t), std::string::npos) << "an admin token is stored in clear";
    EXPECT_EQ(logs.find(t), std::string::npos) << "an admin token is in the logs";
  }
  const auto usage = server_command({"admin-token", "--data-dir", data.string()});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  EXPECT_NE(usage.err.find("admin-token --reset"), std::string::npos) << usage.err;
}


TEST_F(Deployment, JsonLogsStayOneObjectPerLineWhateverAFrameHolds) {
  start({"--log-format", "json"});
  const auto w = create_workshop();
  {
    raw_ws_client client(server_->port(), w.code());
    // A name that is not UTF-8: the frame does not parse as a ClientMessage, and protobuf says why.
    v1::ClientMessage join;
    join.set_request_id(1);
    join.mutable_join()->set_display_name(std::string("Ana \xff\xfe", 6));
    client.send(join);
    const auto answer = client.read_message();
    ASSERT_TRUE(answer.has_value()) << "no answer to a malformed frame";
    EXPECT_EQ(answer->error().code(), v1::ERROR_CODE_MALFORMED) << answer->ShortDebugString();
  }
  expect_logged("refused: ERROR_CODE_MALFORMED");
  std::istringstream lines(server_->logs());
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line);) {
    ++count;
    EXPECT_TRUE(line.starts_with("{\"time\":\"") && line.ends_with("\"}")) << "not a JSON log line: " << line;
  }
  EXPECT_GT(count, 3u);
}

}  // namespace
}  // namespace dyad::test
