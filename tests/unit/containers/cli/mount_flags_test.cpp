#include "containers/cli/mount_flags.h"

#include <gtest/gtest.h>

using namespace vmlet;

// -v's three forms: a host path (absolute or ./relative) is a bind, a name a volume, a lone path an
// anonymous volume; ro and rw, and SELinux's z and Z, which mean nothing here.
TEST(MountFlags, VolumeFlagForms)
{
    auto bind = parse_volume_flag("/srv/data:/data:ro,z").value();
    EXPECT_EQ(bind.kind, MountSpec::Kind::Bind);
    EXPECT_EQ(bind.source, "/srv/data");
    EXPECT_EQ(bind.target, "/data");
    EXPECT_TRUE(bind.read_only);
    EXPECT_EQ(parse_volume_flag("./here:/x").value().kind, MountSpec::Kind::Bind);
    auto named = parse_volume_flag("db-data:/var/lib/db").value();
    EXPECT_EQ(named.kind, MountSpec::Kind::Volume);
    EXPECT_EQ(named.source, "db-data");
    EXPECT_FALSE(named.read_only);
    auto anonymous = parse_volume_flag("/cache").value();
    EXPECT_EQ(anonymous.kind, MountSpec::Kind::Volume);
    EXPECT_EQ(anonymous.source, "");
    for (const char* bad : { "", "a:b:c:d", ":/x", "/a::ro", "-bad:/x", "v:/x:exec" })
        EXPECT_FALSE(parse_volume_flag(bad).ok()) << bad;
}

TEST(MountFlags, MountAndTmpfsFlags)
{
    auto bind = parse_mount_flag("type=bind,src=/a,dst=/b,readonly").value();
    EXPECT_EQ(bind.kind, MountSpec::Kind::Bind);
    EXPECT_EQ(bind.source, "/a");
    EXPECT_EQ(bind.target, "/b");
    EXPECT_TRUE(bind.read_only);
    EXPECT_FALSE(parse_mount_flag("type=volume,source=v,target=/b,readonly=false").value().read_only);
    auto tmpfs = parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1700").value();
    EXPECT_EQ(tmpfs.tmpfs_size, 64u << 20);
    EXPECT_EQ(tmpfs.tmpfs_mode, 01700u);
    for (const char* bad : { "target=/x", "type=tmpfs,source=a,target=/x", "type=volume,target=/x,tmpfs-size=1m", "type=bind,source=/a,target=/b,readonly=maybe",
             "type=tmpfs,target=/t,tmpfs-mode=9" })
        EXPECT_FALSE(parse_mount_flag(bad).ok()) << bad;
    auto flag = parse_tmpfs_flag("/run:size=2k,mode=755,ro").value();
    EXPECT_EQ(flag.target, "/run");
    EXPECT_EQ(flag.tmpfs_size, 2048u);
    EXPECT_EQ(flag.tmpfs_mode, 0755u);
    EXPECT_TRUE(flag.read_only);
}

TEST(MountFlags, TargetsAreNormalizedAndDistinct)
{
    std::vector<MountSpec> mounts { parse_volume_flag("a:/data/").value(), parse_tmpfs_flag("/tmp//x").value() };
    EXPECT_FALSE(normalize_mount_targets(mounts).ok()); // an empty part
    mounts = { parse_volume_flag("a:/data/").value(), parse_tmpfs_flag("/tmp/x").value() };
    ASSERT_TRUE(normalize_mount_targets(mounts).ok());
    EXPECT_EQ(mounts[0].target, "/data");
    mounts.push_back(parse_tmpfs_flag("/data").value());
    EXPECT_FALSE(normalize_mount_targets(mounts).ok());
    for (const char* bad : { "/", "/a/../b", "/a/./b" }) {
        std::vector<MountSpec> one { parse_tmpfs_flag(bad).value() };
        EXPECT_FALSE(normalize_mount_targets(one).ok()) << bad;
    }
}
