#pragma once

// The workspace's HTTP routes: the plan library (/api/plans, /api/transcripts/parse), the runs
// (/api/runs) and the retention of personal data (/api/settings/retention). They run on the
// accounts' thread, for a signed-in person: organisers see and change everything, facilitators
// see the runs they lead or were given and read the library.

#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "net/http_routes.hpp"
#include "store/account_store.hpp"
#include "store/library_store.hpp"

namespace dyad::net {

class store_worker;
class workshop_registry;
struct public_links;

/// The plan built into the server (deploy/demo/ruptures-one-day.textproto): the library's
/// template on first start.
std::string_view demo_plan_text();


/// The setting holding the days after closing when a run's names and e-mails are erased.
inline constexpr std::string_view retention_setting = "retention_days";

class workspace_routes {
public:
  workspace_routes(std::unique_ptr<store::library_store> library, store::account_store& accounts,
                   workshop_registry& registry, store_worker& store, const core::clock& clock, const public_links& links);
  ~workspace_routes();
  workspace_routes(const workspace_routes&) = delete;
  workspace_routes& operator=(const workspace_routes&) = delete;

  /// Whether `path` (without the public URL's prefix) is one of these routes.
  static bool owns(std::string_view path);

  /// Answers one request of `me` (signed in). Blocks the accounts' thread while the store's
  /// thread or a workshop's strand answers, never the other way round.
  http_response answer(const http_request& req, const std::string& path, const store::account_row& me,
                       const std::string& address);

  run_access access_of(const store::account_row& me);

  /// Start-up: the demo plan goes into an empty library as a template, and every workshop in the
  /// log is listed as a run.
  void first_start();

  /// Now and then: records the runs that have closed (their figures, and their workshops leave
  /// the server's memory), and erases the names of those closed longer than the retention period.
  void sweep();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dyad::net
