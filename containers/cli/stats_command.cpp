#include "containers/cli/stats_command.h"

#include "containers/runtime/container_stats.h"

#include <fmt/format.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace vmlet {

namespace {

// How long docker stats waits between its two samples (its first line of a stream uses the
// previous second's figures).
constexpr auto kSampleInterval = std::chrono::seconds(1);

struct StatsOptions {
    std::vector<std::string> names;
    bool no_stream = false;
};

// A size as docker stats prints one (go-units BytesSize): four significant digits, binary units.
std::string binary_size(uint64_t bytes)
{
    static constexpr std::array<const char*, 7> units { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double size = double(bytes);
    size_t unit = 0;
    while (size >= 1024 && unit + 1 < units.size()) {
        size /= 1024;
        unit++;
    }
    return fmt::format("{:.4g}{}", size, units[unit]);
}

Result<void> show(const std::string& root, const StatsOptions& options)
{
    auto store = TRY(ContainerStore::open(root));
    std::vector<ContainerRecord> records;
    if (options.names.empty()) {
        for (auto& record : TRY(store.all())) {
            if (record.state == ContainerState::Running)
                records.push_back(std::move(record));
        }
    }
    for (const auto& name : options.names)
        records.push_back(TRY(store.find(name)));
    auto stats = TRY(sample_container_stats(records, kSampleInterval));
    // NET I/O and BLOCK I/O are not measured: "--", rather than a zero that would look measured.
    std::string table = fmt::format("{:<14} {:<24} {:<8} {:<24} {:<8} {:<10} {:<10} {}\n", "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %",
        "NET I/O", "BLOCK I/O", "PIDS");
    for (size_t index = 0; index < records.size(); index++) {
        const auto& each = stats[index];
        double memory_percent = each.memory_limit ? double(each.memory_bytes) * 100 / double(each.memory_limit) : 0;
        table += fmt::format("{:<14} {:<24} {:<8} {:<24} {:<8} {:<10} {:<10} {}\n", records[index].id.substr(0, 12), records[index].name,
            fmt::format("{:.2f}%", each.cpu_percent), binary_size(each.memory_bytes) + " / " + binary_size(each.memory_limit),
            fmt::format("{:.2f}%", memory_percent), "--", "--", each.pids);
    }
    fmt::print("{}", table);
    return {};
}

}

Command add_stats_command(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<StatsOptions>();
    auto* command = app.add_subcommand("stats", "Show running containers' CPU, memory and pids (one sample: --no-stream)");
    command->add_option("container", options->names, "Container names or ids (default: every running one)");
    command->add_flag("--no-stream", options->no_stream, "One sample, then exit (the only mode for now)");
    return { command, [options, &global] {
                if (!options->no_stream)
                    return fail("stats: only --no-stream is supported for now (vmlet stats --no-stream [CONTAINER...])");
                auto shown = show(global.root, *options);
                return shown.ok() ? 0 : fail(shown.error().message());
            } };
}

}
