#include "containers/runtime/network/name_files.h"

#include <gtest/gtest.h>

namespace vmlet {
namespace {

TEST(Ipv4, ParsesFourDecimalOctetsAndNothingElse)
{
    EXPECT_EQ(parse_ipv4("10.88.0.5"), std::optional<uint32_t>(0x0a580005));
    EXPECT_EQ(parse_ipv4("255.255.255.255"), std::optional<uint32_t>(0xffffffff));
    EXPECT_EQ(parse_ipv4("0.0.0.0"), std::optional<uint32_t>(0));
    for (auto bad : { "", "10.88.0", "10.88.0.5.1", "10.88.0.256", "10.088.0.1", "10.88.0.5 ", "a.b.c.d", "10..0.1", "1000.1.1.1", "-1.2.3.4" })
        EXPECT_EQ(parse_ipv4(bad), std::nullopt) << bad;
    EXPECT_EQ(format_ipv4(0x0a580005), "10.88.0.5");
    EXPECT_EQ(format_mac({ 0x02, 0x42, 0x0a, 0x58, 0x00, 0x05 }), "02:42:0a:58:00:05");
}

TEST(HostsFile, NamesTheContainerOnItsAddressThenExtraHostsThenPeers)
{
    NetworkAttachment network;
    network.address = 0x0a580007;
    auto base = hosts_base("web", network, { { "192.0.2.1", { "gateway.example" } } });
    auto file = hosts_file(base, { { "10.88.0.8", { "db", "database" } } });
    EXPECT_EQ(file, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.88.0.7\tweb\n"
                    "192.0.2.1\tgateway.example\n10.88.0.8\tdb database\n");
    EXPECT_NE(hosts_base("web", std::nullopt, {}).find("127.0.1.1\tweb\n"), std::string::npos);
}

TEST(ResolvConf, DropsLoopbackNameserversAndKeepsTheRest)
{
    auto host = "# from the host\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\nnameserver ::1\noptions edns0\n";
    EXPECT_EQ(resolv_conf(host, {}), "# from the host\nnameserver 192.0.2.53\nsearch example.org\noptions edns0\n");
    // --dns replaces every nameserver; the search and options lines stay.
    EXPECT_EQ(resolv_conf(host, { "198.51.100.1" }), "# from the host\nsearch example.org\noptions edns0\nnameserver 198.51.100.1\n");
    // Only a loopback resolver (systemd-resolved's stub): public ones stand in, as in Docker.
    EXPECT_EQ(resolv_conf("nameserver 127.0.0.53\n", {}), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

}
}
