#include "plan_check_command.hpp"

namespace dyad::cli {

int plan_check(const std::vector<std::string>&) { return 2; }

}  // namespace dyad::cli
