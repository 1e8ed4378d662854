#pragma once

// The workspace's records: the plan library (every saved version kept, one draft per plan) and
// the runs — which plan version each ran, the day it is planned for, who leads it and who was
// given access, its figures once closed, and when its names were erased. The workshops' own
// events stay in the event log; a run here points at one by its code.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace dyad::store {

using core::result;
using core::status;

struct plan_row {
  std::string id;
  std::string name;
  /// The demo plan put in the library at first start, to copy from.
  bool is_template = false;
  std::int64_t created_ms = 0;
  /// 0 when only a draft exists.
  int latest_version = 0;
  std::int64_t saved_ms = 0;
  bool has_draft = false;
};

struct plan_version_row {
  int version = 0;
  /// A dyad.v1.Plan, serialised.
  std::string plan;
  std::int64_t saved_ms = 0;
  std::string saved_by;
};

struct plan_draft_row {
  /// "text" or "json": as the editor last held it, problems and all.
  std::string format;
  std::string body;
  std::int64_t saved_ms = 0;
};

struct run_row {
  std::string code;
  std::string series;
  std::string title;
  std::string plan_id;
  int plan_version = 0;
  std::string date;
  std::string start_time;
  std::string facilitator_id;
  std::int64_t created_ms = 0;
  /// 0 while the run has not closed (or its closing has not been recorded yet).
  std::int64_t closed_ms = 0;
  int participants = 0;
  int responses = 0;
  std::int64_t erased_ms = 0;
  /// Co-facilitators' account ids, sorted.
  std::vector<std::string> access;
};

/// Storage-neutral like event_log: every call is one transaction, errc::unavailable (in words)
/// when the storage fails; implementations serialise their calls.
class library_store {
public:
  virtual ~library_store() = default;
  library_store() = default;
  library_store(const library_store&) = delete;
  library_store& operator=(const library_store&) = delete;

  /// A new, empty plan (no version, no draft) with a fresh id.
  virtual result<plan_row> add_plan(const std::string& name, bool is_template, std::int64_t now_ms) = 0;
  /// Every plan, by name.
  virtual result<std::vector<plan_row>> plans() = 0;
  virtual result<std::optional<plan_row>> find_plan(const std::string& id) = 0;
  /// errc::not_found for an unknown id.
  virtual status rename_plan(const std::string& id, const std::string& name) = 0;
  /// The plan's versions, newest first.
  virtual result<std::vector<plan_version_row>> plan_versions(const std::string& id) = 0;
  /// One version; 0 asks for the latest. Nothing when there is no such version.
  virtual result<std::optional<plan_version_row>> plan_version(const std::string& id, int version) = 0;
  /// Saves the next version and drops the plan's draft; answers the version's number.
  /// errc::not_found for an unknown plan.
  virtual result<int> add_plan_version(const std::string& id, const std::string& plan, const std::string& saved_by,
                                       std::int64_t now_ms) = 0;
  virtual status set_draft(const std::string& id, const plan_draft_row& draft) = 0;
  virtual result<std::optional<plan_draft_row>> draft(const std::string& id) = 0;

  /// errc::invalid_argument when the code is already recorded.
  virtual status add_run(const run_row& run) = 0;
  /// Every run with its co-facilitators, newest first.
  virtual result<std::vector<run_row>> runs() = 0;
  virtual result<std::optional<run_row>> find_run(const std::string& code) = 0;
  /// Records that the run closed, with its figures then.
  virtual status set_run_closed(const std::string& code, std::int64_t closed_ms, int participants, int responses) = 0;
  virtual status set_run_erased(const std::string& code, std::int64_t at_ms) = 0;
  /// Gives a co-facilitator access (nothing changes when they have it) or takes it back.
  virtual status grant(const std::string& code, const std::string& account_id) = 0;
  virtual status revoke(const std::string& code, const std::string& account_id) = 0;
};

}  // namespace dyad::store
