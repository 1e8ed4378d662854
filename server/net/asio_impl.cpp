// Asio compiled once, here, for every target that links dyad_asio (BOOST_ASIO_SEPARATE_COMPILATION
// is set on it).
#include <boost/asio/impl/src.hpp>
