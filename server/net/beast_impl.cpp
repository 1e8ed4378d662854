// Beast compiled once, here, for every target that links dyad_beast (BOOST_BEAST_SEPARATE_COMPILATION
// is set on it).
#include <boost/beast/src.hpp>
