// Asio and Beast compiled once, here, for every target that links dyad_asio
// (BOOST_ASIO_SEPARATE_COMPILATION and BOOST_BEAST_SEPARATE_COMPILATION are set on it).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
