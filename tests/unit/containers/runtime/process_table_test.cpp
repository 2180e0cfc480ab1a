#include "containers/runtime/process_table.h"

#include "guest/agent/agent_protocol.h"

#include <gtest/gtest.h>

using namespace vmlet;

namespace {

std::string u32(uint32_t value)
{
    return { char(value), char(value >> 8), char(value >> 16), char(value >> 24) };
}

std::string counted(const std::string& bytes)
{
    return u32(static_cast<uint32_t>(bytes.size())) + bytes;
}

const std::string kStat = "1 (my (odd) sh) S 0 1 1 34816 1 4194560 200 0 0 0 300 200 0 0 20 0 1 0 1000 2000000 100\n";

}

// A stat line whose comm has spaces and parentheses, a status's effective uid, a cmdline's NULs,
// and the clock the guest's uptime and ticks give.
TEST(ProcessTable, AGuestsListDecodesToRows)
{
    std::string stream = counted("60.00 1.00\n") + u32(1) + counted(kStat) + counted("Name:\tsh\nUid:\t0\t1000\t0\t0\n") + counted(std::string("sh\0-c\0x\0", 8))
        + u32(9) + counted("9 (kworker) S 2 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5000 0 0\n") + counted("") + counted("");
    auto decoded = decode_guest_processes(stream);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message();
    EXPECT_EQ(decoded.value().uptime, 60.0);
    ASSERT_EQ(decoded.value().processes.size(), 2u);
    auto row = parse_process(decoded.value().processes[0], { .ticks_per_second = 100, .uptime = 60.0, .now = 1700000000 });
    ASSERT_TRUE(row);
    EXPECT_EQ(row->pid, 1);
    EXPECT_EQ(row->ppid, 0);
    EXPECT_EQ(row->uid, 1000u);
    EXPECT_EQ(row->tty, "pts/0");
    EXPECT_EQ(row->cpu_time, "00:00:05");
    EXPECT_EQ(row->cpu_percent, 10); // 500 ticks of 5000 alive
    EXPECT_EQ(row->command, "sh -c x");
    auto kernel = parse_process(decoded.value().processes[1], { .ticks_per_second = 100, .uptime = 60.0, .now = 1700000000 });
    ASSERT_TRUE(kernel);
    EXPECT_EQ(kernel->command, "[kworker]");
}

// A hostile guest: counts past the end or the protocol's limit, pid 0, a list cut short.
TEST(ProcessTable, AMalformedListIsRefused)
{
    auto head = counted("1.0\n");
    for (const auto& stream : { std::string(), u32(10) + "abc", head + u32(0) + counted(kStat) + counted("") + counted(""),
             head + u32(1) + u32(VMLET_AGENT_MAX_PROC_FILE + 1) + std::string(VMLET_AGENT_MAX_PROC_FILE + 1, 'x') + counted("") + counted(""),
             head + u32(1) + counted(kStat) + counted(""), head + u32(5000000) + counted(kStat) + counted("") + counted("") }) {
        EXPECT_FALSE(decode_guest_processes(stream).ok()) << stream.size();
    }
    // A stat line that does not parse leaves its process out rather than fail the list.
    EXPECT_FALSE(parse_process({ .pid = 3, .stat = "3 sh S", .status = {}, .cmdline = {} }, {}));
}
