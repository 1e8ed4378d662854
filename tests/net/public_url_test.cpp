// The pure parts of running behind a proxy: the public URL, who a request comes from, and the
// per-address limits. No server here; tests/net/deployment_test.cpp runs the real one.

#include <gtest/gtest.h>

#include "net/address_limiter.hpp"
#include "net/public_url.hpp"
#include "net/trusted_proxies.hpp"

namespace dyad::net {
namespace {

public_url parsed(const std::string& text) {
  std::string why;
  auto u = parse_public_url(text, why);
  if (!u) throw std::runtime_error(why);
  return *u;
}

TEST(PublicUrl, KeepsSchemeHostPortAndPrefix) {
  const auto u = parsed("https://Dyad.Example.org/dyad/");
  EXPECT_EQ(u.origin(), "https://dyad.example.org");
  EXPECT_EQ(u.base(), "https://dyad.example.org/dyad");
  EXPECT_EQ(u.path, "/dyad");
  EXPECT_FALSE(u.local_only());
  EXPECT_EQ(parsed("https://example.org:443").base(), "https://example.org") << "the default port is left out, as browsers send Origin";
  EXPECT_EQ(parsed("http://192.168.1.20:8080").origin(), "http://192.168.1.20:8080");
  EXPECT_EQ(parsed("http://[::1]:9000/a/b").base(), "http://[::1]:9000/a/b");
}

TEST(PublicUrl, KnowsWhichLinksWorkOnThisComputerOnly) {
  EXPECT_TRUE(parsed("http://127.0.0.1:8080").local_only());
  EXPECT_TRUE(parsed("http://127.1.2.3:8080").local_only());
  EXPECT_TRUE(parsed("http://localhost:8080").local_only());
  EXPECT_TRUE(parsed("http://[::1]:8080").local_only());
  EXPECT_FALSE(parsed("http://192.168.1.20:8080").local_only());
  EXPECT_FALSE(parsed("https://127.example.org").local_only());
}

TEST(PublicUrl, RefusesMalformedValuesWithAnExample) {
  for (const char* bad : {"dyad.example.org", "ftp://dyad.example.org", "https://", "https://exa mple.org",
                          "https://example.org/?x=1", "https://example.org/#a", "https://user:pw@example.org",
                          "https://example.org:0", "https://example.org:99999", "https://example.org:port",
                          "https://example.org/../etc", "https://example.org/a b", "https://example.org/j",
                          "https://example.org/api/x", "https://[::1"}) {
    std::string why;
    EXPECT_FALSE(parse_public_url(bad, why)) << bad << " was accepted";
    EXPECT_NE(why.find("e.g. https://dyad.example.org"), std::string::npos) << bad << ": " << why;
  }
}

TEST(PublicLinks, BuildEveryLinkFromTheBase) {
  public_links links{"https://example.org/dyad", "/dyad", false};
  EXPECT_EQ(links.join_url("DART-6339"), "https://example.org/dyad/j/DART-6339");
  EXPECT_EQ(links.facilitator_url("DART-6339", "abc"), "https://example.org/dyad/f/DART-6339#t=abc");
  EXPECT_EQ(links.report_url("DART-6339", "abc"), "https://example.org/dyad/r/DART-6339#t=abc");
}

trusted_proxies proxies(std::initializer_list<const char*> specs) {
  trusted_proxies p;
  for (const char* s : specs) {
    std::string why;
    if (!p.add(s, why)) throw std::runtime_error(why);
  }
  return p;
}

TEST(TrustedProxies, MatchAddressesAndNetworks) {
  const auto p = proxies({"127.0.0.1", "10.0.0.0/8", "fd00::/8", "192.168.4.0/22"});
  EXPECT_TRUE(p.contains("127.0.0.1"));
  EXPECT_FALSE(p.contains("127.0.0.2"));
  EXPECT_TRUE(p.contains("10.200.3.4"));
  EXPECT_TRUE(p.contains("::ffff:10.1.1.1")) << "an IPv4-mapped address counts as IPv4";
  EXPECT_TRUE(p.contains("fd12::1"));
  EXPECT_FALSE(p.contains("fe80::1"));
  EXPECT_TRUE(p.contains("192.168.7.255"));
  EXPECT_FALSE(p.contains("192.168.8.0"));
  EXPECT_FALSE(p.contains("not an address"));
}

TEST(TrustedProxies, RefuseWhatIsNotAnAddressOrNetwork) {
  for (const char* bad : {"", "localhost", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::1/129", "1.2.3"}) {
    trusted_proxies p;
    std::string why;
    EXPECT_FALSE(p.add(bad, why)) << bad;
    EXPECT_NE(why.find("--trusted-proxy"), std::string::npos) << why;
  }
}

TEST(TrustedProxies, BelieveForwardedHeadersOnlyFromAProxy) {
  const auto p = proxies({"127.0.0.1"});
  // From the proxy: the address it saw.
  auto c = p.resolve("127.0.0.1", "203.0.113.7", "https");
  EXPECT_EQ(c.address, "203.0.113.7");
  EXPECT_TRUE(c.https);
  // A client that wrote its own X-Forwarded-For: nginx appends the address it saw, which wins.
  c = p.resolve("127.0.0.1", "198.51.100.23, 203.0.113.7", "https");
  EXPECT_EQ(c.address, "203.0.113.7");
  // Anyone else: their own address, whatever they claim.
  c = p.resolve("203.0.113.9", "198.51.100.24", "https");
  EXPECT_EQ(c.address, "203.0.113.9");
  EXPECT_FALSE(c.https);
  // No proxy configured: nothing forwarded is believed.
  c = trusted_proxies{}.resolve("127.0.0.1", "198.51.100.24", "https");
  EXPECT_EQ(c.address, "127.0.0.1");
  // A proxy with nothing forwarded, or garbage: the proxy itself.
  EXPECT_EQ(p.resolve("127.0.0.1", "", "").address, "127.0.0.1");
  EXPECT_EQ(p.resolve("127.0.0.1", "garbage", "").address, "127.0.0.1");
  EXPECT_EQ(p.resolve("::ffff:127.0.0.1", "203.0.113.7", "http").address, "203.0.113.7");
}

TEST(TrustedProxies, SkipEveryTrustedHopFromTheRight) {
  const auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(p.resolve("127.0.0.1", "198.51.100.1, 203.0.113.7, 10.0.0.5", "").address, "203.0.113.7");
  EXPECT_EQ(p.resolve("127.0.0.1", "10.0.0.9, 10.0.0.5", "").address, "10.0.0.9") << "all trusted: the farthest";
}

TEST(AddressLimiter, RefusesOneAddressBeyondItsBurstAndRefills) {
  address_limiter limit(2, 3);
  const auto t0 = address_limiter::clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limit.allow("203.0.113.7", t0)) << i;
  EXPECT_FALSE(limit.allow("203.0.113.7", t0));
  EXPECT_TRUE(limit.allow("203.0.113.8", t0)) << "another address has its own bucket";
  EXPECT_TRUE(limit.allow("203.0.113.7", t0 + std::chrono::milliseconds(500))) << "2 per second refill";
  EXPECT_FALSE(limit.allow("203.0.113.7", t0 + std::chrono::milliseconds(500)));
}

TEST(AddressLimiter, KeepsItsMemoryBounded) {
  address_limiter limit(1, 5, 100);
  const auto t0 = address_limiter::clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 1000; ++i) (void)limit.allow("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0);
  EXPECT_LE(limit.tracked(), 100u);
}

}  // namespace
}  // namespace dyad::net

#include "net/secrets.hpp"

namespace dyad::net {
namespace {

TEST(JoinCode, IsFoundHoweverAPersonTypesIt) {
  for (const char* typed : {"DART-6339", "dart-6339", " dart-6339 ", "dart 6339", "DART6339", "dart – 6339", "Dart_6339"})
    EXPECT_EQ(normalize_code(typed), "DART-6339") << "'" << typed << "'";
  EXPECT_EQ(normalize_code("6339"), "6339");
  EXPECT_EQ(normalize_code("dart"), "DART");
  EXPECT_EQ(normalize_code("da4rt-6339"), "DA4RT6339") << "not a word and a number: no hyphen made up";
  EXPECT_EQ(normalize_code(""), "");
}

}  // namespace
}  // namespace dyad::net

namespace dyad::net {
namespace {

TEST(TrustedProxies, ReadForwardedAddressesWithPorts) {
  trusted_proxies p;
  std::string why;
  ASSERT_TRUE(p.add("127.0.0.1", why));
  EXPECT_EQ(p.resolve("127.0.0.1", "203.0.113.7:5678", "").address, "203.0.113.7");
  EXPECT_EQ(p.resolve("127.0.0.1", "[2001:db8::1]:443", "").address, "2001:db8::1");
  EXPECT_EQ(p.resolve("127.0.0.1", "2001:db8::1", "").address, "2001:db8::1");
}

TEST(AddressLimiter, CountsAnIPv6NetworkAsOneAddress) {
  EXPECT_EQ(rate_key("2001:db8:1:2:aaaa::1"), rate_key("2001:db8:1:2:bbbb::9"));
  EXPECT_NE(rate_key("2001:db8:1:2::1"), rate_key("2001:db8:1:3::1"));
  EXPECT_EQ(rate_key("203.0.113.7"), "203.0.113.7");
}

}  // namespace
}  // namespace dyad::net
