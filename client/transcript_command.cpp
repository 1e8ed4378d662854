#include "transcript_command.hpp"

namespace dyad::cli {

int transcript_import(const std::vector<std::string>&) { return 2; }

}  // namespace dyad::cli
