#include "containers/runtime/cgroup/device_rules.h"

#include <fmt/format.h>

namespace vmlet {

namespace {

// Linux's numbers (Documentation/admin-guide/devices.txt).
constexpr uint32_t memory_major = 1;  // 1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom
constexpr uint32_t tty_major = 5;     // 5:0 /dev/tty, 5:2 /dev/ptmx
constexpr uint32_t pts_major = 136;   // the first of the Unix98 pty slaves' majors

DeviceRule char_device(uint32_t major, std::optional<uint32_t> minor)
{
    return { .type = DeviceRule::Type::Char, .major = major, .minor = minor, .access = DeviceRule::AnyAccess };
}

}

std::string device_rule_text(const DeviceRule& rule)
{
    auto number = [](const std::optional<uint32_t>& value) { return value ? std::to_string(*value) : std::string("*"); };
    std::string access;
    if (rule.access & DeviceRule::Read)
        access += 'r';
    if (rule.access & DeviceRule::Write)
        access += 'w';
    if (rule.access & DeviceRule::Mknod)
        access += 'm';
    return fmt::format("{} {}:{} {}", static_cast<char>(rule.type), number(rule.major), number(rule.minor), access);
}

const std::vector<DeviceRule>& default_device_rules()
{
    static const std::vector<DeviceRule> rules {
        char_device(memory_major, 3),
        char_device(memory_major, 5),
        char_device(memory_major, 7),
        char_device(memory_major, 8),
        char_device(memory_major, 9),
        char_device(tty_major, 0),
        char_device(tty_major, 2),
        char_device(pts_major, std::nullopt),
    };
    return rules;
}

}
