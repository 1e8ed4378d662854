#pragma once

#include <string>

#include "core/pairing.hpp"
#include "dyad/v1/plan.pb.h"

namespace dyad::core {

/// The exercise's role of the given kind, or nullptr when the exercise has none (a valid plan
/// has a therapist and a client, and an observer wherever a triad can form).
const dyad::v1::Role* find_role(const dyad::v1::Exercise& exercise, role_kind kind);

/// The id of that role; the kind's plain name when the exercise has no such role.
std::string role_id(const dyad::v1::Exercise& exercise, role_kind kind);

/// How pairing should shape this exercise's groups.
group_shape shape_of(const dyad::v1::Exercise& exercise);

}  // namespace dyad::core
