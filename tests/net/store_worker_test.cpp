// The store worker against a real SQLite file in a fresh temporary folder: appends queued
// together are committed together, and reads run beside the writer, not behind it.

#include "net/store_worker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/metrics.hpp"
#include "store/sqlite_event_log.hpp"

namespace dyad::net {
namespace {

namespace fs = std::filesystem;
namespace v1 = dyad::v1;

constexpr auto deadline = std::chrono::seconds(30);

v1::WorkshopEvent created(const std::string& code) {
  v1::WorkshopEvent e;
  e.mutable_created()->set_code(code);
  e.mutable_created()->mutable_plan()->set_title("Practice day");
  e.mutable_created()->set_at_ms(1'700'000'000'000);
  return e;
}

v1::WorkshopEvent feedback_open() {
  v1::WorkshopEvent e;
  e.mutable_lifecycle()->set_lifecycle(v1::LIFECYCLE_FEEDBACK);
  e.mutable_lifecycle()->set_at_ms(1'700'000'100'000);
  return e;
}

v1::WorkshopEvent feedback(const std::string& participant, std::uint64_t key) {
  v1::WorkshopEvent e;
  auto* f = e.mutable_feedback_submitted();
  f->set_participant_id(participant);
  f->set_submission_id("s-" + participant);
  f->set_response_key(key);
  auto* a = f->mutable_response()->add_answers();
  a->set_question_id("comments");
  a->set_text("from " + participant);
  return e;
}

v1::WorkshopEvent joined(const std::string& id) {
  v1::WorkshopEvent e;
  e.mutable_joined()->set_participant_id(id);
  e.mutable_joined()->set_display_name("Name " + id);
  return e;
}

/// The answers to a number of appends, each in its place, waited for with a deadline.
class answers {
public:
  explicit answers(std::size_t n) : got_(n) {}

  std::function<void(core::status)> slot(std::size_t i) {
    return [this, i](core::status s) {
      std::lock_guard lock(mutex_);
      got_[i] = std::move(s);
      ++count_;
      changed_.notify_all();
    };
  }
  bool wait_all() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [&] { return count_ == got_.size(); });
  }
  const std::optional<core::status>& operator[](std::size_t i) const { return got_[i]; }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<core::status>> got_;
  std::size_t count_ = 0;
};

class StoreWorker : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "dyad-store-worker-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
    file_ = dir_ / "dyad.sqlite";
  }
  void TearDown() override {
    worker_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void start(bool with_readers = true) {
    auto log = store::sqlite_event_log::open(file_);
    ASSERT_TRUE(log.ok()) << log.err().message;
    store_worker::reader_opener opener;
    if (with_readers)
      opener = [file = file_]() -> core::result<std::unique_ptr<store::event_log>> {
        auto reader = store::sqlite_event_log::open_read_only(file);
        if (!reader) return reader.err();
        return std::unique_ptr<store::event_log>(std::move(*reader));
      };
    worker_ = std::make_unique<store_worker>(std::move(*log), metrics_, std::move(opener));
    for (const auto* code : {"CALM-42", "KIND-7"}) {
      const std::vector<v1::WorkshopEvent> first = {created(code), feedback_open()};
      ASSERT_TRUE(worker_->log().append(code, first).ok());
    }
  }

  /// Holds the writer's thread until the returned promise is set, as a long commit would.
  std::promise<void> hold_writer() {
    std::promise<void> gate;
    auto opened = std::make_shared<std::shared_future<void>>(gate.get_future().share());
    std::promise<void> holding;
    auto held = holding.get_future();
    worker_->run([opened, &holding](store::event_log&) {
      holding.set_value();
      opened->wait();
    });
    EXPECT_EQ(held.wait_for(deadline), std::future_status::ready) << "the writer never ran the holding job";
    return gate;
  }

  std::vector<v1::WorkshopEvent> load(const std::string& code) {
    auto events = worker_->log().load(code);
    EXPECT_TRUE(events.ok()) << events.err().message;
    return events.ok() ? std::move(*events) : std::vector<v1::WorkshopEvent>{};
  }

  fs::path dir_;
  fs::path file_;
  metrics metrics_;
  std::unique_ptr<store_worker> worker_;
};

TEST_F(StoreWorker, AppendsQueuedTogetherAreOneCommitEachAnsweredWithItsOwnResult) {
  start();
  auto gate = hold_writer();
  // Queued while the writer is busy: two workshops, one refused twice over, one malformed.
  struct queued {
    std::string code;
    core::event_list events;
  };
  std::vector<queued> all;
  for (std::uint64_t i = 0; i < 30; ++i) all.push_back({"CALM-42", {feedback("p" + std::to_string(i), 100 + i)}});
  all.push_back({"CALM-42", {joined("late"), feedback("p3", 999)}});  // p3 sent theirs already
  all.push_back({"KIND-7", {joined("k1")}});
  all.push_back({"KIND-7", {joined("k2"), v1::WorkshopEvent{}}});  // an event with no kind
  all.push_back({"KIND-7", {joined("k3")}});
  answers got(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) worker_->append(all[i].code, all[i].events, got.slot(i));
  const auto commits_before = metrics_.commits();
  gate.set_value();
  ASSERT_TRUE(got.wait_all()) << "not every append was answered";

  EXPECT_EQ(metrics_.commits() - commits_before, 1U) << "appends queued together were not one transaction";
  EXPECT_EQ(metrics_.store_appends_total.load(), all.size());
  for (std::size_t i = 0; i < 30; ++i) EXPECT_TRUE(got[i]->ok()) << i << ": " << got[i]->err().message;
  ASSERT_FALSE(got[30]->ok()) << "p3 counted twice";
  EXPECT_EQ(got[30]->err().code, core::errc::already_submitted) << got[30]->err().message;
  EXPECT_TRUE(got[31]->ok()) << got[31]->err().message;
  ASSERT_FALSE(got[32]->ok()) << "an event with no kind was stored";
  EXPECT_EQ(got[32]->err().code, core::errc::invalid_argument) << got[32]->err().message;
  EXPECT_TRUE(got[33]->ok()) << got[33]->err().message;

  std::size_t responses = 0;
  for (const auto& e : load("CALM-42")) {
    responses += e.has_feedback_submitted() && e.feedback_submitted().has_response();
    EXPECT_FALSE(e.has_joined()) << "the refused append left its join behind";
  }
  EXPECT_EQ(responses, 30U);
  const auto kind = load("KIND-7");
  ASSERT_EQ(kind.size(), 4U);
  EXPECT_EQ(kind[2].joined().participant_id(), "k1");
  EXPECT_EQ(kind[3].joined().participant_id(), "k3");
}

TEST_F(StoreWorker, AnExportInFlightDoesNotDelayAnAppendNorTheReadinessProbe) {
  start();
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(worker_->log().append("CALM-42", std::vector<v1::WorkshopEvent>{joined("j" + std::to_string(i))}).ok());

  // An export: it reads the whole log, then is held mid-way (formatting a large file, say).
  std::promise<void> reading;
  std::promise<void> finish;
  auto finish_future = finish.get_future().share();
  std::atomic<bool> export_done{false};
  std::size_t exported = 0;
  worker_->read([&, finish_future](store::event_log& log) {
    auto events = log.load("CALM-42");
    exported = events.ok() ? events->size() : 0;
    reading.set_value();
    finish_future.wait();
    export_done = true;
  });
  ASSERT_EQ(reading.get_future().wait_for(deadline), std::future_status::ready) << "the export never started";

  answers appended(1);
  worker_->append("CALM-42", {feedback("p1", 77)}, appended.slot(0));
  ASSERT_TRUE(appended.wait_all()) << "the append waited behind the export";
  EXPECT_TRUE(appended[0]->ok()) << appended[0]->err().message;
  EXPECT_FALSE(export_done) << "the export finished before the append was answered: nothing was shown";

  std::promise<core::status> probe;
  worker_->read([&](store::event_log& log) { probe.set_value(log.healthy()); });
  auto probed = probe.get_future();
  ASSERT_EQ(probed.wait_for(deadline), std::future_status::ready) << "the readiness probe waited behind the export";
  EXPECT_TRUE(probed.get().ok());
  EXPECT_FALSE(export_done);

  // A read that starts after the append sees it.
  std::promise<std::size_t> later;
  worker_->read([&](store::event_log& log) {
    auto events = log.load("CALM-42");
    later.set_value(events.ok() ? events->size() : 0);
  });
  auto seen = later.get_future();
  ASSERT_EQ(seen.wait_for(deadline), std::future_status::ready);
  EXPECT_EQ(seen.get(), exported + 2) << "a submitter and a response more";

  finish.set_value();
  worker_->stop();
  EXPECT_TRUE(export_done);
  EXPECT_EQ(exported, 202U);
}

TEST_F(StoreWorker, WithoutReadersReadsRunOnTheWritersThreadAfterQueuedAppends) {
  start(false);
  auto gate = hold_writer();
  answers appended(1);
  worker_->append("KIND-7", {joined("k1")}, appended.slot(0));
  std::promise<std::size_t> read;
  worker_->read([&](store::event_log& log) {
    auto events = log.load("KIND-7");
    read.set_value(events.ok() ? events->size() : 0);
  });
  gate.set_value();
  auto seen = read.get_future();
  ASSERT_EQ(seen.wait_for(deadline), std::future_status::ready);
  EXPECT_EQ(seen.get(), 3U) << "the read ran before the append queued ahead of it";
  ASSERT_TRUE(appended.wait_all());
}

}  // namespace
}  // namespace dyad::net
