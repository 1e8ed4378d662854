#include "net/local_addresses.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>

namespace dyad::net {

std::vector<std::string> local_network_addresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (auto* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_LOOPBACK) != 0 || (i->ifa_flags & IFF_UP) == 0) continue;
    char buf[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != nullptr) out.emplace_back(buf);
  }
  freeifaddrs(list);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string local_only_note(const std::string& base, std::uint16_t port) {
  const auto p = std::to_string(port);
  const auto addresses = local_network_addresses();
  const std::string example = addresses.empty() ? "ADDRESS" : addresses.front();
  std::string note =
      "  Note: " + base + " means \"this computer\". These links work only here, in a browser on\n"
      "  this machine; on a participant's phone they would point at the phone itself.\n"
      "  - People in the same room, on the same network: restart Dyad with\n"
      "      --bind 0.0.0.0 --port " + p + " --public-url http://" + example + ":" + p + "\n";
  if (addresses.size() > 1) {
    note += "    (this computer's network addresses: ";
    for (std::size_t i = 0; i < addresses.size(); ++i) note += (i ? ", " : "") + addresses[i];
    note += ")\n";
  }
  note +=
      "  - A workshop over Zoom, with people at home: run Dyad on a server with a public name and\n"
      "    HTTPS; README.md, \"Running a real workshop day\", says how.\n";
  return note;
}

}  // namespace dyad::net
