#include "vmm/vm/device_options.h"

#include <gtest/gtest.h>

using namespace vmlet;

TEST(DeviceOptions, Disk)
{
    auto disk = parse_disk_option("/images/a.img,ro").release_value();
    EXPECT_EQ(disk.path, "/images/a.img");
    EXPECT_TRUE(disk.read_only);
    EXPECT_FALSE(parse_disk_option("b.img").release_value().read_only);
    EXPECT_FALSE(parse_disk_option("").ok());
    EXPECT_FALSE(parse_disk_option("a.img,rw").ok());
}

TEST(DeviceOptions, Net)
{
    auto tap = parse_net_option("tap=tap0,mac=02:AB:00:00:00:01").release_value();
    EXPECT_EQ(tap.tap, "tap0");
    ASSERT_TRUE(tap.mac.has_value());
    EXPECT_EQ((*tap.mac)[1], 0xab);
    EXPECT_TRUE(parse_net_option("auto").release_value().tap.empty());
    EXPECT_FALSE(parse_net_option("").ok());
    EXPECT_FALSE(parse_net_option("tap=").ok());
    EXPECT_FALSE(parse_net_option("tap=a-name-longer-than-15").ok());
    EXPECT_FALSE(parse_net_option("tap=a,auto").ok());
    EXPECT_FALSE(parse_net_option("auto,mac=01:00:00:00:00:01").ok()) << "multicast";
    EXPECT_FALSE(parse_net_option("auto,mac=02:00:00:00:00").ok());
    EXPECT_FALSE(parse_net_option("auto,mac=02:00:00:00:00:zz").ok());
}

TEST(DeviceOptions, NetByDescriptor)
{
    auto inherited = parse_net_option("fd=7,mac=02:00:00:00:00:05").release_value();
    EXPECT_EQ(inherited.tap_fd, 7);
    EXPECT_TRUE(inherited.tap.empty());
    EXPECT_EQ((*inherited.mac)[5], 5);
    EXPECT_EQ(parse_net_option("fd=3").release_value().tap_fd, 3);
    EXPECT_FALSE(parse_net_option("auto").release_value().tap_fd.has_value());
    EXPECT_FALSE(parse_net_option("fd=2").ok()) << "a standard stream";
    EXPECT_FALSE(parse_net_option("fd=").ok());
    EXPECT_FALSE(parse_net_option("fd=-4").ok());
    EXPECT_FALSE(parse_net_option("fd=4x").ok());
    EXPECT_FALSE(parse_net_option("fd=99999999999").ok());
    EXPECT_FALSE(parse_net_option("fd=4,tap=tap0").ok());
    EXPECT_FALSE(parse_net_option("auto,fd=4").ok());
    EXPECT_FALSE(parse_net_option("fd=4,fd=5").ok());
}

TEST(DeviceOptions, Vsock)
{
    auto vsock = parse_vsock_option("cid=3,uds=/tmp/v.sock").release_value();
    EXPECT_EQ(vsock.guest_cid, 3u);
    EXPECT_EQ(vsock.socket_path, "/tmp/v.sock");
    EXPECT_FALSE(parse_vsock_option("cid=2,uds=/tmp/v").ok()) << "2 is the host";
    EXPECT_FALSE(parse_vsock_option("cid=3").ok());
    EXPECT_FALSE(parse_vsock_option("cid=x,uds=/tmp/v").ok());
    EXPECT_FALSE(parse_vsock_option("cid=3,uds=/tmp/v,port=1").ok());
}

TEST(DeviceOptions, SharesGatherByTag)
{
    std::vector<ShareConfig> shares;
    EXPECT_TRUE(add_share_option(shares, "/srv/data:data").ok());
    EXPECT_TRUE(add_share_option(shares, "/srv/a:vols,ro,name=a").ok());
    EXPECT_TRUE(add_share_option(shares, "/srv/b:vols,name=b").ok());
    EXPECT_TRUE(add_share_option(shares, ":empty").ok());
    EXPECT_TRUE(add_share_option(shares, "/odd:dir:odd").ok()) << "the last ':' ends the directory";
    ASSERT_EQ(shares.size(), 4u);
    EXPECT_EQ(shares[0].tag, "data");
    ASSERT_EQ(shares[0].exports.size(), 1u);
    EXPECT_EQ(shares[0].exports[0].host_directory, "/srv/data");
    EXPECT_TRUE(shares[0].exports[0].name.empty());
    ASSERT_EQ(shares[1].exports.size(), 2u);
    EXPECT_TRUE(shares[1].exports[0].read_only);
    EXPECT_EQ(shares[1].exports[0].name, "a");
    EXPECT_FALSE(shares[1].exports[1].read_only);
    EXPECT_TRUE(shares[2].exports.empty());
    EXPECT_EQ(shares[3].exports[0].host_directory, "/odd:dir");
    EXPECT_FALSE(add_share_option(shares, "/srv/x").ok()) << "no tag";
    EXPECT_FALSE(add_share_option(shares, "/srv/x:").ok());
    EXPECT_FALSE(add_share_option(shares, "/srv/x:t,rw").ok());
    EXPECT_FALSE(add_share_option(shares, "/srv/x:t,name=").ok());
    EXPECT_FALSE(add_share_option(shares, ":t,ro").ok());
}
