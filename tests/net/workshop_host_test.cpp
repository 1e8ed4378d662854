// The workshop host in process: a real io_context on a thread of its own, the store worker over
// an event log kept in memory that the test can make fail or hold, and fake connections that
// collect every frame they are sent. Nothing sleeps: every wait is on the event itself, with a
// deadline.

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/plan_loader.hpp"
#include "core/workshop.hpp"
#include "dyad/v1/wire.pb.h"
#include "net/metrics.hpp"
#include "net/peer.hpp"
#include "net/public_url.hpp"
#include "net/secrets.hpp"
#include "net/store_worker.hpp"
#include "net/workshop_host.hpp"
#include "net/workshop_views.hpp"
#include "store/event_log.hpp"

namespace dyad::net {
namespace {

namespace v1 = dyad::v1;
using namespace std::chrono_literals;

/// How long a test waits for any one thing before it fails.
constexpr auto deadline = 10s;

/// An event log in memory. It keeps what is appended, in order; it can be told to fail the next
/// append (writing nothing, as a real log promises), and to hold appends until released, as a
/// slow disk would. Thread-safe: the store worker's thread appends, the test inspects.
class memory_log final : public store::event_log {
public:
  store::result<std::uint64_t> append(const std::string& code, std::span<const v1::WorkshopEvent> events) override {
    std::unique_lock lock(mutex_);
    ++appends_waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !holding_; });
    --appends_waiting_;
    if (fail_next_) {
      fail_next_ = false;
      ++failed_;
      return core::make_error(core::errc::unavailable, "The test's disk refused the write.");
    }
    auto& log = logs_[code];
    log.insert(log.end(), events.begin(), events.end());
    ++appends_[code];
    changed_.notify_all();
    return static_cast<std::uint64_t>(log.size());
  }

  store::result<std::vector<v1::WorkshopEvent>> load(const std::string& code) override {
    std::lock_guard lock(mutex_);
    return logs_[code];
  }

  store::result<std::vector<std::string>> workshop_codes(bool) override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> codes;
    for (const auto& [code, events] : logs_) codes.push_back(code);
    return codes;
  }

  store::status erase_personal_data(const std::string& code, std::int64_t at_ms) override {
    std::lock_guard lock(mutex_);
    const auto it = logs_.find(code);
    if (it == logs_.end()) return core::make_error(core::errc::not_found, "The test's log holds no workshop " + code + ".");
    auto erased = core::erase_personal_data(it->second, at_ms);
    if (!erased) return erased.err();
    it->second = std::move(*erased);
    return core::ok();
  }

  store::status healthy() override { return core::ok(); }

  void fail_next_append() {
    std::lock_guard lock(mutex_);
    fail_next_ = true;
  }
  void hold_appends() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  void release_appends() {
    std::lock_guard lock(mutex_);
    holding_ = false;
    changed_.notify_all();
  }
  /// Waits until an append is held: the workshop's commit gate is then closed.
  bool wait_for_held_append() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return holding_ && appends_waiting_ > 0; });
  }
  std::vector<v1::WorkshopEvent> events(const std::string& code) {
    std::lock_guard lock(mutex_);
    return logs_[code];
  }
  int failed() {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  /// How many appends stored this workshop's events.
  unsigned appends(const std::string& code) {
    std::lock_guard lock(mutex_);
    return appends_[code];
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<v1::WorkshopEvent>> logs_;
  std::map<std::string, unsigned> appends_;
  bool fail_next_ = false;
  bool holding_ = false;
  int appends_waiting_ = 0;
  int failed_ = 0;
};

/// A connection as the host sees it: it collects every frame, parsed, and lets the test wait
/// for the one it expects.
class fake_peer final : public peer {
public:
  explicit fake_peer(std::uint64_t id) : id_(id) {}

  void deliver(std::shared_ptr<const std::string> frame) override { keep(*frame); }
  void close_after(std::shared_ptr<const std::string> last_frame) override { keep(*last_frame); }
  std::uint64_t id() const noexcept override { return id_; }

  /// The first message from `from` on that satisfies `wanted`; fails the test after the deadline.
  v1::ServerMessage wait_for(const std::function<bool(const v1::ServerMessage&)>& wanted, const std::string& what,
                             std::size_t from = 0) {
    std::unique_lock lock(mutex_);
    v1::ServerMessage found;
    const bool ok = arrived_.wait_for(lock, deadline, [&] {
      for (std::size_t i = from; i < messages_.size(); ++i)
        if (wanted(messages_[i])) {
          found = messages_[i];
          return true;
        }
      return false;
    });
    if (!ok) ADD_FAILURE() << "connection " << id_ << " was never sent " << what << "; it was sent:\n" << dump(from);
    return found;
  }

  /// The one answer to request `rid` (a message of that request_id).
  v1::ServerMessage answer_to(std::uint64_t rid) {
    return wait_for([rid](const v1::ServerMessage& m) { return m.request_id() == rid; },
                    "an answer to request " + std::to_string(rid));
  }

  /// Waits until `count` answers (messages with a request_id) have arrived.
  void wait_for_answers(std::size_t count) {
    std::unique_lock lock(mutex_);
    const bool ok = arrived_.wait_for(lock, deadline, [&] { return answers() >= count; });
    if (!ok) ADD_FAILURE() << "connection " << id_ << " got " << answers() << " answers, not " << count << ":\n" << dump(0);
  }

  std::vector<v1::ServerMessage> messages(std::size_t from = 0) {
    std::lock_guard lock(mutex_);
    return {messages_.begin() + static_cast<std::ptrdiff_t>(std::min(from, messages_.size())), messages_.end()};
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
private:
  void keep(const std::string& frame) {
    v1::ServerMessage m;
    const bool parsed = m.ParseFromString(frame);
    std::lock_guard lock(mutex_);
    EXPECT_TRUE(parsed) << "connection " << id_ << " was sent a frame that is not a ServerMessage";
    messages_.push_back(std::move(m));
    arrived_.notify_all();
  }
  std::size_t answers() const {
    return static_cast<std::size_t>(
        std::count_if(messages_.begin(), messages_.end(), [](const v1::ServerMessage& m) { return m.request_id() != 0; }));
  }
  std::string dump(std::size_t from) const {
    std::string out;
    for (std::size_t i = from; i < messages_.size(); ++i) out += "  " + messages_[i].ShortDebugString() + "\n";
    return out.empty() ? "  (nothing)\n" : out;
  }

  const std::uint64_t id_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<v1::ServerMessage> messages_;
};

/// A request of this id, its kind filled in by `fill`.
v1::ClientMessage request(std::uint64_t rid, const std::function<void(v1::ClientMessage&)>& fill) {
  v1::ClientMessage m;
  m.set_request_id(rid);
  fill(m);
  return m;
}

v1::ClientMessage join(std::uint64_t rid, const std::string& name) {
  return request(rid, [&](v1::ClientMessage& m) { m.mutable_join()->set_display_name(name); });
}

v1::ClientMessage attach(std::uint64_t rid, const std::string& token) {
  return request(rid, [&](v1::ClientMessage& m) { m.mutable_attach()->set_facilitator_token(token); });
}

v1::ClientMessage launch(std::uint64_t rid, const std::string& exercise_id,
                         const google::protobuf::RepeatedPtrField<v1::Group>& groups = {}) {
  return request(rid, [&](v1::ClientMessage& m) {
    m.mutable_launch_round()->set_exercise_id(exercise_id);
    *m.mutable_launch_round()->mutable_groups() = groups;
  });
}

v1::ClientMessage broadcast(std::uint64_t rid, const std::string& text) {
  return request(rid, [&](v1::ClientMessage& m) { m.mutable_broadcast()->set_text(text); });
}

bool is_error(const v1::ServerMessage& m, v1::ErrorCode code) { return m.has_error() && m.error().code() == code; }

/// A plain sentence a person can read: words, ending with a full stop.
bool plain_sentence(const std::string& text) { return text.size() > 20 && text.back() == '.' && text.find(' ') != std::string::npos; }

std::size_t count_kind(const std::vector<v1::WorkshopEvent>& events, v1::WorkshopEvent::KindCase kind) {
  return static_cast<std::size_t>(
      std::count_if(events.begin(), events.end(), [&](const v1::WorkshopEvent& e) { return e.kind_case() == kind; }));
}

constexpr const char* the_exercise = "naming-the-strain";

class WorkshopHost : public ::testing::Test {
protected:
  /// Creates the workshop (its creation stored, as the registry stores it) and hosts it with a
  /// queue of `queue_limit` jobs.
  void start(std::size_t queue_limit = workshop_host::max_queued_requests) {
    auto loaded = core::load_plan_file(std::string(DYAD_TEST_DATA_DIR) + "/plans/valid.textproto");
    ASSERT_TRUE(loaded.ok()) << "the test plan does not load";
    auto created = core::workshop::create(clock_, *loaded.plan, code_, 7, 11, sha256(facilitator_token_));
    ASSERT_TRUE(created.ok()) << created.err().message;
    auto owned = std::make_unique<memory_log>();
    log_ = owned.get();
    ASSERT_TRUE(log_->append(code_, created->second).ok());
    store_ = std::make_unique<store_worker>(std::move(owned), metrics_);
    links_.base = "http://127.0.0.1:8080";
    host_ = std::make_shared<workshop_host>(ioc_, *store_, metrics_, clock_, std::move(created->first), clock_.now(),
                                            links_, queue_limit);
    host_->start();
    io_thread_ = std::thread([this] { ioc_.run(); });
  }

  void TearDown() override {
    if (!host_) return;
    log_->release_appends();
    host_->shutdown("The test is over.");
    store_->stop();
    work_.reset();
    io_thread_.join();
  }

  /// A new connection, attached to the host.
  std::shared_ptr<fake_peer> connect() {
    auto p = std::make_shared<fake_peer>(++last_peer_id_);
    host_->attach(p);
    return p;
  }

  /// A connection that has attached as the facilitator.
  std::shared_ptr<fake_peer> facilitator() {
    auto f = connect();
    host_->handle(f->id(), attach(1, facilitator_token_));
    const auto answer = f->answer_to(1);
    EXPECT_TRUE(answer.has_facilitator_snapshot()) << answer.ShortDebugString();
    return f;
  }

  /// A connection that has joined as a participant of this name.
  std::shared_ptr<fake_peer> participant(const std::string& name) {
    auto p = connect();
    host_->handle(p->id(), join(1, name));
    const auto answer = p->answer_to(1);
    EXPECT_TRUE(answer.has_participant_snapshot()) << answer.ShortDebugString();
    return p;
  }

  /// Runs `fn` on the workshop's strand in order with requests, and waits for it to have run.
  void inspect(const std::function<void(const core::workshop&)>& fn) {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    host_->inspect([&](const core::workshop& w) {
      fn(w);
      std::lock_guard lock(m);
      done = true;
      cv.notify_all();
    });
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, deadline, [&] { return done; })) << "the host never ran the inspection";
  }

  /// The facilitator's snapshot of the workshop the host holds, and of one replayed from the log:
  /// equal when memory holds exactly what the log holds.
  std::pair<std::string, std::string> memory_and_log() {
    std::string in_memory;
    inspect([&](const core::workshop& w) { in_memory = facilitator_snapshot(w, links_).SerializeAsString(); });
    auto replayed = core::workshop::replay(clock_, log_->events(code_), 11);
    EXPECT_TRUE(replayed.ok()) << replayed.err().message;
    return {in_memory, replayed ? facilitator_snapshot(*replayed, links_).SerializeAsString() : std::string{}};
  }

  const std::string code_ = "TEST-2345";
  const std::string facilitator_token_ = "the-facilitators-own-secret";
  // Fixed: the host reads it on its strand, the test never moves it.
  core::manual_clock clock_;
  metrics metrics_;
  public_links links_;
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{ioc_.get_executor()};
  memory_log* log_ = nullptr;
  std::unique_ptr<store_worker> store_;
  std::shared_ptr<workshop_host> host_;
  std::thread io_thread_;
  std::uint64_t last_peer_id_ = 0;
};

// The dashboard's roster says two are on it, whole or as the changes since the last.
bool roster_of_two(const v1::ServerMessage& m) {
  return (m.has_roster() && m.roster().entries_size() == 2) ||
         (m.has_roster_changes() && m.roster_changes().total() == 2);
}

TEST_F(WorkshopHost, JoinAttachAndLaunchARoundAreAnsweredAndStored) {
  start();
  auto f = facilitator();
  auto ada = participant("Ada");
  auto ben = participant("Ben");
  // The dashboard hears of both.
  f->wait_for([](const v1::ServerMessage& m) { return roster_of_two(m); }, "a roster of Ada and Ben");

  host_->handle(f->id(), request(2, [](v1::ClientMessage& m) { m.mutable_preview_round()->set_exercise_id(the_exercise); }));
  const auto previewed = f->answer_to(2);
  ASSERT_TRUE(previewed.has_round_preview()) << previewed.ShortDebugString();
  ASSERT_EQ(previewed.round_preview().groups_size(), 1) << previewed.ShortDebugString();
  EXPECT_EQ(previewed.round_preview().groups(0).members_size(), 2);

  const auto ada_from = ada->count();
  host_->handle(f->id(), launch(3, the_exercise, previewed.round_preview().groups()));
  const auto launched = f->answer_to(3);
  EXPECT_TRUE(launched.has_ack()) << launched.ShortDebugString();

  const auto card = ada->wait_for([](const v1::ServerMessage& m) { return m.has_assignment(); }, "an assignment", ada_from);
  EXPECT_EQ(card.assignment().round(), 1u);
  EXPECT_EQ(card.assignment().room(), previewed.round_preview().groups(0).room());
  ASSERT_EQ(card.assignment().partner_names_size(), 1) << card.ShortDebugString();
  EXPECT_EQ(card.assignment().partner_names(0), "Ben");
  ben->wait_for([](const v1::ServerMessage& m) { return m.has_assignment() && m.assignment().round() == 1; },
                "an assignment for round 1");
  f->wait_for([](const v1::ServerMessage& m) { return m.has_group_statuses() && m.group_statuses().round() == 1; },
              "the round's group statuses");

  const auto stored = log_->events(code_);
  EXPECT_EQ(count_kind(stored, v1::WorkshopEvent::kJoined), 2u);
  ASSERT_EQ(count_kind(stored, v1::WorkshopEvent::kRoundLaunched), 1u);
  EXPECT_EQ(stored.back().round_launched().groups_size(), 1);
  const auto [memory, log] = memory_and_log();
  EXPECT_EQ(memory, log) << "the workshop in memory is not the one the log holds";
}

TEST_F(WorkshopHost, ParticipantsCannotMakeTheFacilitatorsRequests) {
  start();
  auto f = facilitator();
  auto ada = participant("Ada");
  const auto stored_before = log_->events(code_).size();

  host_->handle(ada->id(), launch(2, the_exercise));
  const auto refused = ada->answer_to(2);
  ASSERT_TRUE(is_error(refused, v1::ERROR_CODE_FORBIDDEN)) << refused.ShortDebugString();
  EXPECT_TRUE(plain_sentence(refused.error().message())) << refused.error().message();

  // Nor the other way round; and a stranger who has not greeted may do nothing at all.
  host_->handle(f->id(), request(2, [](v1::ClientMessage& m) { m.mutable_done(); }));
  const auto also_refused = f->answer_to(2);
  EXPECT_TRUE(is_error(also_refused, v1::ERROR_CODE_FORBIDDEN)) << also_refused.ShortDebugString();
  auto stranger = connect();
  host_->handle(stranger->id(), broadcast(1, "hello"));
  const auto unknown = stranger->answer_to(1);
  EXPECT_TRUE(is_error(unknown, v1::ERROR_CODE_UNAUTHORIZED)) << unknown.ShortDebugString();

  // Answered after the refusals, in order: nothing was stored for them.
  inspect([](const core::workshop& w) { EXPECT_EQ(w.round_number(), 0u); });
  EXPECT_EQ(log_->events(code_).size(), stored_before);
}

TEST_F(WorkshopHost, AFailedCommitIsRefusedPublishedToNoOneAndUndone) {
  start();
  auto f = facilitator();
  auto ada = participant("Ada");
  auto ben = participant("Ben");
  f->wait_for([](const v1::ServerMessage& m) { return roster_of_two(m); }, "a roster of Ada and Ben");
  const auto ada_from = ada->count();
  const auto ben_from = ben->count();
  const auto f_from = f->count();
  const auto stored_before = log_->events(code_).size();

  log_->fail_next_append();
  host_->handle(f->id(), launch(2, the_exercise));
  const auto refused = f->answer_to(2);
  ASSERT_TRUE(is_error(refused, v1::ERROR_CODE_UNAVAILABLE)) << refused.ShortDebugString();
  EXPECT_TRUE(plain_sentence(refused.error().message())) << refused.error().message();
  EXPECT_EQ(log_->failed(), 1);
  EXPECT_EQ(metrics_.store_failures_total.load(), 1u);

  // Queued behind the rebuild: memory holds what the log holds, with no round launched.
  const auto [memory, log] = memory_and_log();
  EXPECT_EQ(memory, log) << "the workshop in memory was not rebuilt from the log";
  inspect([](const core::workshop& w) { EXPECT_EQ(w.round_number(), 0u); });
  EXPECT_EQ(log_->events(code_).size(), stored_before);

  // Nobody heard of the round that was not stored: no card, no groups, no clock running. (After
  // the rebuild pages are shown the workshop as stored, which has no round.)
  for (const auto& [who, from] : {std::pair{ada, ada_from}, std::pair{ben, ben_from}})
    for (const auto& m : who->messages(from)) {
      EXPECT_FALSE(m.has_assignment() && !m.assignment().room().empty()) << m.ShortDebugString();
      EXPECT_FALSE(m.has_phase() && m.phase().round() != 0) << m.ShortDebugString();
      EXPECT_EQ(m.request_id(), 0u) << m.ShortDebugString();
    }
  for (const auto& m : f->messages(f_from)) {
    if (m.request_id() == 2) continue;
    EXPECT_FALSE(m.has_group_statuses()) << m.ShortDebugString();
    EXPECT_FALSE(m.has_phase() && m.phase().round() != 0) << m.ShortDebugString();
  }

  // The next request is served as if nothing had happened.
  host_->handle(f->id(), launch(3, the_exercise));
  const auto launched = f->answer_to(3);
  EXPECT_TRUE(launched.has_ack()) << launched.ShortDebugString();
  ada->wait_for([](const v1::ServerMessage& m) { return m.has_assignment() && m.assignment().round() == 1; },
                "an assignment for round 1", ada_from);
  EXPECT_EQ(count_kind(log_->events(code_), v1::WorkshopEvent::kRoundLaunched), 1u);
  const auto [memory_after, log_after] = memory_and_log();
  EXPECT_EQ(memory_after, log_after);
}

TEST_F(WorkshopHost, AFullQueueRefusesTheExcessAtOnceAndAnswersTheRestInOrder) {
  constexpr std::size_t limit = 4;
  constexpr std::uint64_t sent = 10;
  start(limit);
  auto f = facilitator();

  // A slow disk: the first broadcast's commit is held. The next `limit` are gathered for the
  // commit after it, `limit` more wait in the queue, and the rest find it full.
  const auto appends_before = log_->appends(code_);
  log_->hold_appends();
  host_->handle(f->id(), broadcast(100, "Message 0"));
  ASSERT_TRUE(log_->wait_for_held_append()) << "the first broadcast never reached the store";
  for (std::uint64_t i = 1; i <= sent; ++i) host_->handle(f->id(), broadcast(100 + i, "Message " + std::to_string(i)));

  // The excess is refused while the store still holds the first: at once, not dropped; and no
  // one whose change is not stored yet has been acknowledged.
  f->wait_for_answers(1 + (sent - 2 * limit));
  for (const auto& m : f->messages()) EXPECT_FALSE(m.has_ack() && m.request_id() >= 100) << m.ShortDebugString();
  for (std::uint64_t rid = 101 + 2 * limit; rid <= 100 + sent; ++rid) {
    const auto refused = f->answer_to(rid);
    ASSERT_TRUE(is_error(refused, v1::ERROR_CODE_UNAVAILABLE)) << refused.ShortDebugString();
    EXPECT_TRUE(plain_sentence(refused.error().message())) << refused.error().message();
  }

  log_->release_appends();
  f->wait_for_answers(1 + sent + 1);  // the attach, then every broadcast
  std::vector<std::uint64_t> acked;
  std::map<std::uint64_t, int> answers;
  for (const auto& m : f->messages()) {
    if (m.request_id() >= 100) ++answers[m.request_id()];
    if (m.has_ack()) acked.push_back(m.request_id());
  }
  for (std::uint64_t rid = 100; rid <= 100 + sent; ++rid) EXPECT_EQ(answers[rid], 1) << "request " << rid;
  const std::vector<std::uint64_t> in_order{100, 101, 102, 103, 104, 105, 106, 107, 108};
  EXPECT_EQ(acked, in_order) << "the accepted requests were not answered, in order, once each";

  std::vector<std::string> stored;
  for (const auto& e : log_->events(code_))
    if (e.has_broadcast_sent()) stored.push_back(e.broadcast_sent().text());
  std::vector<std::string> expected;
  for (int i = 0; i <= 8; ++i) expected.push_back("Message " + std::to_string(i));
  EXPECT_EQ(stored, expected);
  EXPECT_EQ(log_->appends(code_) - appends_before, 3u)
      << "not stored as the first, then the four gathered while it was written, then the four that waited";
  inspect([](const core::workshop& w) {
    ASSERT_TRUE(w.current_broadcast().has_value());
    EXPECT_EQ(w.current_broadcast()->text(), "Message 8");
  });
  const auto [memory, log] = memory_and_log();
  EXPECT_EQ(memory, log);
}

TEST_F(WorkshopHost, ConnectionsDroppingTogetherAreOneStoredChangeAndResumesAreNeverRefused) {
  constexpr std::size_t limit = 4;
  start(limit);
  std::vector<std::shared_ptr<fake_peer>> people;
  std::vector<std::string> tokens, ids;
  for (int i = 0; i < 12; ++i) {
    auto p = connect();
    host_->handle(p->id(), join(1, "Person " + std::to_string(i)));
    const auto answer = p->answer_to(1);
    ASSERT_TRUE(answer.has_participant_snapshot()) << answer.ShortDebugString();
    tokens.push_back(answer.participant_snapshot().resume_token());
    ids.push_back(answer.participant_snapshot().participant_id());
    people.push_back(std::move(p));
  }
  auto f = facilitator();
  const auto presence_events = [&] { return count_kind(log_->events(code_), v1::WorkshopEvent::kPresence); };

  // The venue's network drops while the disk is slow: every connection closes at once.
  log_->hold_appends();
  host_->handle(f->id(), broadcast(50, "Hold on"));
  ASSERT_TRUE(log_->wait_for_held_append());
  for (const auto& p : people) host_->detach(p->id());
  // A Ping is answered while the commit is held, ahead of the queue.
  host_->handle(f->id(), request(51, [](v1::ClientMessage& m) { m.mutable_ping()->set_client_ms(7); }));
  EXPECT_TRUE(f->answer_to(51).has_pong());
  log_->release_appends();
  f->wait_for([&](const v1::ServerMessage& m) { return m.has_roster_changes() && m.roster_changes().entries_size() == 12; },
              "one change naming the twelve who dropped");
  inspect([&](const core::workshop& w) { EXPECT_EQ(w.people().count(v1::PRESENCE_DISCONNECTED), 12u); });
  EXPECT_EQ(presence_events(), 1u) << "twelve disconnections were stored as more than one event";

  // Everyone comes back at once, more than the queue holds: every resume is served.
  std::vector<std::shared_ptr<fake_peer>> back;
  for (std::size_t i = 0; i < people.size(); ++i) {
    auto p = connect();
    host_->handle(p->id(), request(2, [&](v1::ClientMessage& m) { m.mutable_resume()->set_resume_token(tokens[i]); }));
    back.push_back(std::move(p));
  }
  for (std::size_t i = 0; i < back.size(); ++i) {
    const auto answer = back[i]->answer_to(2);
    ASSERT_TRUE(answer.has_participant_snapshot()) << answer.ShortDebugString();
    EXPECT_EQ(answer.participant_snapshot().participant_id(), ids[i]);
  }
  inspect([&](const core::workshop& w) { EXPECT_EQ(w.people().count(v1::PRESENCE_PRESENT), 12u); });
  EXPECT_LE(presence_events(), 1u + 4u) << "the returns were not stored together";
  const auto [memory, log] = memory_and_log();
  EXPECT_EQ(memory, log);
}

TEST_F(WorkshopHost, ARetriedFeedbackIsNotAcknowledgedBeforeTheFirstIsStored) {
  start();
  auto f = facilitator();
  auto ada = participant("Ada");
  host_->handle(f->id(), request(2, [](v1::ClientMessage& m) { m.mutable_open_feedback(); }));
  ASSERT_TRUE(f->answer_to(2).has_ack());
  const auto submit = [](std::uint64_t rid) {
    return request(rid, [](v1::ClientMessage& m) {
      m.mutable_submit_feedback()->set_submission_id("first-and-only");
      auto* a = m.mutable_submit_feedback()->mutable_response()->add_answers();
      a->set_question_id("overall");
      a->set_option_id("good");
    });
  };
  log_->hold_appends();
  host_->handle(ada->id(), submit(10));
  ASSERT_TRUE(log_->wait_for_held_append());
  host_->handle(ada->id(), submit(11));  // the page resends, its first answer not yet come
  host_->handle(ada->id(), request(12, [](v1::ClientMessage& m) { m.mutable_ping()->set_client_ms(1); }));
  EXPECT_TRUE(ada->answer_to(12).has_pong()) << "the Ping waited for the disk";
  for (const auto& m : ada->messages())
    EXPECT_FALSE(m.has_ack()) << "acknowledged before anything was stored: " << m.ShortDebugString();
  log_->release_appends();
  EXPECT_TRUE(ada->answer_to(10).has_ack());
  EXPECT_TRUE(ada->answer_to(11).has_ack());
}

TEST_F(WorkshopHost, NoRosterIsBuiltWithoutADashboardAndTheOneAttachingGetsItWhole) {
  start();
  std::vector<std::shared_ptr<fake_peer>> people;
  for (int i = 0; i < 5; ++i) people.push_back(participant("Person " + std::to_string(i)));
  for (const auto& p : people)
    for (const auto& m : p->messages()) EXPECT_FALSE(m.has_roster() || m.has_roster_changes()) << m.ShortDebugString();
  auto f = facilitator();
  const auto snapshot = f->answer_to(1);
  EXPECT_EQ(snapshot.facilitator_snapshot().roster().entries_size(), 5);
  // Later changes come as changes: the newcomer alone, with the total.
  auto late = participant("Late");
  const auto change = f->wait_for([](const v1::ServerMessage& m) { return m.has_roster_changes(); }, "a roster change");
  ASSERT_EQ(change.roster_changes().entries_size(), 1) << change.ShortDebugString();
  EXPECT_EQ(change.roster_changes().entries(0).shown_name(), "Late");
  EXPECT_EQ(change.roster_changes().total(), 6u);
}

TEST_F(WorkshopHost, TwoBroadcastsInTheSameMillisecondAreBothShown) {
  start();  // the clock stands still: both are sent at one instant
  auto f = facilitator();
  auto ada = participant("Ada");
  host_->handle(f->id(), broadcast(2, "Back at ten past"));
  ASSERT_TRUE(f->answer_to(2).has_ack());
  host_->handle(f->id(), broadcast(3, "Back at quarter past"));
  ASSERT_TRUE(f->answer_to(3).has_ack());
  const auto second = ada->wait_for(
      [](const v1::ServerMessage& m) { return m.has_broadcast() && m.broadcast().text() == "Back at quarter past"; },
      "the second broadcast");
  EXPECT_EQ(second.broadcast().sent_ms(), clock_.now());
}

}  // namespace
}  // namespace dyad::net
