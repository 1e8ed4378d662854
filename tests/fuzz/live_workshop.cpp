#include "live_workshop.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <utility>

#include "core/plan_loader.hpp"
#include "dyad/v1/wire.pb.h"
#include "net/client_frame.hpp"
#include "net/metrics.hpp"
#include "net/peer.hpp"
#include "net/public_url.hpp"
#include "net/secrets.hpp"
#include "net/store_worker.hpp"
#include "net/workshop_host.hpp"
#include "net/workshop_views.hpp"
#include "store/event_log.hpp"

namespace dyad::fuzz {

namespace v1 = dyad::v1;
using namespace std::chrono_literals;

namespace {

/// How long the target waits for the workshop to answer before it calls that a finding. Answers
/// come in microseconds; this only has to be far longer than any of them.
constexpr auto answer_deadline = 5s;
constexpr core::millis start_ms = 1'780'000'000'000;
constexpr core::millis max_advance_ms = 3 * 3600 * 1000;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "frame_fuzzer: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

/// An event log in memory with the store's promises that the workshop relies on: all or
/// nothing, and one feedback submission per participant. Thread-safe: the store worker's thread
/// appends, the target resets it between inputs (when nothing is in flight).
class memory_log final : public store::event_log {
public:
  store::result<std::uint64_t> append(const std::string& code, std::span<const v1::WorkshopEvent> events) override {
    std::lock_guard lock(mutex_);
    if (code.empty()) return core::make_error(core::errc::invalid_argument, "No workshop code.");
    std::set<std::string> submitting;
    for (const auto& e : events) {
      if (e.kind_case() == v1::WorkshopEvent::KIND_NOT_SET)
        return core::make_error(core::errc::invalid_argument, "An event with no kind.");
      if (!e.has_feedback_submitted()) continue;
      const auto& who = e.feedback_submitted().participant_id();
      if (who.empty() || submitted_.contains(who) || !submitting.insert(who).second)
        return core::make_error(core::errc::already_submitted, "This participant has already sent feedback.");
    }
    submitted_.insert(submitting.begin(), submitting.end());
    auto& log = logs_[code];
    log.insert(log.end(), events.begin(), events.end());
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
  store::status erase_personal_data(const std::string&, std::int64_t) override {
    return core::make_error(core::errc::unavailable, "Not kept by the fuzz target's log.");
  }
  store::status healthy() override { return core::ok(); }

  std::size_t size(const std::string& code) {
    std::lock_guard lock(mutex_);
    return logs_[code].size();
  }

  /// The log as it was before the first input: `code`'s starting events and nothing else. Only
  /// appends happen between resets, so the starting events are kept in place rather than copied.
  void reset(const std::string& code, const std::vector<v1::WorkshopEvent>& events) {
    std::lock_guard lock(mutex_);
    auto& log = logs_[code];
    if (start_code_ != code || log.size() < events.size()) {
      logs_.clear();
      logs_[code] = events;
      start_code_ = code;
    } else {
      std::erase_if(logs_, [&](const auto& entry) { return entry.first != code; });
      logs_[code].resize(events.size());
    }
    submitted_.clear();
  }

  /// The workshop replayed from `code`'s log, read in place.
  core::result<core::workshop> replay(const core::clock& time, const std::string& code, std::uint64_t seed) {
    std::lock_guard lock(mutex_);
    return core::workshop::replay(time, logs_[code], seed);
  }

private:
  std::mutex mutex_;
  std::map<std::string, std::vector<v1::WorkshopEvent>> logs_;
  std::set<std::string> submitted_;
  std::string start_code_;
};

/// Parses frames delivered to the fake connections. A frame fanned out to everyone is one shared
/// string, parsed once however many connections it reaches.
class frame_reader {
public:
  const v1::ServerMessage& read(const std::shared_ptr<const std::string>& frame, std::uint64_t to) {
    if (frame != frame_) {
      // Kept alive, so its address cannot come back as another frame's.
      frame_ = frame;
      if (!message_.ParseFromString(*frame)) finding("connection " + std::to_string(to) + " was sent a frame that is not a ServerMessage");
    }
    return message_;
  }

private:
  std::shared_ptr<const std::string> frame_;
  v1::ServerMessage message_;
};

/// A connection as the host sees it. Called only on the workshop's strand, which the target's
/// own thread runs, so it needs no lock.
class fake_peer final : public net::peer {
public:
  fake_peer(std::uint64_t id, frame_reader& reader) : id_(id), reader_(reader) {}

  void deliver(std::shared_ptr<const std::string> frame) override { keep(std::move(frame)); }
  void close_after(std::shared_ptr<const std::string> last_frame) override {
    keep(std::move(last_frame));
    closed_ = true;
  }
  std::uint64_t id() const noexcept override { return id_; }

  bool closed() const noexcept { return closed_; }
  /// Answers (messages with this request id) received so far.
  std::size_t answers_to(std::uint64_t rid) const {
    const auto it = answers_.find(rid);
    return it == answers_.end() ? 0 : it->second;
  }
  const std::map<std::uint64_t, std::size_t>& answers() const noexcept { return answers_; }
  /// The last frame this connection was sent (none yet: an empty message), valid until the next
  /// frame is read.
  const v1::ServerMessage& last() const {
    static const v1::ServerMessage none;
    return last_ ? reader_.read(last_, id_) : none;
  }

private:
  void keep(std::shared_ptr<const std::string> frame) {
    const auto rid = reader_.read(frame, id_).request_id();
    if (rid != 0) ++answers_[rid];
    last_ = std::move(frame);
  }

  const std::uint64_t id_;
  frame_reader& reader_;
  bool closed_ = false;
  std::map<std::uint64_t, std::size_t> answers_;
  std::shared_ptr<const std::string> last_;
};

v1::ClientMessage attach_request(std::uint64_t rid) {
  v1::ClientMessage m;
  m.set_request_id(rid);
  m.mutable_attach()->set_facilitator_token(workshop_facts::facilitator_token);
  return m;
}

v1::ClientMessage resume_request(std::uint64_t rid, std::size_t i) {
  v1::ClientMessage m;
  m.set_request_id(rid);
  m.mutable_resume()->set_resume_token(workshop_facts::resume_token(i));
  return m;
}

}  // namespace

struct live_workshop::impl {
  // Protobuf's account of each malformed frame (the server sends it to its logger at debug).
  google::protobuf::LogSilencer quiet_protobuf;
  core::manual_clock clock{start_ms};
  frame_reader reader;
  net::metrics counters;
  net::public_links links;
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  memory_log* log = nullptr;
  std::unique_ptr<net::store_worker> store;
  std::optional<core::workshop> start;
  std::vector<v1::WorkshopEvent> start_events;
  core::millis created_at = start_ms;

  // One input's state.
  std::shared_ptr<net::workshop_host> host;
  std::vector<std::shared_ptr<fake_peer>> slots;
  // Requests handed to the workshop, per connection id and request id.
  std::map<std::uint64_t, std::map<std::uint64_t, std::size_t>> sent;
  std::vector<std::shared_ptr<fake_peer>> all_peers;
  std::uint64_t next_peer_id = 1;
  std::size_t greeted_log_size = 0;

  /// Runs the io_context until `done` holds; a finding after the deadline.
  void run_until(const std::function<bool()>& done, const std::string& what) {
    const auto until = std::chrono::steady_clock::now() + answer_deadline;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) finding("the workshop never " + what);
      ioc.run_one_for(50ms);
    }
  }

  /// Runs everything queued on the strand before now, in order with requests.
  void barrier() {
    bool ran = false;
    host->inspect([&](const core::workshop&) { ran = true; });
    run_until([&] { return ran; }, "ran a queued inspection");
  }

  std::shared_ptr<fake_peer> connect() {
    auto p = std::make_shared<fake_peer>(next_peer_id++, reader);
    host->attach(p);
    all_peers.push_back(p);
    return p;
  }

  /// Hands a decoded request to the workshop as the session does, and waits for its answer
  /// (or for the connection to be closed by the server).
  void handle(const std::shared_ptr<fake_peer>& p, v1::ClientMessage request) {
    const auto rid = request.request_id();
    const auto before = p->answers_to(rid);
    ++sent[p->id()][rid];
    host->handle(p->id(), std::move(request));
    run_until([&] { return p->answers_to(rid) > before || p->closed(); },
              "answered request " + std::to_string(rid) + " of connection " + std::to_string(p->id()));
  }

  void greet() {
    slots.clear();
    for (std::size_t i = 0; i < connection_count; ++i) slots.push_back(connect());
    handle(slots[facilitator_slot], attach_request(1));
    if (!slots[facilitator_slot]->last().has_facilitator_snapshot()) finding("the facilitator could not attach");
    for (std::size_t i = 0; i < workshop_facts::participants; ++i) {
      handle(slots[1 + i], resume_request(1, i));
      if (!slots[1 + i]->last().has_participant_snapshot())
        finding("participant " + std::to_string(i + 1) + " could not resume: " + slots[1 + i]->last().ShortDebugString());
    }
    greeted_log_size = log->size(workshop_facts::code);
  }

  /// The connection's socket is gone: the session tells the host, and a new one opens.
  void cut(std::size_t slot) {
    host->detach(slots[slot]->id());
    slots[slot] = connect();
  }

  void frame(std::size_t slot, std::string_view bytes, bool binary) {
    // A connection the server closed reads nothing more; the page opens a new one.
    if (slots[slot]->closed()) cut(slot);
    auto decoded = net::decode_client_frame(bytes, binary);
    // A refusal is the session's own answer; the workshop never sees the frame.
    if (auto* request = std::get_if<v1::ClientMessage>(&decoded)) handle(slots[slot], std::move(*request));
  }

  void advance(std::string_view payload) {
    std::uint32_t by = 0;
    for (std::size_t i = 0; i < 4 && i < payload.size(); ++i)
      by |= static_cast<std::uint32_t>(static_cast<unsigned char>(payload[i])) << (8 * i);
    clock.advance(static_cast<core::millis>(by % max_advance_ms));
    host->tick();
    barrier();
  }

  void check_promises() {
    barrier();
    for (const auto& p : all_peers) {
      const auto& expected = sent[p->id()];
      for (const auto& [rid, n] : p->answers()) {
        const auto it = expected.find(rid);
        const std::size_t asked = it == expected.end() ? 0 : it->second;
        if (n > asked)
          finding("connection " + std::to_string(p->id()) + " got " + std::to_string(n) + " answers to request " +
                  std::to_string(rid) + ", asked " + std::to_string(asked) + " times");
      }
      if (p->closed()) continue;
      for (const auto& [rid, asked] : expected)
        if (p->answers_to(rid) != asked)
          finding("connection " + std::to_string(p->id()) + " asked request " + std::to_string(rid) + " " +
                  std::to_string(asked) + " times and got " + std::to_string(p->answers_to(rid)) + " answers");
    }
    // Nothing stored since the greetings: memory and log cannot differ.
    if (log->size(workshop_facts::code) == greeted_log_size) return;
    std::string in_memory;
    host->inspect([&](const core::workshop& w) { in_memory = net::facilitator_snapshot(w, links).SerializeAsString(); });
    barrier();
    auto replayed = log->replay(clock, workshop_facts::code, 11);
    if (!replayed) finding("the stored log does not replay: " + replayed.err().message);
    if (net::facilitator_snapshot(*replayed, links).SerializeAsString() != in_memory)
      finding("the workshop in memory differs from the one replayed from its log");
  }

  void take_down() {
    host->shutdown("The input is over.");
    std::weak_ptr<net::workshop_host> gone = host;
    host.reset();
    run_until([&] { return gone.expired(); }, "let go of the host after shutting down");
    // Cancelled timers' handlers may still be queued; run them now.
    ioc.poll();
    slots.clear();
    all_peers.clear();
    sent.clear();
  }
};

live_workshop::live_workshop(const std::string& plan_path) : impl_(std::make_unique<impl>()) {
  spdlog::set_level(spdlog::level::off);
  auto& s = *impl_;
  s.links.base = "http://127.0.0.1:8080";
  auto loaded = core::load_plan_file(plan_path);
  if (!loaded.ok()) throw std::runtime_error("the fuzz target's plan does not load: " + plan_path);
  auto created = core::workshop::create(s.clock, *loaded.plan, workshop_facts::code, 7, 11,
                                        net::sha256(workshop_facts::facilitator_token));
  if (!created) throw std::runtime_error("the fuzz target's workshop: " + created.err().message);
  auto w = std::move(created->first);
  s.start_events = std::move(created->second);
  for (std::size_t i = 0; i < workshop_facts::participants; ++i) {
    auto joined = w.join("Person " + std::to_string(i + 1), "", net::sha256(workshop_facts::resume_token(i)));
    if (!joined) throw std::runtime_error("the fuzz target's participants: " + joined.err().message);
    s.start_events.insert(s.start_events.end(), joined->events.begin(), joined->events.end());
  }
  s.start.emplace(std::move(w));
  auto owned = std::make_unique<memory_log>();
  s.log = owned.get();
  s.store = std::make_unique<net::store_worker>(std::move(owned), s.counters);
}

live_workshop::~live_workshop() {
  impl_->store->stop();
  impl_->work.reset();
}

const core::workshop& live_workshop::starting_workshop() const { return *impl_->start; }

void live_workshop::run(const std::vector<step>& steps) {
  auto& s = *impl_;
  s.clock.set(start_ms);
  s.log->reset(workshop_facts::code, s.start_events);
  s.host = std::make_shared<net::workshop_host>(s.ioc, *s.store, s.counters, s.clock, *s.start, s.created_at, s.links);
  s.host->start();
  s.greet();
  for (const auto& st : steps) {
    switch (st.what) {
      case action::binary_frame: s.frame(st.connection, st.payload, true); break;
      case action::text_frame: s.frame(st.connection, st.payload, false); break;
      case action::cut: s.cut(st.connection); break;
      case action::advance_clock: s.advance(st.payload); break;
    }
  }
  s.check_promises();
  s.take_down();
}

}  // namespace dyad::fuzz
