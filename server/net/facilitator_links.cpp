#include "net/facilitator_links.hpp"

#include "core/workshop.hpp"
#include "net/secrets.hpp"

namespace dyad::net {

core::result<std::string> replace_facilitator_token_in_log(store::event_log& log, const std::string& code,
                                                          const core::clock& time) {
  auto events = log.load(code);
  if (!events) return events.err();
  if (events->empty())
    return core::make_error(core::errc::not_found, "There is no workshop " + code +
                                                       " in this data folder; `dyad-server workshops list` shows the codes.");
  auto w = core::workshop::replay(time, *events, random_u64());
  if (!w) return w.err();
  auto token = random_hex(16);
  auto replaced = w->replace_facilitator_token(sha256(token));
  if (!replaced) return replaced.err();
  if (auto appended = log.append(code, *replaced); !appended) return appended.err();
  return token;
}

}  // namespace dyad::net
