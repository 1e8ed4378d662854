#pragma once

// Every workshop this server hosts, by code: restored from the log at start, created through
// the HTTP API, found by WebSocket upgrades and exports.

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "dyad/v1/events.pb.h"
#include "dyad/v1/plan.pb.h"
#include "net/public_url.hpp"

namespace dyad::net {

class metrics;
class store_worker;
class workshop_host;

/// What creating a workshop gives its creator, once: the code and the facilitator's secret.
struct created_workshop {
  std::string code;
  std::string facilitator_token;
};

/// The workshops of this server. Thread-safe (a mutex guards the map; never held while calling
/// into a host).
class workshop_registry {
public:
  /// `links` outlives the registry and its hosts; it is filled in before the network runs.
  workshop_registry(boost::asio::io_context& ioc, store_worker& store, metrics& counters, const core::clock& time,
                    const public_links& links);

  /// Start-up, before the network runs: rebuilds every open workshop from the log and marks
  /// everyone who was present as disconnected (their pages reconnect and resume). Throws
  /// std::runtime_error when the log cannot be read.
  void restore();

  /// Creates a workshop from a validated plan: stored first, then hosted. `done` runs on the
  /// store's thread. `date`: the day it is planned for, when an organiser gave one.
  void create(dyad::v1::Plan plan, std::function<void(core::result<created_workshop>)> done, const std::string& date = {});
  /// The same, synchronously, for start-up (the demo plan).
  core::result<created_workshop> create_now(dyad::v1::Plan plan);

  std::shared_ptr<workshop_host> find(const std::string& code) const;
  std::vector<std::shared_ptr<workshop_host>> all() const;
  /// Whether this code was ever used on this server (open, closed, or closed before a restart).
  bool known(const std::string& code) const;
  /// Lets go of the workshops that have closed: they leave memory (pages still connected keep
  /// theirs until they go), and a new connection to one is told it has ended.
  void forget_closed();
  /// Whether an open workshop of this series is hosted.
  bool has_open_series(const std::string& series) const;

private:
  struct prepared {
    created_workshop result;
    std::shared_ptr<workshop_host> host;
    std::vector<dyad::v1::WorkshopEvent> events;
  };
  core::result<prepared> prepare(dyad::v1::Plan plan, const std::string& date);
  void add(std::shared_ptr<workshop_host> host);

  boost::asio::io_context& ioc_;
  store_worker& store_;
  metrics& metrics_;
  const core::clock& time_;
  const public_links& links_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<workshop_host>> hosts_;
  // Every code ever used here, open or closed, so that a new code never reuses one.
  std::set<std::string> known_codes_;
};

}  // namespace dyad::net
