#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// One device a container may use, as an entry of the v1 devices controller's allowlist
// (Documentation/admin-guide/cgroup-v1/devices.rst) and of the OCI runtime spec's
// linux.resources.devices (config-linux.md, "Allowed Device Cgroup").
struct DeviceRule {
    enum class Type : char { All = 'a', Char = 'c', Block = 'b' };
    // The access bits, numbered as BPF_DEVCG_ACC_* (<linux/bpf.h>), which the v2 program compares.
    enum Access : uint8_t { Mknod = 1, Read = 2, Write = 4, AnyAccess = 7 };

    Type type { Type::All };
    std::optional<uint32_t> major {}; // nullopt: any major ("*")
    std::optional<uint32_t> minor {}; // nullopt: any minor
    uint8_t access { AnyAccess };     // Access bits

    bool operator==(const DeviceRule&) const = default;
};

// The line devices.allow takes: "c 1:3 rwm", "c 136:* rwm".
std::string device_rule_text(const DeviceRule& rule);

// What every container may use, everything else being denied: the OCI runtime spec's default
// devices (config-linux.md, "Default Devices": /dev/null, zero, full, random, urandom, tty; its
// console and ptmx come from the container's own devpts here), and the ptys of that devpts
// (/dev/pts/ptmx and the terminals it makes). Not runc's mknod of any device ("c *:* m",
// "b *:* m"), which its own code calls questionable: a container cannot make a node of any
// device it could not open.
const std::vector<DeviceRule>& default_device_rules();

}
