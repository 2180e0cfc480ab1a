#include "containers/cli/compare_command.h"

#include "containers/cli/with_image_store.h"
#include "containers/lab/compare.h"
#include "containers/lab/lab_image.h"
#include "containers/lab/report_html.h"
#include "containers/lab/report_json.h"
#include "containers/lab/report_table.h"
#include "vmm/base/file.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

namespace vmlet {

namespace {

constexpr const char* kCompareFooter = R"(
The host (the baseline), process isolation and vm isolation (booted, and restored from the image's
template) run the same workloads on the same image, interleaved, and each figure is the median of
--runs samples: what the workload sees (kernel, CPUs, memory, processes, network, mounts, user),
start time, host memory of one and of ten containers, system call, fork+exec, CPU, I/O and TCP speed
(from the host, through -p), and boundary probes (allowed, denied, or not applicable, with the error
seen). Without IMAGE, vmlet makes its own lab image from busybox and vmlet-probe, so it works offline.

GROUPS (--only): facts, start, memory, density, speed, tcp, boundary, sysrq, image

EXAMPLES
  vmlet compare                               the table, on the terminal
  vmlet compare --format html -o lab.html     one self-contained page (inline SVG charts)
  vmlet compare --runs 5 --only start,memory --format json -o lab.json
  vmlet compare --from lab.json --format html -o lab.html    the same run's page, without measuring again

On a PVM host the guest kernel is interpreted: a booted VM takes about 17 s, and its system calls,
I/O and network run a thousand times slower than a container's; the default run takes about 25
minutes there (it says so as it starts), and --only facts,start,boundary,sysrq about 5.
)";

struct CompareFlags {
    std::string image, format = "table", output, only, from;
    unsigned runs = 3;
    bool no_vm = false;
};

Result<std::set<std::string>> groups_of(const std::string& only)
{
    if (only.empty())
        return lab::kMeasureGroups;
    std::set<std::string> groups;
    for (size_t start = 0; start <= only.size();) {
        auto end = std::min(only.find(',', start), only.size());
        auto group = only.substr(start, end - start);
        if (!lab::kMeasureGroups.contains(group))
            return make_error("--only: unknown group '{}' (facts, start, memory, density, speed, tcp, boundary, sysrq, image)", group);
        groups.insert(group);
        start = end + 1;
    }
    return groups;
}

// vmlet-probe as setup.sh installs it beside the guest's files; VMLET_PROBE names another (a build's).
std::string probe_path()
{
    const char* chosen = std::getenv("VMLET_PROBE");
    return chosen ? chosen : VMLET_DATADIR "/vmlet-probe";
}

std::string self_path()
{
    std::error_code error;
    auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::string("vmlet") : self.string();
}

Result<void> write_report(const std::string& output, const std::string& report)
{
    if (output.empty() || output == "-") {
        fmt::print("{}", report);
        return {};
    }
    auto fd = TRY(open_file(output, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    return write_all(fd.get(), std::span(reinterpret_cast<const uint8_t*>(report.data()), report.size()));
}

Result<void> render(const lab::LabResults& lab, const CompareFlags& flags)
{
    auto report = flags.format == "json" ? lab::render_json(lab) : flags.format == "html" ? lab::render_html(lab) : lab::render_table(lab);
    return write_report(flags.output, report);
}

// --from FILE: the reports of a run saved with --format json, made again without measuring.
int render_saved(const CompareFlags& flags)
{
    constexpr size_t kMaxSavedReport = 64 << 20;
    auto text = read_small_file(flags.from, kMaxSavedReport);
    if (!text.ok())
        return fail(fmt::format("--from: {}", text.error().message()));
    auto lab = lab::parse_lab_json(text.value());
    if (!lab.ok())
        return fail(fmt::format("--from {}: not a report of vmlet compare --format json: {}", flags.from, lab.error().message()));
    auto written = render(lab.value(), flags);
    return written.ok() ? 0 : fail(written.error().message());
}

int run_compare(const GlobalOptions& global, const CompareFlags& flags)
{
    if (!flags.from.empty())
        return render_saved(flags);
    auto groups = groups_of(flags.only);
    if (!groups.ok())
        return fail(groups.error().message());
    lab::CompareOptions options { .vmlet = self_path(), .root = global.root, .image = flags.image,
        .probe_path = probe_path(), .runs = flags.runs, .only = groups.release_value(), .vm = !flags.no_vm && lab::kvm_kind() != "none",
        .progress = [](const std::string& line) { fmt::print(stderr, "vmlet compare: {}\n", line); } };
    // The image is made (or looked up) under the store's lock; the runs take it themselves.
    int looked_up = with_image_store(global, flags.image.empty() ? StoreAccess::Change : StoreAccess::Read,
        [&](const image::Store& store, const image::ImageIndex& index) -> Result<void> {
            if (flags.image.empty())
                options.image = TRY(lab::ensure_lab_image(store, index, options.probe_path));
            else
                TRY(index.find(flags.image));
            return {};
        });
    if (looked_up != 0)
        return looked_up;
    if (!options.vm && !flags.no_vm)
        fmt::print(stderr, "vmlet compare: no usable /dev/kvm here: the vm rows are left out\n");
    auto results = lab::compare(options);
    if (!results.ok())
        return fail(results.error().message());
    auto written = render(results.value(), flags);
    return written.ok() ? 0 : fail(written.error().message());
}

}

Command add_compare_command(CLI::App& app, const GlobalOptions& global)
{
    auto flags = std::make_shared<CompareFlags>();
    auto* compare = app.add_subcommand("compare", "Measure VM and process isolation side by side on one image, against the host");
    compare->add_option("image", flags->image, "The image (default: vmlet's own lab image)");
    compare->add_option("--runs", flags->runs, "Samples of each figure; the reports show medians")->check(CLI::Range(1, 100))->capture_default_str();
    compare->add_option("--format", flags->format, "table, json (every sample) or html (one self-contained file)")
        ->check(CLI::IsMember({ "table", "json", "html" }))
        ->capture_default_str();
    compare->add_option("-o,--output", flags->output, "Write the report to this file instead of standard output");
    compare->add_option("--only", flags->only, "Measure only these groups, comma-separated");
    compare->add_flag("--no-vm", flags->no_vm, "Leave vm isolation out, as on a host without /dev/kvm");
    compare->add_option("--from", flags->from, "Measure nothing: make the report of a run saved with --format json");
    compare->footer(kCompareFooter);
    return { compare, [flags, &global] { return run_compare(global, *flags); } };
}

}
