#pragma once

// The fixture the server tests share: a real dyad-server per test, driven through the client
// library.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dyad_client.hpp"
#include "net/net_test_support.hpp"
#include "net/server_process.hpp"

namespace dyad::test {

namespace v1 = dyad::v1;
using client::connection;

/// A real dyad-server on an ephemeral port and a fresh data folder, per test, with helpers to
/// drive it through the client library.
class server_fixture : public ::testing::Test {
protected:
  void SetUp() override { start(); }

  /// Starts the server (again) on `data`, by default the test's own data folder.
  void start(std::vector<std::string> extra = {}, std::filesystem::path data = {}) {
    if (data.empty()) data = dir_.path() / "data";
    server_ = std::make_unique<server_process>(data, std::move(extra));
    address_.host = "127.0.0.1";
    address_.port = server_->port();
  }

  /// Stops the server and checks that it exited cleanly.
  void stop_cleanly() {
    const int status = server_->stop();
    EXPECT_EQ(status, 0) << "dyad-server did not exit 0 on SIGTERM; logs:\n" << server_->logs();
    server_.reset();
  }

  void TearDown() override {
    if (server_) stop_cleanly();
  }

  client::http_api http() const { return client::http_api(address_); }

  v1::CreateWorkshopResponse create_workshop(const std::string& plan_text = valid_plan()) {
    client::client_error error;
    auto created = http().create_workshop(plan_text, false, server_process::admin_token, &error);
    if (!created) throw std::runtime_error("create_workshop failed: " + error.message);
    return *created;
  }

  std::shared_ptr<connection> open(const std::string& code) { return await(connection::open(runtime_, address_, code), "open"); }

  /// A connected participant with its join answer.
  struct participant {
    std::shared_ptr<connection> link;
    v1::ParticipantSnapshot snapshot;
    const std::string& id() const { return snapshot.participant_id(); }
    const std::string& name() const { return snapshot.shown_name(); }
  };
  participant join(const std::string& code, const std::string& name, const std::string& email = {}) {
    auto link = open(code);
    auto answer = await(link->join(name, email), "join as " + name);
    if (!answer.has_participant_snapshot()) throw std::runtime_error("join of " + name + " refused: " + describe(answer));
    return {link, answer.participant_snapshot()};
  }

  std::shared_ptr<connection> attach(const v1::CreateWorkshopResponse& w) {
    auto link = open(w.code());
    auto answer = await(link->attach_facilitator(w.facilitator_token()), "attach");
    if (!answer.has_facilitator_snapshot()) throw std::runtime_error("attach refused: " + describe(answer));
    return link;
  }

  /// A workshop with its facilitator attached and these people in a launched round of `exercise`.
  struct live_round {
    v1::CreateWorkshopResponse workshop;
    std::shared_ptr<connection> facilitator;
    std::vector<participant> people;
  };
  live_round start_round(std::initializer_list<const char*> names, const std::string& exercise) {
    live_round r{create_workshop(), {}, {}};
    r.facilitator = attach(r.workshop);
    for (const char* name : names) r.people.push_back(join(r.workshop.code(), name));
    auto launched = ask(*r.facilitator, launch(exercise));
    if (!launched.has_ack()) throw std::runtime_error("launch refused: " + describe(launched));
    return r;
  }

  /// SIGKILL, then a fresh start on the same data folder: what was acknowledged must be there.
  void kill_and_restart() {
    server_->kill();
    server_.reset();
    start();
  }

  static v1::ServerMessage ask(connection& link, v1::ClientMessage m) { return await(link.request(std::move(m)), "request"); }

  static v1::ClientMessage launch(const std::string& exercise) {
    v1::ClientMessage m;
    m.mutable_launch_round()->set_exercise_id(exercise);
    return m;
  }
  static v1::ClientMessage open_feedback() {
    v1::ClientMessage m;
    m.mutable_open_feedback();
    return m;
  }
  static v1::ClientMessage close_workshop() {
    v1::ClientMessage m;
    m.mutable_close_workshop();
    return m;
  }
  static v1::ClientMessage ping(std::int64_t client_ms) {
    v1::ClientMessage m;
    m.mutable_ping()->set_client_ms(client_ms);
    return m;
  }

  static v1::FeedbackResponse response(const std::string& overall) {
    v1::FeedbackResponse r;
    auto* a = r.add_answers();
    a->set_question_id("overall");
    a->set_option_id(overall);
    return r;
  }

  /// A counter from /metrics; throws when it is missing.
  std::uint64_t metric(const std::string& name) {
    auto [status, body] = http().get("/metrics");
    if (status != 200) throw std::runtime_error("/metrics answered " + std::to_string(status) + ": " + body);
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line))
      if (line.rfind(name + ' ', 0) == 0) return std::stoull(line.substr(name.size() + 1));
    throw std::runtime_error("no " + name + " in /metrics:\n" + body);
  }

  temp_dir dir_;
  std::unique_ptr<server_process> server_;
  client::server_address address_;
  client::client_runtime runtime_{2};
};

}  // namespace dyad::test
