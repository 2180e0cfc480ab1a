#include "containers/cli/container_inspect.h"

#include <gtest/gtest.h>

namespace vmlet {
namespace {

ContainerRecord running_record()
{
    ContainerRecord record;
    record.id = std::string(64, 'a');
    record.name = "web";
    record.image_id = "sha256:" + std::string(64, 'b');
    record.image_name = "app:1";
    record.isolation = Isolation::Process;
    record.command = { "sh", "-c", "sleep 1" };
    record.env = { "PATH=/bin" };
    record.working_dir = "/srv";
    record.created = "2026-12-07T10:00:00Z";
    record.state = ContainerState::Running;
    record.started = "2026-12-07T10:00:01Z";
    record.container_pid = 1234;
    record.monitor_pid = 1200;
    record.network = "bridge";
    return record;
}

TEST(ContainerInspect, StateOfARunningAPausedAndAnExitedContainer)
{
    auto record = running_record();
    auto json = inspect_container(record, {});
    EXPECT_EQ(json["Id"], record.id);
    EXPECT_EQ(json["Name"], "/web");
    EXPECT_EQ(json["Path"], "sh");
    EXPECT_EQ(json["Args"], nlohmann::json({ "-c", "sleep 1" }));
    EXPECT_EQ(json["Image"], record.image_id);
    EXPECT_EQ(json["Config"]["Image"], "app:1");
    EXPECT_EQ(json["Config"]["Cmd"], nlohmann::json({ "sh", "-c", "sleep 1" }));
    EXPECT_EQ(json["State"]["Status"], "running");
    EXPECT_EQ(json["State"]["Running"], true);
    EXPECT_EQ(json["State"]["Paused"], false);
    EXPECT_EQ(json["State"]["Pid"], 1234);
    EXPECT_EQ(json["State"]["StartedAt"], "2026-12-07T10:00:01Z");
    EXPECT_EQ(json["State"]["FinishedAt"], "0001-01-01T00:00:00Z");
    EXPECT_EQ(json["HostConfig"]["Isolation"], "process");
    EXPECT_EQ(json["Vmlet"]["Isolation"], "process");

    auto paused = inspect_container(record, { .paused = true, .network = {}, .aliases = {} });
    EXPECT_EQ(paused["State"]["Status"], "paused");
    EXPECT_EQ(paused["State"]["Running"], true);
    EXPECT_EQ(paused["State"]["Paused"], true);

    record.state = ContainerState::Exited;
    record.exit_code = 3;
    record.finished = "2026-12-07T10:00:05Z";
    auto exited = inspect_container(record, { .paused = true, .network = {}, .aliases = {} });
    EXPECT_EQ(exited["State"]["Status"], "exited");
    EXPECT_EQ(exited["State"]["Running"], false);
    EXPECT_EQ(exited["State"]["Paused"], false);
    EXPECT_EQ(exited["State"]["Pid"], 0);
    EXPECT_EQ(exited["State"]["ExitCode"], 3);
    EXPECT_EQ(exited["State"]["FinishedAt"], "2026-12-07T10:00:05Z");
}

TEST(ContainerInspect, MountsAndBindsFollowTheRecordsMounts)
{
    auto record = running_record();
    record.mounts = {
        { .kind = MountSpec::Kind::Bind, .source = "/host/data", .host_path = "/host/data", .target = "/data", .read_only = true, .tmpfs_size = {}, .tmpfs_mode = {} },
        { .kind = MountSpec::Kind::Volume, .source = "cache", .host_path = "/var/lib/vmlet/volumes/cache/_data", .target = "/cache", .read_only = false,
            .tmpfs_size = {}, .tmpfs_mode = {} },
        { .kind = MountSpec::Kind::Tmpfs, .source = {}, .host_path = {}, .target = "/run", .read_only = false, .tmpfs_size = 65536, .tmpfs_mode = 0755 },
    };
    auto json = inspect_container(record, {});
    const auto& mounts = json["Mounts"];
    ASSERT_EQ(mounts.size(), 3u);
    EXPECT_EQ(mounts[0]["Type"], "bind");
    EXPECT_EQ(mounts[0]["Source"], "/host/data");
    EXPECT_EQ(mounts[0]["Destination"], "/data");
    EXPECT_EQ(mounts[0]["RW"], false);
    EXPECT_EQ(mounts[0]["Mode"], "ro");
    EXPECT_FALSE(mounts[0].contains("Name"));
    EXPECT_EQ(mounts[1]["Type"], "volume");
    EXPECT_EQ(mounts[1]["Name"], "cache");
    EXPECT_EQ(mounts[1]["Source"], "/var/lib/vmlet/volumes/cache/_data");
    EXPECT_EQ(mounts[1]["RW"], true);
    EXPECT_EQ(mounts[2]["Type"], "tmpfs");
    EXPECT_EQ(mounts[2]["Destination"], "/run");
    EXPECT_EQ(json["HostConfig"]["Binds"], nlohmann::json({ "/host/data:/data:ro", "cache:/cache" }));
    EXPECT_EQ(json["HostConfig"]["Tmpfs"], nlohmann::json({ { "/run", "size=65536,mode=755" } }));
}

TEST(ContainerInspect, TheNetworksAddressComesFromItsEndpoint)
{
    auto record = running_record();
    NetworkAttachment attachment;
    attachment.address = 0x0a580005;
    attachment.prefix_length = 16;
    attachment.gateway = 0x0a580001;
    attachment.mac = { 0x02, 0x42, 0x0a, 0x58, 0x00, 0x05 };
    auto json = inspect_container(record, { .paused = false, .network = attachment, .aliases = { "db" } });
    const auto& endpoint = json["NetworkSettings"]["Networks"]["bridge"];
    EXPECT_EQ(endpoint["IPAddress"], "10.88.0.5");
    EXPECT_EQ(endpoint["Gateway"], "10.88.0.1");
    EXPECT_EQ(endpoint["MacAddress"], "02:42:0a:58:00:05");
    EXPECT_EQ(endpoint["Aliases"], nlohmann::json({ "db" }));
    EXPECT_EQ(json["HostConfig"]["NetworkMode"], "bridge");

    record.network.clear();
    EXPECT_TRUE(inspect_container(record, {})["NetworkSettings"]["Networks"].empty());
}

}
}
