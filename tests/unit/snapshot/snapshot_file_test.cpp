#include "vmm/snapshot/machine_shape.h"
#include "vmm/snapshot/snapshot_file.h"

#include <gtest/gtest.h>

using namespace vmlet;

TEST(SnapshotFile, FramedStateUnframesToItsPayload)
{
    std::vector<uint8_t> payload { 1, 2, 3, 4, 5 };
    auto file = frame_snapshot_state(payload);
    auto back = unframe_snapshot_state(file, "state");
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), payload);
}

TEST(SnapshotFile, AnythingButAWholeStateFileOfThisVersionIsRefused)
{
    auto file = frame_snapshot_state({ 9, 8, 7 });
    auto message = [](const std::vector<uint8_t>& bytes) {
        auto result = unframe_snapshot_state(bytes, "dir/state");
        return result.ok() ? std::string("accepted") : result.error().message();
    };
    EXPECT_EQ(message({}), "dir/state is not a vmlet snapshot");
    EXPECT_EQ(message({ 'E', 'L', 'F', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }), "dir/state is not a vmlet snapshot");
    for (size_t cut : { file.size() - 1, file.size() - 5, size_t(14) })
        EXPECT_NE(message({ file.begin(), file.begin() + static_cast<long>(cut) }), "accepted") << cut;
    for (size_t at = 8; at < file.size(); ++at) {
        auto altered = file;
        altered[at] ^= 0x01;
        EXPECT_NE(message(altered), "accepted") << "a flipped bit at " << at << " went unnoticed";
    }
    auto newer = file;
    newer[8] = 2; // the format version
    EXPECT_EQ(message(newer), "dir/state is in snapshot format 2; this vmlet reads format 1");
}

TEST(MachineShape, RoundTripsTheConfigurationARestoreRebuilds)
{
    MachineShape shape;
    shape.config.cpus = 2;
    shape.config.memory_mib = 192;
    shape.config.console = ConsoleKind::Virtio;
    shape.config.disks = { { "/images/a.ext4", true }, { "/data/b.img", false } };
    shape.config.nets = { { "tap7", std::array<uint8_t, 6> { 2, 0, 0, 0, 0, 9 } } };
    shape.config.vsock = VsockConfig { 3, "/run/v.sock" };
    shape.config.shares = { { "vols", { { "/srv/a", "a", true }, { "/srv/b", "b", false } } }, { "empty", {} } };
    shape.cpuid_checksum = 0xfeedbeef;
    shape.init_reached = true;
    shape.console_input = true;
    StateWriter writer;
    write_machine_shape(writer, shape);
    StateReader reader(writer.data());
    auto back = read_machine_shape(reader);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(reader.at_end());
    const auto& config = back.value().config;
    EXPECT_EQ(config.cpus, 2u);
    EXPECT_EQ(config.memory_mib, 192u);
    EXPECT_EQ(config.console, ConsoleKind::Virtio);
    ASSERT_EQ(config.disks.size(), 2u);
    EXPECT_EQ(config.disks[1].path, "/data/b.img");
    EXPECT_TRUE(config.disks[0].read_only);
    ASSERT_EQ(config.nets.size(), 1u);
    EXPECT_EQ(config.nets[0].tap, "tap7");
    EXPECT_EQ(config.nets[0].mac->at(5), 9);
    ASSERT_TRUE(config.vsock.has_value());
    EXPECT_EQ(config.vsock->socket_path, "/run/v.sock");
    ASSERT_EQ(config.shares.size(), 2u);
    EXPECT_EQ(config.shares[0].tag, "vols");
    ASSERT_EQ(config.shares[0].exports.size(), 2u);
    EXPECT_EQ(config.shares[0].exports[0].host_directory, "/srv/a");
    EXPECT_EQ(config.shares[0].exports[1].name, "b");
    EXPECT_TRUE(config.shares[0].exports[0].read_only);
    EXPECT_FALSE(config.shares[0].exports[1].read_only);
    EXPECT_EQ(config.shares[1].tag, "empty");
    EXPECT_TRUE(config.shares[1].exports.empty());
    EXPECT_EQ(back.value().cpuid_checksum, 0xfeedbeefu);
    EXPECT_TRUE(back.value().init_reached);
    EXPECT_TRUE(back.value().console_input);

    // A count no machine has is refused before anything is allocated for it.
    StateWriter hostile;
    hostile.u32(1);
    hostile.u64(128);
    hostile.u32(0);
    hostile.boolean(false);
    hostile.boolean(false);
    hostile.u8(0);
    hostile.u32(0xffffffff);
    StateReader hostile_reader(hostile.data());
    EXPECT_FALSE(read_machine_shape(hostile_reader).ok());
}
