#include "containers/runtime/network/network_store.h"

#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>

namespace vmlet {
namespace {

class NetworkStoreTest : public ::testing::Test {
protected:
    NetworkStore store() { return NetworkStore::open(m_root.path()).release_value(); }
    Network add(const std::string& name, std::string_view subnet = {})
    {
        NetworkRequest request { .name = name, .subnet = {}, .gateway = {} };
        if (!subnet.empty())
            request.subnet = parse_subnet(subnet);
        auto added = store().add(request);
        EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message());
        return added.ok() ? added.release_value() : Network {};
    }
    static Endpoint endpoint(const std::string& id, const std::string& name = {})
    {
        return { .container_id = id, .container_name = name, .aliases = {}, .address = 0 };
    }
    static bool never_gone(const std::string&) { return false; }

    test::TemporaryDirectory m_root;
};

TEST(Subnet, IsANetworkAddressWithAPrefixOf8To30)
{
    EXPECT_EQ(parse_subnet("10.88.0.0/16"), (std::optional<std::pair<uint32_t, uint8_t>>({ 0x0a580000, 16 })));
    for (auto bad : { "10.88.0.1/16", "10.88.0.0", "10.88.0.0/7", "10.88.0.0/31", "10.88.0.0/", "10.88.0.0/1a", "x/16", "10.88.0.0/016" })
        EXPECT_EQ(parse_subnet(bad), std::nullopt) << bad;
}

TEST_F(NetworkStoreTest, TheDefaultNetworkIsPodmansAndUserNetworksTakeTheNextFree24)
{
    auto bridge = add(NetworkStore::kDefaultNetwork);
    EXPECT_EQ(format_ipv4(bridge.subnet), "10.88.0.0");
    EXPECT_EQ(bridge.prefix_length, 16);
    EXPECT_EQ(format_ipv4(bridge.gateway), "10.88.0.1");
    EXPECT_EQ(bridge.bridge, "vmlet0");
    EXPECT_EQ(bridge.id.size(), 64u);
    add("taken", "10.89.0.0/24");
    auto next = add("next");
    EXPECT_EQ(format_ipv4(next.subnet), "10.89.1.0");
    EXPECT_EQ(next.bridge, "vmlet2");
    // Records survive: a new store object (another vmlet) reads them back.
    auto found = store().find("next");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found.value().gateway, next.gateway);
    EXPECT_EQ(store().find(next.id.substr(0, 6)).value().name, "next");
    EXPECT_EQ(store().list().value().size(), 3u);
}

TEST_F(NetworkStoreTest, BadRequestsAreRefused)
{
    add("first", "10.90.0.0/24");
    auto refused = [&](NetworkRequest request) {
        auto added = store().add(request);
        return added.ok() ? std::string("accepted") : added.error().message();
    };
    EXPECT_EQ(refused({ .name = "first", .subnet = {}, .gateway = {} }), "network with name first already exists");
    EXPECT_EQ(refused({ .name = "wide", .subnet = parse_subnet("10.90.0.0/16"), .gateway = {} }), "the subnet 10.90.0.0/16 overlaps network first's");
    EXPECT_EQ(refused({ .name = "gw", .subnet = parse_subnet("10.91.0.0/24"), .gateway = parse_ipv4("10.91.0.255") }),
        "the gateway 10.91.0.255 is not a host address of the subnet 10.91.0.0/24");
    EXPECT_EQ(refused({ .name = "-dash", .subnet = {}, .gateway = {} }),
        "invalid network name \"-dash\": use letters, digits, '_', '.', '-', starting with a letter or digit");
    EXPECT_EQ(refused({ .name = "../up", .subnet = {}, .gateway = {} }),
        "invalid network name \"../up\": use letters, digits, '_', '.', '-', starting with a letter or digit");
    EXPECT_EQ(refused({ .name = "host", .subnet = {}, .gateway = {} }), "the network name \"host\" is reserved for --network host");
}

TEST_F(NetworkStoreTest, AddressesAreHandedOutOnceUntilTheirContainerGoes)
{
    auto network = add("small", "10.92.0.0/29"); // .1 the gateway, .2 to .6 containers, .7 broadcast
    std::vector<std::string> handed;
    for (int index = 0; index < 5; ++index) {
        auto joined = store().attach(network, endpoint(fmt::format("c{}", index)), std::nullopt, never_gone);
        ASSERT_TRUE(joined.ok()) << joined.error().message();
        handed.push_back(format_ipv4(joined.value().address));
    }
    EXPECT_EQ(handed, (std::vector<std::string> { "10.92.0.2", "10.92.0.3", "10.92.0.4", "10.92.0.5", "10.92.0.6" }));
    auto full = store().attach(network, endpoint("c5"), std::nullopt, never_gone);
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().message(), "network small has no free address left");
    // A gone container's address is free again; the others keep theirs, read back from disk.
    auto reread = store().find("small").release_value();
    auto joined = store().attach(reread, endpoint("c6"), std::nullopt, [](const std::string& id) { return id == "c2"; });
    ASSERT_TRUE(joined.ok());
    EXPECT_EQ(format_ipv4(joined.value().address), "10.92.0.4");
    EXPECT_EQ(store().find("small").value().endpoints.size(), 5u);
    // Asked for: taken, outside, the broadcast address.
    auto taken = store().attach(reread, endpoint("c7"), parse_ipv4("10.92.0.3"), never_gone);
    EXPECT_EQ(taken.error().message(), "the address 10.92.0.3 is already in use on network small");
    auto outside = store().attach(reread, endpoint("c7"), parse_ipv4("10.93.0.3"), never_gone);
    EXPECT_EQ(outside.error().message(), "the address 10.93.0.3 is not in network small's subnet 10.92.0.0/29");
    auto broadcast = store().attach(reread, endpoint("c7"), parse_ipv4("10.92.0.7"), never_gone);
    EXPECT_FALSE(broadcast.ok());
    // A removed container releases its address on every network.
    ASSERT_TRUE(store().detach_everywhere("c0").ok());
    EXPECT_EQ(store().find("small").value().endpoints.count("c0"), 0u);
}

TEST_F(NetworkStoreTest, PeersAreNamedOnUserNetworksOnlyAndMacsFollowAddresses)
{
    auto user = add("user", "10.94.0.0/24");
    auto first = store().attach(user, { .container_id = "0123456789abcdef", .container_name = "web", .aliases = { "www" }, .address = 0 }, std::nullopt, never_gone).release_value();
    (void)store().attach(user, endpoint("fedcba9876543210", "db"), std::nullopt, never_gone);
    auto peers = peers_of(user, "fedcba9876543210");
    ASSERT_EQ(peers.size(), 1u);
    EXPECT_EQ(peers.front().address, "10.94.0.2");
    EXPECT_EQ(peers.front().names, (std::vector<std::string> { "web", "www", "0123456789ab" }));
    EXPECT_EQ(format_mac(attachment_of(user, first).mac), "02:42:0a:5e:00:02");

    auto bridge = add(NetworkStore::kDefaultNetwork);
    (void)store().attach(bridge, endpoint("a1", "one"), std::nullopt, never_gone);
    (void)store().attach(bridge, endpoint("b2", "two"), std::nullopt, never_gone);
    EXPECT_TRUE(peers_of(bridge, "a1").empty());
}

}
}
