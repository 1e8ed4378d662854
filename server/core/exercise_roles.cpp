#include "core/exercise_roles.hpp"

namespace dyad::core {

namespace {

dyad::v1::RoleKind to_proto(role_kind kind) {
  switch (kind) {
    case role_kind::therapist: return dyad::v1::ROLE_KIND_THERAPIST;
    case role_kind::client: return dyad::v1::ROLE_KIND_CLIENT;
    case role_kind::observer: return dyad::v1::ROLE_KIND_OBSERVER;
  }
  return dyad::v1::ROLE_KIND_UNSPECIFIED;
}

const char* plain_name(role_kind kind) {
  switch (kind) {
    case role_kind::therapist: return "therapist";
    case role_kind::client: return "client";
    case role_kind::observer: return "observer";
  }
  return "participant";
}

}  // namespace

const dyad::v1::Role* find_role(const dyad::v1::Exercise& exercise, role_kind kind) {
  for (const auto& role : exercise.roles())
    if (role.kind() == to_proto(kind)) return &role;
  return nullptr;
}

std::string role_id(const dyad::v1::Exercise& exercise, role_kind kind) {
  const auto* role = find_role(exercise, kind);
  return role != nullptr ? role->id() : plain_name(kind);
}

group_shape shape_of(const dyad::v1::Exercise& exercise) {
  return exercise.group_size() == dyad::v1::GROUP_SIZE_TRIADS ? group_shape::triads : group_shape::pairs;
}

}  // namespace dyad::core
