#include "containers/runtime/process_table.h"

#include "guest/agent/agent_protocol.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace vmlet {

namespace {

// The fields of /proc/PID/stat after "(comm) ", which comm's own spaces and parentheses cannot shift.
std::vector<std::string> stat_fields(const std::string& stat, std::string& comm)
{
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return {};
    comm = stat.substr(open + 1, close - open - 1);
    std::istringstream rest(stat.substr(close + 1));
    std::vector<std::string> fields;
    for (std::string field; rest >> field;)
        fields.push_back(field);
    return fields;
}

long long number(const std::string& text)
{
    long long value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

std::string clock_text(long long seconds)
{
    return fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
}

// A little-endian u32 from the front of `bytes`, which it then leaves.
std::optional<uint32_t> take_u32(std::string_view& bytes)
{
    if (bytes.size() < 4)
        return std::nullopt;
    uint32_t value = 0;
    for (int index = 3; index >= 0; --index)
        value = value << 8 | static_cast<uint8_t>(bytes[static_cast<size_t>(index)]);
    bytes.remove_prefix(4);
    return value;
}

std::optional<std::string> take_file(std::string_view& bytes)
{
    auto size = take_u32(bytes);
    if (!size || *size > VMLET_AGENT_MAX_PROC_FILE || *size > bytes.size())
        return std::nullopt;
    std::string file(bytes.substr(0, *size));
    bytes.remove_prefix(*size);
    return file;
}

}

std::optional<ContainerProcess> parse_process(const ProcFiles& files, const ProcClock& clock)
{
    std::string comm;
    // After comm: state(0) ppid(1) pgrp(2) session(3) tty_nr(4) ... utime(11) stime(12) ... starttime(19).
    auto fields = stat_fields(files.stat, comm);
    if (fields.size() < 20 || clock.ticks_per_second <= 0 || !std::isfinite(clock.uptime))
        return std::nullopt;
    ContainerProcess process;
    process.pid = files.pid;
    process.ppid = static_cast<pid_t>(number(fields[1]));
    auto tty = number(fields[4]);
    // tty_nr: major in bits 15..8, minor in 31..20 and 7..0; 136-143 are the pseudo-terminals.
    auto major = (tty >> 8) & 0xfff, minor = (tty & 0xff) | ((tty >> 12) & 0xfff00);
    process.tty = tty == 0 ? "?" : major >= 136 && major <= 143 ? fmt::format("pts/{}", (major - 136) * 256 + minor) : fmt::format("{}:{}", major, minor);
    // A guest's tick counts may be anything: clamped, so that the arithmetic below cannot overflow.
    constexpr long long kMaxTicks = 1LL << 50;
    auto cpu_ticks = std::clamp(number(fields[11]), 0LL, kMaxTicks) + std::clamp(number(fields[12]), 0LL, kMaxTicks);
    auto start_ticks = std::clamp(number(fields[19]), 0LL, kMaxTicks);
    process.cpu_time = clock_text(cpu_ticks / clock.ticks_per_second);
    auto alive_ticks = clock.uptime * double(clock.ticks_per_second) - double(start_ticks);
    process.cpu_percent = alive_ticks > 0 ? static_cast<int>(std::min(double(cpu_ticks) * 100 / alive_ticks, 9999.0)) : 0;
    auto age = std::clamp(clock.uptime - double(start_ticks) / double(clock.ticks_per_second), 0.0, 1e9);
    auto started = clock.now - static_cast<std::time_t>(age);
    std::tm local {};
    char text[16] = "?";
    if (::localtime_r(&started, &local))
        std::strftime(text, sizeof text, "%H:%M", &local);
    process.start_time = text;
    // "Uid:\tREAL\tEFFECTIVE\t...": ps -ef's UID is the effective one.
    auto uid_line = files.status.find("\nUid:");
    if (uid_line != std::string::npos) {
        std::istringstream ids(files.status.substr(uid_line + 5, 64));
        long long real = 0, effective = 0;
        ids >> real >> effective;
        process.uid = static_cast<uid_t>(effective);
    }
    std::string command = files.cmdline;
    while (!command.empty() && command.back() == '\0')
        command.pop_back();
    std::replace(command.begin(), command.end(), '\0', ' ');
    process.command = command.empty() ? "[" + comm + "]" : command;
    return process;
}

Result<GuestProcesses> decode_guest_processes(std::string_view bytes)
{
    GuestProcesses decoded;
    auto uptime = take_file(bytes);
    if (!uptime)
        return make_error("the container's agent sent no uptime");
    auto seconds = std::strtod(uptime->c_str(), nullptr);
    decoded.uptime = std::isfinite(seconds) ? std::clamp(seconds, 0.0, 1e12) : 0.0; // NaN passes clamp
    while (!bytes.empty()) {
        auto pid = take_u32(bytes);
        ProcFiles files;
        std::optional<std::string> stat, status, cmdline;
        if (!pid || *pid == 0 || *pid > 4194304 || !(stat = take_file(bytes)) || !(status = take_file(bytes)) || !(cmdline = take_file(bytes)))
            return make_error("the container's agent sent a malformed process list");
        decoded.processes.push_back({ static_cast<pid_t>(*pid), std::move(*stat), std::move(*status), std::move(*cmdline) });
    }
    return decoded;
}

}
