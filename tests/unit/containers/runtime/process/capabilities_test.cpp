#include "containers/runtime/process/capabilities.h"

#include <gtest/gtest.h>

#include <linux/capability.h>

namespace vmlet {

namespace {

constexpr uint64_t bit(int capability)
{
    return uint64_t(1) << capability;
}

// Every capability of a 6.x kernel (0 to CAP_CHECKPOINT_RESTORE), and this host's share of them:
// all but CAP_SYS_RESOURCE.
constexpr uint64_t kAll = bit(CAP_CHECKPOINT_RESTORE + 1) - 1;
constexpr uint64_t kHost = kAll & ~bit(CAP_SYS_RESOURCE);

uint64_t capabilities(SecurityOptions options, uint64_t available = kAll)
{
    auto mask = container_capabilities(options, available);
    EXPECT_TRUE(mask.ok()) << mask.error().message();
    return mask.ok() ? mask.value() : 0;
}

std::string refusal(SecurityOptions options, uint64_t available = kAll)
{
    auto mask = container_capabilities(options, available);
    return mask.ok() ? "accepted" : mask.error().message();
}

}

TEST(Capabilities, DockersDefaultsAndItsNames)
{
    // The fourteen of moby's oci/caps/defaults.go: CapEff 00000000a80425fb in /proc/self/status.
    EXPECT_EQ(default_container_capabilities(), 0xa80425fbu);
    EXPECT_EQ(capabilities({}), default_container_capabilities());
    EXPECT_EQ(capability_number("CAP_CHOWN"), 0);
    EXPECT_EQ(capability_number("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
    EXPECT_EQ(capability_number("CAP_CHECKPOINT_RESTORE"), CAP_CHECKPOINT_RESTORE);
    EXPECT_EQ(capability_number("SYS_ADMIN"), std::nullopt);
    EXPECT_EQ(capability_number("CAP_NOTHING"), std::nullopt);
}

TEST(Capabilities, AddAndDropByDockersRules)
{
    auto defaults = default_container_capabilities();
    // Any case, CAP_ optional.
    EXPECT_EQ(capabilities({ .cap_add = { "net_admin", "CAP_SYS_TIME" } }), defaults | bit(CAP_NET_ADMIN) | bit(CAP_SYS_TIME));
    EXPECT_EQ(capabilities({ .cap_drop = { "MKNOD", "cap_net_raw" } }), defaults & ~bit(CAP_MKNOD) & ~bit(CAP_NET_RAW));
    // Dropping and adding one: added (the defaults lose it, then gain it back).
    EXPECT_EQ(capabilities({ .cap_add = { "MKNOD" }, .cap_drop = { "MKNOD" } }), defaults);
    // ALL added: everything but what is dropped; ALL dropped: only what is added.
    EXPECT_EQ(capabilities({ .cap_add = { "ALL" }, .cap_drop = { "SYS_ADMIN" } }), kAll & ~bit(CAP_SYS_ADMIN));
    EXPECT_EQ(capabilities({ .cap_add = { "MKNOD" }, .cap_drop = { "all" } }), bit(CAP_MKNOD));
    EXPECT_EQ(capabilities({ .cap_drop = { "ALL" } }), 0u);
    // --privileged: all, whatever else is said.
    EXPECT_EQ(capabilities({ .privileged = true, .cap_drop = { "ALL" } }), kAll);
}

TEST(Capabilities, WithinWhatVmletHolds)
{
    EXPECT_EQ(capabilities({ .privileged = true }, kHost), kHost);
    EXPECT_EQ(capabilities({ .cap_add = { "ALL" } }, kHost), kHost);
    EXPECT_EQ(capabilities({}, default_container_capabilities() & ~bit(CAP_MKNOD)), default_container_capabilities() & ~bit(CAP_MKNOD));
    EXPECT_EQ(refusal({ .cap_add = { "SYS_RESOURCE" } }, kHost),
        "--cap-add: CAP_SYS_RESOURCE cannot be given: vmlet itself does not hold it on this host");
}

TEST(Capabilities, UnknownNamesAreRefused)
{
    EXPECT_EQ(refusal({ .cap_add = { "SUPERPOWER" } }), "--cap-add: unknown capability: \"CAP_SUPERPOWER\"");
    EXPECT_EQ(refusal({ .cap_drop = { "cap_all" } }), "--cap-drop: unknown capability: \"CAP_ALL\"");
    EXPECT_EQ(refusal({ .privileged = true, .cap_add = { "" } }), "--cap-add: unknown capability: \"CAP_\"");
}

}
