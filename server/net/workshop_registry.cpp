#include "net/workshop_registry.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "core/workshop.hpp"
#include "net/metrics.hpp"
#include "net/secrets.hpp"
#include "net/store_worker.hpp"
#include "net/workshop_host.hpp"

namespace dyad::net {

namespace v1 = dyad::v1;

workshop_registry::workshop_registry(boost::asio::io_context& ioc, store_worker& store, metrics& counters,
                                     const core::clock& time, const public_links& links)
    : ioc_(ioc), store_(store), metrics_(counters), time_(time), links_(links) {}

void workshop_registry::restore() {
  auto& log = store_.log();
  auto every = log.workshop_codes(false);
  if (!every) throw std::runtime_error(every.err().message);
  auto open = log.workshop_codes(true);
  if (!open) throw std::runtime_error(open.err().message);
  {
    std::lock_guard lock(mutex_);
    known_codes_.insert(every->begin(), every->end());
  }
  for (const auto& code : *open) {
    auto events = log.load(code);
    if (!events) throw std::runtime_error(events.err().message);
    auto w = core::workshop::replay(time_, *events, random_u64());
    if (!w) {
      // One damaged log must not keep every other workshop offline.
      spdlog::error("workshop {}: cannot be restored from the log: {}", code, w.err().message);
      continue;
    }
    // Nobody is connected to a server that has just started: whoever was present is
    // disconnected until their page resumes, so that the grace period can regroup partners of
    // those who never come back.
    core::event_list marks;
    for (const auto& p : w->people().participants()) {
      if (p.presence != v1::PRESENCE_PRESENT) continue;
      auto changed = w->set_presence(p.id, v1::PRESENCE_DISCONNECTED);
      if (changed) marks.insert(marks.end(), changed->begin(), changed->end());
    }
    if (!marks.empty()) {
      auto appended = log.append(code, marks);
      if (!appended) throw std::runtime_error(appended.err().message);
    }
    const auto created_at = events->front().created().at_ms();
    add(std::make_shared<workshop_host>(ioc_, store_, metrics_, time_, std::move(*w), created_at, links_));
    spdlog::info("workshop {}: restored from the log", code);
  }
}

core::result<workshop_registry::prepared> workshop_registry::prepare(v1::Plan plan, const std::string& date) {
  std::string code;
  {
    std::lock_guard lock(mutex_);
    for (int attempt = 0; attempt < 1000; ++attempt) {
      code = make_join_code();
      if (known_codes_.insert(code).second) break;
      code.clear();
    }
  }
  if (code.empty())
    return core::make_error(core::errc::unavailable, "No free workshop code is left; close old workshops and try again.");
  const auto token = random_hex(16);
  auto created = core::workshop::create(time_, std::move(plan), code, random_u64(), random_u64(), sha256(token));
  if (!created) return created.err();
  auto& [w, events] = *created;
  prepared out;
  out.result = {code, token};
  out.events = std::move(events);
  if (!out.events.empty() && out.events.front().has_created()) out.events.front().mutable_created()->set_date(date);
  out.host = std::make_shared<workshop_host>(ioc_, store_, metrics_, time_, std::move(w), time_.now(), links_);
  return out;
}

void workshop_registry::create(v1::Plan plan, std::function<void(core::result<created_workshop>)> done,
                               const std::string& date) {
  auto p = prepare(std::move(plan), date);
  if (!p) return done(p.err());
  auto shared = std::make_shared<prepared>(std::move(*p));
  auto events = shared->events;
  store_.append(shared->result.code, std::move(events), [this, shared, done = std::move(done)](core::status s) {
    if (!s) return done(s.err());
    add(shared->host);
    spdlog::info("workshop {}: created ({})", shared->result.code, shared->host->series());
    done(shared->result);
  });
}

core::result<created_workshop> workshop_registry::create_now(v1::Plan plan) {
  auto p = prepare(std::move(plan), {});
  if (!p) return p.err();
  auto appended = store_.log().append(p->result.code, p->events);
  if (!appended) return appended.err();
  add(p->host);
  return p->result;
}

void workshop_registry::add(std::shared_ptr<workshop_host> host) {
  host->start();
  metrics_.workshops_open.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  hosts_[host->code()] = std::move(host);
}

std::shared_ptr<workshop_host> workshop_registry::find(const std::string& code) const {
  std::lock_guard lock(mutex_);
  auto it = hosts_.find(code);
  return it == hosts_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<workshop_host>> workshop_registry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<workshop_host>> out;
  for (const auto& [code, h] : hosts_) out.push_back(h);
  return out;
}

bool workshop_registry::known(const std::string& code) const {
  std::lock_guard lock(mutex_);
  return known_codes_.contains(code);
}

void workshop_registry::forget_closed() {
  std::vector<std::shared_ptr<workshop_host>> leaving;  // released outside the lock
  {
    std::lock_guard lock(mutex_);
    for (auto it = hosts_.begin(); it != hosts_.end();) {
      if (it->second->closed()) {
        leaving.push_back(std::move(it->second));
        it = hosts_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& h : leaving) spdlog::info("workshop {}: closed, and no longer held in memory", h->code());
}

bool workshop_registry::has_open_series(const std::string& series) const {
  std::lock_guard lock(mutex_);
  for (const auto& [code, h] : hosts_)
    if (h->series() == series && !h->closed()) return true;
  return false;
}

}  // namespace dyad::net
