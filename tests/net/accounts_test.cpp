// Signing in, one-time links and the organisers' people, attacked over real HTTP against the real
// dyad-server: wrong passwords, replayed links, requests from another origin, a facilitator
// reaching for what only organisers may do, a removed person's session, and secrets in the logs
// or the store's bytes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "net/net_test_support.hpp"
#include "net/server_fixture.hpp"
#include "net/server_process.hpp"

namespace dyad::test {
namespace {

struct reply {
  int status = 0;
  std::string head;
  std::string body;
  /// The value of the first Set-Cookie header, empty when none.
  std::string set_cookie() const {
    const std::regex c(R"(\r\nSet-Cookie: ([^\r]*))", std::regex::icase);
    std::smatch m;
    return std::regex_search(head, m, c) ? m[1].str() : std::string{};
  }
  /// The session id the Set-Cookie header carries.
  std::string session() const {
    const std::regex c(R"(dyad_session=([0-9a-f]*))");
    std::smatch m;
    const auto cookie = set_cookie();
    return std::regex_search(cookie, m, c) ? m[1].str() : std::string{};
  }
};

/// One HTTP exchange on its own connection (Connection: close), read to the end.
reply exchange(std::uint16_t port, const std::string& method, const std::string& path, const std::string& body,
               const std::string& headers) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot connect to the server");
  }
  const std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers +
                              "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body;
  (void)::write(fd, request.data(), request.size());
  std::string got;
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 15000) > 0) {
    char buf[4096];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  reply r;
  const auto end = got.find("\r\n\r\n");
  r.head = got.substr(0, end);
  r.body = end == std::string::npos ? std::string{} : got.substr(end + 4);
  if (got.size() > 12) r.status = std::stoi(got.substr(9, 3));
  return r;
}

class AccountsOverHttp : public server_fixture {
protected:
  void SetUp() override {}  // each test starts the server with its own flags

  std::string origin() const { return "Origin: http://127.0.0.1:" + std::to_string(server_->port()) + "\r\n"; }

  reply post(const std::string& path, const std::string& body, const std::string& session = {},
             const std::string& origin_header = "ours") {
    std::string headers = origin_header == "ours" ? origin() : origin_header;
    if (!session.empty()) headers += "Cookie: dyad_session=" + session + "\r\n";
    return exchange(server_->port(), "POST", path, body, headers);
  }
  reply call(const std::string& method, const std::string& path, const std::string& session, const std::string& body = {}) {
    return exchange(server_->port(), method, path, body,
                    origin() + (session.empty() ? std::string{} : "Cookie: dyad_session=" + session + "\r\n"));
  }

  /// The token of the one-time link the server printed at start for the first organiser.
  std::string first_link_token() const {
    const std::regex link(R"(/welcome#t=([0-9a-f]{64}))");
    std::smatch m;
    if (!std::regex_search(server_->banner(), m, link)) throw std::runtime_error("no one-time link in:\n" + server_->banner());
    return m[1].str();
  }
  static std::string token_of(const std::string& body) {
    const std::regex link(R"(/welcome#t=([0-9a-f]{64}))");
    std::smatch m;
    if (!std::regex_search(body, m, link)) throw std::runtime_error("no one-time link in: " + body);
    return m[1].str();
  }
  static std::string field(const std::string& json, const std::string& name) {
    const std::regex f("\"" + name + "\":\\s*\"([^\"]*)\"");
    std::smatch m;
    return std::regex_search(json, m, f) ? m[1].str() : std::string{};
  }

  /// The first organiser with a password, signed in: their session id.
  std::string organiser_signed_in() {
    const auto r = post("/api/links/redeem", R"({"token":")" + first_link_token() + R"(","password":"a quiet room, two chairs"})");
    if (r.status != 200) throw std::runtime_error("redeeming the first link failed: " + r.body);
    return r.session();
  }
};

TEST_F(AccountsOverHttp, TheFirstOrganisersLinkSetsAPasswordOnceAndSignsThemIn) {
  start({"--first-organiser", "First@Example.org"});
  const auto token = first_link_token();
  const auto whose = post("/api/links/check", R"({"token":")" + token + R"("})");
  ASSERT_EQ(whose.status, 200) << whose.body;
  EXPECT_EQ(field(whose.body, "email"), "first@example.org");
  EXPECT_EQ(field(whose.body, "role"), "organiser");

  const auto too_short = post("/api/links/redeem", R"({"token":")" + token + R"(","password":"short"})");
  EXPECT_EQ(too_short.status, 400);
  EXPECT_NE(too_short.body.find("at least 10 characters"), std::string::npos) << too_short.body;
  const auto set = post("/api/links/redeem", R"({"token":")" + token + R"(","password":"a quiet room, two chairs"})");
  ASSERT_EQ(set.status, 200) << set.body;
  const auto cookie = set.set_cookie();
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "Secure on plain http would lose the cookie: " << cookie;
  ASSERT_EQ(set.session().size(), 64U) << cookie;
  const auto me = call("GET", "/api/me", set.session());
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(field(me.body, "email"), "first@example.org");

  const auto replayed = post("/api/links/redeem", R"({"token":")" + token + R"(","password":"another quiet room"})");
  EXPECT_EQ(replayed.status, 404) << "a one-time link worked twice: " << replayed.body;
  EXPECT_NE(replayed.body.find("used or has expired"), std::string::npos) << replayed.body;
  const auto signed_in = post("/api/session", R"({"email":"first@example.org","password":"a quiet room, two chairs"})");
  EXPECT_EQ(signed_in.status, 200) << "the replay changed the password: " << signed_in.body;

  // A restart keeps the account and the password; the banner no longer offers a link.
  stop_cleanly();
  start({"--first-organiser", "first@example.org"});
  EXPECT_EQ(server_->banner().find("/welcome#t="), std::string::npos) << server_->banner();
  EXPECT_NE(server_->banner().find("/signin"), std::string::npos) << server_->banner();
  EXPECT_EQ(post("/api/session", R"({"email":"first@example.org","password":"a quiet room, two chairs"})").status, 200);
}

TEST_F(AccountsOverHttp, ChangesFromAnotherOriginOrWithNoOriginAreRefused) {
  start({"--first-organiser", "first@example.org"});
  const auto session = organiser_signed_in();
  for (const std::string& foreign : {std::string("Origin: https://evil.example\r\n"), std::string{}}) {
    const auto signin = post("/api/session", R"({"email":"first@example.org","password":"a quiet room, two chairs"})", {}, foreign);
    EXPECT_EQ(signin.status, 403) << foreign << signin.body;
    const auto invite = post("/api/accounts", R"({"email":"mallory@example.org","role":"organiser"})", session, foreign);
    EXPECT_EQ(invite.status, 403) << "a cross-origin request invited someone: " << invite.body;
    EXPECT_NE(invite.body.find("Dyad's own pages"), std::string::npos) << invite.body;
  }
  const auto list = call("GET", "/api/accounts", session);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find("mallory"), std::string::npos) << "the refused invitation was made: " << list.body;
  EXPECT_NE(server_->logs().find("is not one of Dyad's pages"), std::string::npos) << server_->logs();
}

TEST_F(AccountsOverHttp, WrongPasswordsAreSlowedAndSayWhy) {
  start({"--first-organiser", "first@example.org"});
  (void)organiser_signed_in();
  const std::string wrong = R"({"email":"first@example.org","password":"not the password at all"})";
  for (int i = 0; i < 4; ++i) {
    const auto r = post("/api/session", wrong);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_NE(r.body.find("do not match an account"), std::string::npos) << r.body;
  }
  // Held back now, even with the right password, and told for how long.
  const auto held = post("/api/session", R"({"email":"first@example.org","password":"a quiet room, two chairs"})");
  EXPECT_EQ(held.status, 429) << held.body;
  EXPECT_NE(held.body.find("wait"), std::string::npos) << held.body;
  // An unknown address is answered exactly as a wrong password.
  const auto unknown = post("/api/session", R"({"email":"nobody@example.org","password":"not the password at all"})");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_NE(unknown.body.find("do not match an account"), std::string::npos) << unknown.body;
}

TEST_F(AccountsOverHttp, AFacilitatorCannotManagePeopleAndARemovedPersonIsSignedOutAtOnce) {
  start({"--first-organiser", "first@example.org"});
  const auto organiser = organiser_signed_in();
  const auto invited = post("/api/accounts", R"({"email":"Fac@Example.org","role":"facilitator"})", organiser);
  ASSERT_EQ(invited.status, 200) << invited.body;
  EXPECT_NE(invited.body.find("fac@example.org"), std::string::npos) << invited.body;
  const auto fac_id = field(invited.body, "accountId");
  const auto set = post("/api/links/redeem", R"({"token":")" + token_of(invited.body) + R"(","password":"listening first, then speaking"})");
  ASSERT_EQ(set.status, 200) << set.body;
  const auto facilitator = set.session();

  EXPECT_EQ(call("GET", "/api/accounts", facilitator).status, 403);
  EXPECT_EQ(post("/api/accounts", R"({"email":"friend@example.org","role":"organiser"})", facilitator).status, 403);
  EXPECT_EQ(call("PATCH", "/api/accounts/" + fac_id, facilitator, R"({"role":"organiser"})").status, 403)
      << "a facilitator made themselves an organiser";
  EXPECT_EQ(call("GET", "/api/accounts", "").status, 401);
  EXPECT_EQ(call("GET", "/api/accounts", std::string(64, 'a')).status, 401) << "a made-up session was taken";

  // Signing out ends that session only; signing out everywhere ends them all.
  const auto second = post("/api/session", R"({"email":"fac@example.org","password":"listening first, then speaking"})");
  ASSERT_EQ(second.status, 200);
  const auto out = call("DELETE", "/api/session", second.session());
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.set_cookie().find("Max-Age=0"), std::string::npos) << out.set_cookie();
  EXPECT_EQ(call("GET", "/api/me", second.session()).status, 401);
  EXPECT_EQ(call("GET", "/api/me", facilitator).status, 200);

  const auto removed = call("DELETE", "/api/accounts/" + fac_id, organiser);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(call("GET", "/api/me", facilitator).status, 401) << "a removed facilitator is still signed in";
  EXPECT_EQ(post("/api/session", R"({"email":"fac@example.org","password":"listening first, then speaking"})").status, 401);

  const auto a = post("/api/session", R"({"email":"first@example.org","password":"a quiet room, two chairs"})");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(post("/api/session/everywhere", "", organiser).status, 200);
  EXPECT_EQ(call("GET", "/api/me", organiser).status, 401);
  EXPECT_EQ(call("GET", "/api/me", a.session()).status, 401) << "signing out everywhere left a session";
  EXPECT_EQ(call("DELETE", "/api/accounts/" + fac_id, a.session()).status, 401);
}

TEST_F(AccountsOverHttp, TheCookieIsSecureUnderHttpsAndNoSecretReachesTheLogsOrTheStore) {
  start({"--first-organiser", "first@example.org", "--public-url", "https://dyad.example.org", "--allowed-origin",
         "https://dyad.example.org"});
  const auto link = first_link_token();
  const std::string password = "a quiet room, two chairs";
  const auto set = exchange(server_->port(), "POST", "/api/links/redeem",
                            R"({"token":")" + link + R"(","password":")" + password + R"("})",
                            "Origin: https://dyad.example.org\r\n");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_NE(set.set_cookie().find("; Secure"), std::string::npos) << set.set_cookie();
  const auto session = set.session();
  ASSERT_FALSE(session.empty());
  const auto invite = exchange(server_->port(), "POST", "/api/accounts", R"({"email":"fac@example.org","role":"facilitator"})",
                               "Origin: https://dyad.example.org\r\nCookie: dyad_session=" + session + "\r\n");
  ASSERT_EQ(invite.status, 200) << invite.body;
  const auto invite_token = token_of(invite.body);

  // While it runs (the write-ahead log in use) and after it stops.
  const auto data = dir_.path() / "data";
  const auto store_bytes = [&] {
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(data))
      if (entry.path().filename().string().starts_with("dyad.sqlite")) all += read_text(entry.path());
    return all;
  };
  const auto running = store_bytes();
  const auto logs = server_->logs();
  stop_cleanly();
  const auto stopped = store_bytes();
  for (const auto& secret : {link, invite_token, session, password}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << "a secret is in the logs: " << secret;
    EXPECT_EQ(running.find(secret), std::string::npos) << "a secret is in the store (running): " << secret;
    EXPECT_EQ(stopped.find(secret), std::string::npos) << "a secret is in the store (stopped): " << secret;
  }
  EXPECT_NE(stopped.find("$argon2id$"), std::string::npos) << "the password is not kept as Argon2id";
}

TEST_F(AccountsOverHttp, EveryMethodOnThePeopleListIsAnsweredAndTheServerStaysUp) {
  start({"--first-organiser", "first@example.org"});
  const auto organiser = organiser_signed_in();
  for (const char* method : {"HEAD", "PATCH", "DELETE", "PUT"}) {
    const auto r = call(method, "/api/accounts", organiser, "{}");
    EXPECT_NE(r.status, 0) << method << " /api/accounts went unanswered (the server fell over?)";
    EXPECT_LT(r.status, 500) << method << ": " << r.body;
  }
  EXPECT_EQ(call("DELETE", "/api/accounts/", organiser).status, 404);
  EXPECT_EQ(call("GET", "/api/me", organiser).status, 200) << "the server did not survive; logs:\n" << server_->logs();
  // What cannot be an address is answered at once, as a mistake, with nothing to hash.
  const auto malformed = post("/api/session", R"({"email":")" + std::string(5000, 'x') + R"(","password":"whatever it is"})");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_NE(malformed.body.find("name@example.org"), std::string::npos) << malformed.body;
}

TEST_F(AccountsOverHttp, ANewAdminTokenIsRefusedWhileTheServerTakesItsTokenFromItsSettings) {
  start();  // the tests' own --admin-token
  const auto data = (dir_.path() / "data").string();
  const auto r = run_program(DYAD_SERVER, {"admin-token", "--reset", "--data-dir", data});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("takes its admin token from its settings"), std::string::npos) << r.err;
  client::client_error error;
  EXPECT_TRUE(http().create_workshop(valid_plan(), false, server_process::admin_token, &error).has_value())
      << "the configured token stopped working: " << error.message;
}


// ---------------------------------------------------------------------------------------------
// The workspace: runs and who may reach them.

class WorkspaceOverHttp : public AccountsOverHttp {
protected:
  std::string organiser;

  void start_with_organiser() {
    start({"--first-organiser", "boss@example.org"});
    organiser = organiser_signed_in();
  }

  /// Invites a facilitator, who sets a password: their account id and session.
  std::pair<std::string, std::string> facilitator(const std::string& email) {
    const auto invited = post("/api/accounts", R"({"email":")" + email + R"(","role":"facilitator"})", organiser);
    if (invited.status != 200) throw std::runtime_error("invite failed: " + invited.body);
    const auto set = post("/api/links/redeem", R"({"token":")" + token_of(invited.body) + R"(","password":"listening first, then reflecting"})");
    if (set.status != 200) throw std::runtime_error("redeem failed: " + set.body);
    return {field(invited.body, "accountId"), set.session()};
  }

  std::string template_plan() {
    const auto plans = call("GET", "/api/plans", organiser);
    if (plans.status != 200) throw std::runtime_error("plans: " + plans.body);
    return field(plans.body, "planId");
  }

  /// A run of `plan` led by `facilitator_id`: its code.
  std::string new_run(const std::string& plan, const std::string& facilitator_id, const std::string& date = "2026-12-03") {
    const auto r = call("POST", "/api/runs", organiser,
                        R"({"planId":")" + plan + R"(","date":")" + date + R"(","startTime":"09:30","facilitatorId":")" + facilitator_id + R"("})");
    if (r.status != 201) throw std::runtime_error("create run: " + std::to_string(r.status) + " " + r.body);
    return field(r.body, "code");
  }

  /// The dashboard's WebSocket opened by a signed-in browser, attaching without a token.
  v1::ServerMessage attach_by_session(const std::string& code, const std::string& session) {
    auto address = address_;
    if (!session.empty()) address.cookie = "dyad_session=" + session;
    auto link = await(connection::open(runtime_, address, code), "open");
    return await(link->attach_facilitator(""), "attach");
  }

  static long long number(const std::string& json, const std::string& name) {
    const std::regex f("\"" + name + "\":\\s*\"?([0-9]+)");
    std::smatch m;
    return std::regex_search(json, m, f) ? std::stoll(m[1].str()) : 0;
  }
};

TEST_F(WorkspaceOverHttp, AFacilitatorNeitherSeesNorActsOnAnotherFacilitatorsRun) {
  start_with_organiser();
  const auto [ana, ana_session] = facilitator("ana@example.org");
  const auto [ben, ben_session] = facilitator("ben@example.org");
  const auto plan = template_plan();
  ASSERT_FALSE(plan.empty());
  const auto anas = new_run(plan, ana);
  const auto bens = new_run(plan, ben);

  // Listed: only her own.
  const auto list = call("GET", "/api/runs", ana_session);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find(anas), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find(bens), std::string::npos) << "Ana sees Ben's run: " << list.body;

  // Over HTTP: Ben's run answers like one that does not exist, whatever she tries.
  EXPECT_EQ(call("GET", "/api/runs/" + bens, ana_session).status, 404);
  EXPECT_EQ(call("POST", "/api/runs/" + bens + "/access", ana_session, R"({"accountId":")" + ana + R"("})").status, 404);
  EXPECT_EQ(call("POST", "/api/runs/" + bens + "/facilitator-link", ana_session).status, 404);
  EXPECT_EQ(call("POST", "/api/runs/" + bens + "/erase", ana_session).status, 404);
  EXPECT_EQ(call("POST", "/api/runs/" + bens + "/next", ana_session, R"({"date":"2026-12-10","startTime":"09:30"})").status, 404);
  EXPECT_EQ(call("GET", "/api/workshops/" + bens + "/statistics", ana_session).status, 401);
  EXPECT_EQ(call("GET", "/api/workshops/" + bens + "/series-statistics", ana_session).status, 401);
  EXPECT_EQ(call("GET", "/api/workshops/" + anas + "/statistics", ana_session).status, 200);
  // Her series figures hold only her runs, though Ben's is of the same series.
  const auto series = call("GET", "/api/workshops/" + anas + "/series-statistics", ana_session);
  ASSERT_EQ(series.status, 200) << series.body;
  EXPECT_EQ(series.body.find(bens), std::string::npos) << series.body;
  // Nor may she plan runs or change plans.
  EXPECT_EQ(call("POST", "/api/runs", ana_session, R"({"planId":")" + plan + R"(","date":"2026-12-03","startTime":"09:30"})").status, 403);
  EXPECT_EQ(call("POST", "/api/plans", ana_session, R"({"fromPlanId":")" + plan + R"("})").status, 403);

  // Over the WebSocket: her session opens her dashboard and not his; no session opens neither.
  const auto mine = attach_by_session(anas, ana_session);
  EXPECT_TRUE(mine.has_facilitator_snapshot()) << mine.DebugString();
  const auto refused = attach_by_session(bens, ana_session);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), v1::ERROR_CODE_UNAUTHORIZED);
  EXPECT_TRUE(attach_by_session(anas, "").has_error());
  EXPECT_TRUE(attach_by_session(anas, std::string(64, 'a')).has_error()) << "a made-up session opened the dashboard";
  EXPECT_TRUE(attach_by_session(bens, organiser).has_facilitator_snapshot()) << "organisers open every run";

  // From another site, nothing changes, even with the organiser's cookie.
  const auto foreign = exchange(server_->port(), "POST", "/api/runs",
                                R"({"planId":")" + plan + R"(","date":"2026-12-03","startTime":"09:30"})",
                                "Origin: https://evil.example\r\nCookie: dyad_session=" + organiser + "\r\n");
  EXPECT_EQ(foreign.status, 403) << foreign.body;

  // Given access by an organiser, Ben opens Ana's run; taken back, he no longer can.
  ASSERT_EQ(call("POST", "/api/runs/" + anas + "/access", organiser, R"({"accountId":")" + ben + R"("})").status, 200);
  EXPECT_NE(call("GET", "/api/runs", ben_session).body.find(anas), std::string::npos);
  EXPECT_TRUE(attach_by_session(anas, ben_session).has_facilitator_snapshot());
  // A co-facilitator does not hand access on.
  EXPECT_EQ(call("POST", "/api/runs/" + anas + "/facilitator-link", ben_session).status, 403);
  ASSERT_EQ(call("DELETE", "/api/runs/" + anas + "/access/" + ben, organiser).status, 200);
  EXPECT_TRUE(attach_by_session(anas, ben_session).has_error());
  EXPECT_EQ(call("GET", "/api/workshops/" + anas + "/statistics", ben_session).status, 401);

  // Her new facilitator link works; the one before it does not.
  const auto first = call("POST", "/api/runs/" + anas + "/facilitator-link", ana_session);
  const auto second = call("POST", "/api/runs/" + anas + "/facilitator-link", ana_session);
  ASSERT_EQ(second.status, 200) << second.body;
  const auto token_in = [](const std::string& body) {
    const std::regex t(R"(#t=([0-9a-f]+))");
    std::smatch m;
    return std::regex_search(body, m, t) ? m[1].str() : std::string{};
  };
  auto link = open(anas);
  EXPECT_TRUE(await(link->attach_facilitator(token_in(second.body)), "attach").has_facilitator_snapshot());
  auto old = open(anas);
  EXPECT_TRUE(await(old->attach_facilitator(token_in(first.body)), "attach").has_error());
  // No session id or link token in the logs.
  for (const auto& secret : {ana_session, ben_session, organiser, token_in(second.body)})
    EXPECT_EQ(server_->logs().find(secret), std::string::npos) << "a secret reached the logs";
}

TEST_F(WorkspaceOverHttp, ARestartKeepsPlansWithTheirVersionsAndRunsAndErasingKeepsTheFigures) {
  start_with_organiser();
  const auto [ana, ana_session] = facilitator("ana@example.org");
  // A copy of the template, saved again with a shorter title: version 2.
  const auto copy = call("POST", "/api/plans", organiser, R"({"fromPlanId":")" + template_plan() + R"(","name":"Ruptures, December"})");
  ASSERT_EQ(copy.status, 201) << copy.body;
  const auto plan = field(copy.body, "planId");
  auto text = call("GET", "/api/plans/" + plan + "/export?format=text", organiser).body;
  const auto title_at = text.find("title: \"");
  ASSERT_NE(title_at, std::string::npos);
  text.insert(title_at + 8, "December: ");
  std::string escaped;
  for (const char c : text) {
    if (c == '"' || c == '\\') escaped += '\\';
    if (c == '\n') escaped += "\\n";
    else escaped += c;
  }
  const auto saved = call("POST", "/api/plans/" + plan + "/versions", organiser, R"({"format":"text","body":")" + escaped + R"("})");
  ASSERT_EQ(saved.status, 200) << saved.body;
  EXPECT_EQ(number(saved.body, "version"), 2);
  // A draft with a mistake is kept, and can never be run.
  const auto draft = call("PUT", "/api/plans/" + plan + "/draft", organiser, R"({"format":"text","body":"title: \"Half"})");
  EXPECT_EQ(draft.status, 200) << draft.body;
  const auto code = new_run(plan, ana);
  const auto exported = call("GET", "/api/plans/" + plan + "/export?format=json", organiser).body;

  stop_cleanly();
  start();
  const auto detail = call("GET", "/api/plans/" + plan, organiser);
  ASSERT_EQ(detail.status, 200) << "the session or the plan did not survive the restart: " << detail.body;
  EXPECT_NE(detail.body.find("December: "), std::string::npos);
  EXPECT_NE(detail.body.find("\"draft\""), std::string::npos) << "the draft was lost: " << detail.body;
  EXPECT_EQ(call("GET", "/api/plans/" + plan + "/export?format=json", organiser).body, exported);
  EXPECT_EQ(call("GET", "/api/plans/" + plan + "/export?format=json&version=1", organiser).body.find("December: "), std::string::npos);
  const auto run = call("GET", "/api/runs/" + code, ana_session);
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(number(run.body, "planVersion"), 2);
  EXPECT_EQ(field(run.body, "date"), "2026-12-03");

  // The day: two people join; the run cannot be erased while open; closed, it can, and its
  // figures stay.
  auto zeb = join(code, "Zebedee Quartermaine", "zq@example.org");
  auto sor = join(code, "Soren Aero", "sa@example.org");
  EXPECT_EQ(call("POST", "/api/runs/" + code + "/erase", organiser).status, 409);
  auto dashboard_address = address_;
  dashboard_address.cookie = "dyad_session=" + ana_session;
  auto dashboard = await(connection::open(runtime_, dashboard_address, code), "open");
  ASSERT_TRUE(await(dashboard->attach_facilitator(""), "attach").has_facilitator_snapshot());
  ASSERT_TRUE(ask(*dashboard, close_workshop()).has_ack());
  const auto before = call("GET", "/api/workshops/" + code + "/statistics", organiser).body;
  EXPECT_NE(before.find("\"2026-12-03\""), std::string::npos) << "the report does not give the day the run was planned for: " << before;
  const auto erased = call("POST", "/api/runs/" + code + "/erase", organiser);
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_GT(number(erased.body, "erasedMs"), 0);
  EXPECT_EQ(number(erased.body, "participants"), 2);
  EXPECT_EQ(field(erased.body, "stage"), "closed");
  EXPECT_EQ(call("GET", "/api/workshops/" + code + "/statistics", organiser).body, before);
}

}  // namespace
}  // namespace dyad::test
