#include "containers/oci/bundle_config.h"
#include "containers/runtime/sysctl_spec.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

namespace vmlet::oci {
namespace {

using Json = nlohmann::json;

// A config.json as podman 4.3 writes one (trimmed to the fields that matter here).
Json podman_config()
{
    return Json::parse(R"({
      "ociVersion": "1.0.2-dev",
      "process": {
        "user": { "uid": 1000, "gid": 100 },
        "args": [ "sh", "-c", "echo hi" ],
        "env": [ "PATH=/bin", "TERM=xterm" ],
        "cwd": "/work",
        "capabilities": {
          "bounding": [ "CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL" ],
          "effective": [ "CAP_CHOWN", "CAP_NET_BIND_SERVICE" ],
          "permitted": [ "CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_KILL" ]
        },
        "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1024 } ],
        "noNewPrivileges": true
      },
      "root": { "path": "rootfs", "readonly": true },
      "hostname": "box",
      "mounts": [
        { "destination": "/proc", "type": "proc", "source": "proc" },
        { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "mode=755" ] },
        { "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup" },
        { "destination": "/etc/hosts", "type": "bind", "source": "/run/x/hosts", "options": [ "bind", "rprivate" ] },
        { "destination": "/data/", "type": "bind", "source": "vol", "options": [ "rbind", "rw", "ro", "noexec", "exec", "noexec", "nosuid" ] },
        { "destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": [ "size=65536k", "mode=1777" ] }
      ],
      "annotations": { "io.vmlet.isolation": "process", "org.opencontainers.image.stopSignal": "15" },
      "linux": {
        "sysctl": { "net.ipv4.ping_group_range": "0 0" },
        "resources": { "devices": [ { "allow": false, "access": "rwm" } ], "pids": { "limit": 2048 },
                       "memory": { "limit": 268435456 }, "cpu": { "quota": 150000, "period": 100000 } },
        "cgroupsPath": "/libpod_parent/libpod-abc",
        "namespaces": [ { "type": "pid" }, { "type": "network", "path": "/run/netns/cni-1" }, { "type": "ipc" },
                        { "type": "uts" }, { "type": "mount" } ],
        "seccomp": { "defaultAction": "SCMP_ACT_ERRNO", "architectures": [ "SCMP_ARCH_X86_64" ],
                     "syscalls": [ { "names": [ "read", "write" ], "action": "SCMP_ACT_ALLOW" } ] },
        "maskedPaths": [ "/proc/kcore" ],
        "readonlyPaths": [ "/proc/sys" ]
      }
    })");
}

Result<BundleConfig> parse(const Json& config)
{
    return parse_bundle_config(config.dump(), "/bundles/b1");
}

TEST(BundleConfig, PodmansConfigBecomesTheContainerSpec)
{
    auto parsed = parse(podman_config());
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    const auto& config = parsed.value();
    const auto& spec = config.spec;
    EXPECT_EQ(spec.args, (std::vector<std::string> { "sh", "-c", "echo hi" }));
    EXPECT_EQ(spec.env, (std::vector<std::string> { "PATH=/bin", "TERM=xterm" }));
    EXPECT_EQ(spec.working_dir, "/work");
    EXPECT_EQ(spec.user, "1000:100");
    EXPECT_EQ(spec.hostname, "box");
    EXPECT_FALSE(spec.terminal.has_value());
    EXPECT_EQ(spec.rootfs.bundle_root, "/bundles/b1/rootfs");
    EXPECT_TRUE(spec.security.read_only_rootfs);
    EXPECT_EQ(spec.security.no_new_privileges, std::optional<bool>(true));
    // The sets are absolute: everything dropped, then what all three sets share.
    EXPECT_EQ(spec.security.cap_drop, (std::vector<std::string> { "ALL" }));
    EXPECT_EQ(spec.security.cap_add, (std::vector<std::string> { "CAP_CHOWN", "CAP_NET_BIND_SERVICE" }));
    EXPECT_EQ(spec.security.seccomp, SeccompMode::Profile);
    EXPECT_NE(spec.security.seccomp_profile.find("SCMP_ACT_ERRNO"), std::string::npos);
    EXPECT_EQ(spec.limits.memory_bytes, std::optional<uint64_t>(268435456));
    EXPECT_EQ(spec.limits.pids_max, std::optional<uint64_t>(2048));
    EXPECT_EQ(spec.limits.cpus, std::optional<double>(1.5));
    EXPECT_EQ(config.isolation, Isolation::Process);
    EXPECT_EQ(config.annotations, (std::map<std::string, std::string> { { "io.vmlet.isolation", "process" }, { "org.opencontainers.image.stopSignal", "15" } }));
    EXPECT_EQ(config.network_namespace, "/run/netns/cni-1");
    EXPECT_FALSE(config.new_network_namespace);
    EXPECT_EQ(config.cgroups_path, "/libpod_parent/libpod-abc");
    ASSERT_EQ(config.rlimits.size(), 1u);
    EXPECT_EQ(config.rlimits[0].resource, RLIMIT_NOFILE);
    EXPECT_EQ(config.rlimits[0].soft, 1024u);
    EXPECT_EQ(config.rlimits[0].hard, 1048576u);
    ASSERT_EQ(spec.sysctls.size(), 1u);
    EXPECT_EQ(spec.sysctls[0].first, "net.ipv4.ping_group_range");

    // /proc, /dev and the cgroup mount are the sandbox's own; the rest, in order.
    ASSERT_EQ(spec.mounts.size(), 3u);
    EXPECT_EQ(spec.mounts[0].kind, MountSpec::Kind::Bind);
    EXPECT_EQ(spec.mounts[0].target, "/etc/hosts");
    EXPECT_EQ(spec.mounts[0].host_path, "/run/x/hosts");
    EXPECT_FALSE(spec.mounts[0].read_only);
    EXPECT_EQ(spec.mounts[1].target, "/data");
    EXPECT_EQ(spec.mounts[1].host_path, "/bundles/b1/vol"); // relative: under the bundle
    EXPECT_TRUE(spec.mounts[1].read_only); // the last of rw and ro
    EXPECT_TRUE(spec.mounts[1].no_exec); // the last of noexec and exec
    EXPECT_TRUE(spec.mounts[1].no_suid);
    EXPECT_FALSE(spec.mounts[0].no_exec || spec.mounts[0].no_suid);
    EXPECT_EQ(spec.mounts[2].kind, MountSpec::Kind::Tmpfs);
    EXPECT_EQ(spec.mounts[2].tmpfs_size, std::optional<uint64_t>(65536 * 1024)); // containerd's "65536k"
    EXPECT_EQ(spec.mounts[2].tmpfs_mode, std::optional<uint32_t>(01777));
}

TEST(BundleConfig, DefaultsAreTheRuntimeSpecs)
{
    auto config = podman_config();
    config["annotations"]["io.vmlet.isolation"] = ""; // as absent
    config["linux"].erase("seccomp");
    config["linux"].erase("sysctl");
    config["linux"]["namespaces"] = Json::array({ { { "type", "network" } } });
    config["process"].erase("capabilities");
    config["process"].erase("noNewPrivileges");
    config["process"]["terminal"] = true;
    config["process"]["consoleSize"] = { { "height", 40 }, { "width", 120 } };
    auto parsed = parse(config);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(parsed.value().isolation, Isolation::Vm);
    EXPECT_EQ(parsed.value().spec.security.seccomp, SeccompMode::Unconfined); // no linux.seccomp: none, as runc
    EXPECT_TRUE(parsed.value().spec.security.cap_add.empty());
    EXPECT_EQ(parsed.value().spec.security.no_new_privileges, std::optional<bool>(false));
    EXPECT_TRUE(parsed.value().new_network_namespace);
    ASSERT_TRUE(parsed.value().spec.terminal.has_value());
    EXPECT_EQ(parsed.value().spec.terminal->rows, 40);
    EXPECT_EQ(parsed.value().spec.terminal->cols, 120);
}

// Each of these would weaken or change the isolation if passed over: one line naming the field.
TEST(BundleConfig, WhatIsNotSupportedIsRefusedByName)
{
    struct Case {
        std::function<void(Json&)> change;
        std::string named;
    };
    std::vector<Case> cases {
        { [](Json& c) { c["linux"]["namespaces"].push_back({ { "type", "user" } }); }, "user namespace" },
        { [](Json& c) { c["linux"]["namespaces"][0]["path"] = "/proc/1/ns/pid"; }, "joining the pid namespace" },
        { [](Json& c) { c["linux"]["uidMappings"] = Json::array({ { { "containerID", 0 } } }); }, "linux.uidMappings" },
        { [](Json& c) { c["linux"]["devices"] = Json::array({ { { "path", "/dev/sda" } } }); }, "linux.devices" },
        { [](Json& c) { c["linux"]["sysctl"]["kernel.panic"] = "1"; }, "sysctl kernel.panic" },
        { [](Json& c) { c["linux"]["sysctl"]["net/../../kernel/panic"] = "1"; }, "not a kernel parameter" },
        { [](Json& c) { c["linux"]["resources"]["hugepageLimits"] = Json::array({ { { "pageSize", "2MB" } } }); }, "hugepageLimits" },
        { [](Json& c) { c["linux"]["seccomp"]["listenerPath"] = "/run/s"; }, "listenerPath" },
        { [](Json& c) { c["hooks"] = { { "prestart", Json::array({ { { "path", "/bin/true" } } }) } }; }, "hooks" },
        { [](Json& c) { c["mounts"].push_back({ { "destination", "/x" }, { "type", "nfs" }, { "source", "h:/x" } }); }, "type \"nfs\" on /x" },
        { [](Json& c) { c["mounts"].push_back({ { "destination", "/proc/sysrq-trigger" }, { "type", "bind" }, { "source", "/x" } }); }, "/proc" },
        { [](Json& c) { c["mounts"].push_back({ { "destination", "/data/in" }, { "type", "bind" }, { "source", "/x" } }); }, "inside mount target /data" },
        { [](Json& c) { c["process"]["capabilities"]["bounding"].push_back("CAP_NOT_ONE"); }, "CAP_NOT_ONE" },
        { [](Json& c) { c["process"]["rlimits"].push_back({ { "type", "RLIMIT_BOGUS" }, { "soft", 1 }, { "hard", 1 } }); }, "RLIMIT_BOGUS" },
        { [](Json& c) { c["process"]["rlimits"][0]["soft"] = 2000000; }, "soft at most hard" },
        { [](Json& c) { c["process"]["cwd"] = "relative"; }, "process.cwd" },
        { [](Json& c) { c["mounts"][5]["options"] = { "size=50%" }; }, "size 50%" },
        { [](Json& c) { c["annotations"]["org.example.count"] = 3; }, "the value of org.example.count is not a string" },
        { [](Json& c) { c["process"]["args"] = Json::array(); }, "process.args" },
        { [](Json& c) { c["process"]["terminal"] = "yes"; }, "process.terminal" },
        { [](Json& c) { c["process"]["user"]["uid"] = -1; }, "process.user.uid" },
        { [](Json& c) { c["ociVersion"] = "2.0.0"; }, "ociVersion" },
        { [](Json& c) { c.erase("root"); }, "root" },
        { [](Json& c) { c.erase("linux"); }, "linux" },
        { [](Json& c) { c["annotations"]["io.vmlet.isolation"] = "hyperv"; }, "hyperv" },
    };
    for (const auto& test : cases) {
        auto config = podman_config();
        test.change(config);
        auto parsed = parse(config);
        ASSERT_FALSE(parsed.ok()) << test.named;
        EXPECT_NE(parsed.error().message().find(test.named), std::string::npos) << parsed.error().message();
        EXPECT_EQ(parsed.error().message().find('\n'), std::string::npos);
    }
    EXPECT_FALSE(parse_bundle_config("{", "/b").ok());
    EXPECT_FALSE(parse_bundle_config("[]", "/b").ok());
}

TEST(BundleConfig, NetworkSysctlsNeedANetworkNamespace)
{
    auto config = podman_config();
    config["linux"]["namespaces"] = Json::array({ { { "type", "pid" } } });
    auto parsed = parse(config);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message().find("host's network namespace"), std::string::npos);
}

TEST(SysctlSpec, OnlyTheContainersOwnNamespaces)
{
    EXPECT_TRUE(check_sysctl("net.ipv4.ip_forward", true).ok());
    EXPECT_FALSE(check_sysctl("net.ipv4.ip_forward", false).ok());
    EXPECT_TRUE(check_sysctl("kernel.shmmax", false).ok());
    EXPECT_TRUE(check_sysctl("fs.mqueue.msg_max", false).ok());
    for (const char* refused : { "kernel.panic", "vm.overcommit_memory", "fs.file-max", "kernel.shm", "", "net..x", ".net.x", "net/x", "NET.X" })
        EXPECT_FALSE(check_sysctl(refused, true).ok()) << refused;
    EXPECT_EQ(sysctl_file("/r/proc", "net.ipv4.ping_group_range").value(), "/r/proc/sys/net/ipv4/ping_group_range");
    EXPECT_FALSE(sysctl_file("/r/proc", "net.../x").ok());
}

TEST(BundleProcess, AnExecsProcessFile)
{
    auto parsed = parse_bundle_process(R"({"args":["ls","-l"],"cwd":"/","env":["A=1"],"terminal":true,"user":{"uid":5,"gid":6}})");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(parsed.value().args, (std::vector<std::string> { "ls", "-l" }));
    EXPECT_EQ(parsed.value().user, "5:6");
    EXPECT_TRUE(parsed.value().terminal.has_value());
    EXPECT_FALSE(parse_bundle_process(R"({"args":["ls"]})").ok()); // no cwd
}

}
}
