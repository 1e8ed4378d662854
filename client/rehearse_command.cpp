#include "rehearse_command.hpp"

namespace dyad::cli {

int plan_rehearse(const std::vector<std::string>&) { return 2; }

}  // namespace dyad::cli
