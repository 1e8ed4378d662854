// `dyad bench` (the load generator of deploy/bench-load.sh) in its smallest form against the real
// dyad-server on an ephemeral port: every scenario runs to the end and reports its figures, so
// that the benchmark cannot quietly stop working as the protocol and the server change.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "net/server_process.hpp"

namespace dyad::test {
namespace {

std::string shown(const cli_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

/// The "name value" lines `dyad bench` prints.
std::map<std::string, double> figures(const std::string& out) {
  std::map<std::string, double> result;
  std::istringstream lines(out);
  std::string name;
  double value = 0;
  while (lines >> name >> value) result[name] = value;
  return result;
}

class LoadBench : public ::testing::Test {
protected:
  void SetUp() override {
    // Hundreds of connections from a handful of addresses in a second: the default per-address
    // limit of upgrades would refuse most of them.
    server_ = std::make_unique<server_process>(dir_.path() / "data", std::vector<std::string>{"--ws-connect-rate", "100000"});
  }

  cli_result bench(const std::vector<std::string>& scenario_args) {
    std::vector<std::string> args{"bench",
                                  "--target", "ws://127.0.0.1:" + std::to_string(server_->port()),
                                  "--admin-token", server_process::admin_token,
                                  "--plan", std::string(DYAD_SOURCE_DIR) + "/deploy/demo/ruptures-one-day.textproto",
                                  "--server-pid", std::to_string(server_->pid()),
                                  "--deadline", "15"};
    args.insert(args.end(), scenario_args.begin(), scenario_args.end());
    return run_dyad(args);
  }

  temp_dir dir_;
  std::unique_ptr<server_process> server_;
};

TEST_F(LoadBench, HoldAnswersEveryJoinAndDeliversEveryBroadcast) {
  const auto r = bench({"--scenario", "hold", "--participants", "300", "--broadcasts", "3"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  auto f = figures(r.out);
  EXPECT_EQ(f["joined"], 300) << shown(r);
  EXPECT_EQ(f["broadcast_delivered_fraction"], 1) << shown(r);
  EXPECT_EQ(f["facilitator_connected"], 1) << shown(r);
  for (const char* name : {"joins_per_s", "rss_kib_per_participant", "broadcast_p50_ms", "broadcast_p99_ms",
                           "broadcast_last_ms", "cpu_ms_per_1k_deliveries"})
    EXPECT_TRUE(f.contains(name)) << name << " missing\n" << shown(r);
  EXPECT_GT(f["joins_per_s"], 0) << shown(r);
  EXPECT_GT(f["broadcast_p99_ms"], 0) << shown(r);
}

TEST_F(LoadBench, FeedbackBurstIsAcknowledgedInFull) {
  const auto r = bench({"--scenario", "feedback", "--participants", "100"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  auto f = figures(r.out);
  EXPECT_EQ(f["acked"], 100) << shown(r);
  EXPECT_GT(f["acks_per_s"], 0) << shown(r);
  EXPECT_TRUE(f.contains("ack_p99_ms")) << shown(r);
}

TEST_F(LoadBench, AfterAMassDisconnectANewcomerAndAReturnerAreServed) {
  const auto r = bench({"--scenario", "churn", "--participants", "200"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  auto f = figures(r.out);
  EXPECT_TRUE(f.contains("join_after_disconnect_ms")) << shown(r);
  EXPECT_TRUE(f.contains("resume_after_disconnect_ms")) << shown(r);
  EXPECT_EQ(f["facilitator_connected"], 1) << shown(r);
}

TEST_F(LoadBench, SlowReadersLeaveTheOthersTheirBroadcasts) {
  const auto r = bench({"--scenario", "slow", "--participants", "100", "--slow", "2", "--duration", "1"});
  ASSERT_EQ(r.exit_code, 0) << shown(r);
  auto f = figures(r.out);
  EXPECT_TRUE(f.contains("broadcast_p99_ms")) << shown(r);
  EXPECT_TRUE(f.contains("rss_growth_mib")) << shown(r);
}

}  // namespace
}  // namespace dyad::test
