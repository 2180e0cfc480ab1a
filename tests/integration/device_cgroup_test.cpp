// The device confinement of a container's cgroup on this host (root only): a process in it can
// neither make nor open a node of the host's disk, whatever capabilities it has, and still uses
// /dev/null; with cgroup v1's devices controller here, and with the v2 program on the unified
// hierarchy, which a hybrid host mounts beside the v1 ones.
#include "containers/runtime/cgroup/cgroup.h"
#include "containers/runtime/cgroup/cgroup_layout.h"
#include "tests/support/cgroup2_mount.h"
#include "tests/support/host_devices.h"
#include "tests/support/host_lock.h"
#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace vmlet {

namespace {

std::string outcome(bool ok)
{
    return ok ? "ok" : std::strerror(errno);
}

// What a process of `cgroup` meets: open(2) of /dev/null, of a node of the host's `disk` and of
// /dev/kmsg's numbers (both made here, outside the cgroup), and mknod(2) of the disk and of null.
std::string accesses_inside(const Cgroup& cgroup, const test::TemporaryDirectory& scratch, dev_t disk)
{
    int report[2], go[2];
    if (::pipe(report) < 0 || ::pipe(go) < 0)
        return "pipe failed";
    pid_t child = ::fork();
    if (child == 0) {
        char byte;
        if (::read(go[0], &byte, 1) != 1)
            ::_exit(1);
        auto opens = [](const std::string& path) {
            int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            bool ok = fd >= 0;
            if (ok)
                ::close(fd);
            return outcome(ok);
        };
        auto text = "null " + opens("/dev/null") + ", disk " + opens(scratch.file("disk")) + ", kmsg " + opens(scratch.file("kmsg"))
            + ", mknod disk " + outcome(::mknod(scratch.file("made-disk").c_str(), S_IFBLK | 0600, disk) == 0)
            + ", mknod null " + outcome(::mknod(scratch.file("made-null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
        [[maybe_unused]] auto written = ::write(report[1], text.data(), text.size());
        ::_exit(0);
    }
    ::close(report[1]);
    ::close(go[0]);
    auto added = cgroup.add_process(child);
    EXPECT_TRUE(added.ok()) << added.error().message();
    [[maybe_unused]] auto released = ::write(go[1], "1", 1);
    ::close(go[1]);
    std::string text;
    char buffer[512];
    for (ssize_t count; (count = ::read(report[0], buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<size_t>(count));
    ::close(report[0]);
    ::waitpid(child, nullptr, 0);
    return text;
}

class DeviceCgroupTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root";
        m_host_lock.emplace();
        auto disk = test::openable_block_device();
        if (!disk)
            GTEST_SKIP() << "this host lets the test open none of its block devices";
        m_disk = *disk;
        // The nodes open from here: what refuses them inside is the cgroup.
        ASSERT_EQ(::mknod(m_scratch.file("disk").c_str(), S_IFBLK | 0600, m_disk), 0) << std::strerror(errno);
        ASSERT_EQ(::mknod(m_scratch.file("kmsg").c_str(), S_IFCHR | 0600, makedev(1, 11)), 0) << std::strerror(errno);
        int kmsg = ::open(m_scratch.file("kmsg").c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(kmsg, 0) << std::strerror(errno);
        ::close(kmsg);
    }

    std::string id() const { return fmt::format("devices-test-{}", ::getpid()); }

    std::optional<test::HostContainersLock> m_host_lock;
    test::TemporaryDirectory m_scratch;
    dev_t m_disk {};
};

constexpr const char* kConfined = "null ok, disk Operation not permitted, kmsg Operation not permitted, "
                                  "mknod disk Operation not permitted, mknod null ok";

}

TEST_F(DeviceCgroupTest, TheV1ControllerRefusesAllButTheDefaultDevices)
{
    auto layout = find_cgroup_layout();
    ASSERT_TRUE(layout.ok()) << layout.error().message();
    if (layout.value().version != CgroupVersion::V1)
        GTEST_SKIP() << "this host's cgroups are v2";
    {
        auto cgroup = Cgroup::create(layout.value(), id(), {}, DeviceAccess::Allowlist);
        ASSERT_TRUE(cgroup.ok()) << cgroup.error().message();
        EXPECT_EQ(accesses_inside(cgroup.value(), m_scratch, m_disk), kConfined);
    }
    ::unlink(m_scratch.file("made-null").c_str());
    // --privileged: the caller's own devices.
    auto cgroup = Cgroup::create(layout.value(), id(), {}, DeviceAccess::All);
    ASSERT_TRUE(cgroup.ok()) << cgroup.error().message();
    EXPECT_EQ(accesses_inside(cgroup.value(), m_scratch, m_disk), "null ok, disk ok, kmsg ok, mknod disk ok, mknod null ok");
}

TEST_F(DeviceCgroupTest, TheV2ProgramRefusesAllButTheDefaultDevices)
{
    auto mount_point = test::cgroup2_mount_point();
    if (mount_point.empty())
        GTEST_SKIP() << "no cgroup2 mount on this host";
    std::ifstream self("/proc/self/cgroup");
    std::string own;
    for (std::string line; std::getline(self, line);) {
        if (line.starts_with("0::"))
            own = line.substr(3);
    }
    // The v2 code alone (find_cgroup_layout takes v1 on a hybrid host), as CgroupV2 in
    // process_sandbox_test.cpp: no limits, so no controller is needed.
    CgroupLayout layout { .version = CgroupVersion::V2, .controllers = {}, .v2_mount_point = mount_point };
    for (auto name : cgroup_controller_names)
        layout.controllers.push_back({ .name = std::string(name), .caller_dir = mount_point + (own == "/" ? "" : own) });
    auto cgroup = Cgroup::create(layout, id(), {}, DeviceAccess::Allowlist);
    ASSERT_TRUE(cgroup.ok()) << cgroup.error().message();
    EXPECT_EQ(accesses_inside(cgroup.value(), m_scratch, m_disk), kConfined);
}

}
