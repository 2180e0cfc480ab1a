#include "containers/lab/report_lessons.h"

#include "containers/lab/report_figures.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace vmlet::lab {

namespace {

// The VM the reports compare: from a template when the run has it, else booted cold.
const SubjectResults* compared_vm(const LabResults& results, std::string_view key)
{
    const auto* warm = measured_subject(results, Subject::VmWarm);
    if (warm && (key.empty() ? warm->facts.contains("kernel_release") : figure_median(warm, key).has_value()))
        return warm;
    return measured_subject(results, Subject::VmCold);
}

std::string host_release(const LabResults& results)
{
    const auto* fact = subject_fact(measured_subject(results, Subject::Host), "kernel_release");
    return fact ? *fact : results.machine.kernel_release;
}

void kernel_lesson(const LabResults& results, std::vector<std::string>& out)
{
    const auto* vm = subject_fact(compared_vm(results, ""), "kernel_release");
    const auto* process = subject_fact(measured_subject(results, Subject::Process), "kernel_release");
    if (!vm || !process)
        return;
    if (*vm == *process) {
        out.push_back(fmt::format("The VM and the container both saw kernel {}.", *vm));
        return;
    }
    out.push_back(fmt::format("The VM saw kernel {}, its own; the container saw {}{}: a container shares the kernel "
                              "it runs on, with its bugs and its attack surface, and a VM brings its own.",
        *vm, *process, *process == host_release(results) ? ", the host's" : ""));
}

void boundary_lesson(const LabResults& results, std::vector<std::string>& out)
{
    const auto* process = measured_subject(results, Subject::Process);
    const auto* vm = compared_vm(results, "");
    if (!process || !vm || process->probes.empty())
        return;
    auto denied = [](const SubjectResults& subject) {
        return std::count_if(subject.probes.begin(), subject.probes.end(), [](const auto& probe) { return probe.second.outcome == Outcome::Denied; });
    };
    std::vector<std::string> only_vm_denied, only_process_denied;
    for (const auto& [name, probe] : process->probes) {
        auto other = vm->probes.find(name);
        if (other == vm->probes.end())
            continue;
        if (probe.outcome == Outcome::Allowed && other->second.outcome == Outcome::Denied)
            only_vm_denied.push_back(name);
        if (probe.outcome == Outcome::Denied && other->second.outcome == Outcome::Allowed)
            only_process_denied.push_back(name);
    }
    auto sentence = fmt::format("Of {} boundary probes, process isolation denied {} and the VM {}.", process->probes.size(),
        denied(*process), denied(*vm));
    if (!only_vm_denied.empty())
        sentence += fmt::format(" The VM held where the container did not on: {}.", fmt::join(only_vm_denied, ", "));
    // What a VM allows reaches its own kernel, not the host's: the container must refuse it,
    // since its kernel is the host's.
    if (!only_process_denied.empty())
        sentence += fmt::format(" The VM allowed, to its own kernel, what the container was refused: {}.",
            fmt::join(only_process_denied, ", "));
    out.push_back(std::move(sentence));
}

// "<what> took X in a container and Y in a VM (Rx)."
void figure_lesson(const LabResults& results, std::string_view key, std::string_view what, std::string_view moral,
    std::vector<std::string>& out)
{
    auto process = figure_median(measured_subject(results, Subject::Process), key);
    auto vm = figure_median(compared_vm(results, key), key);
    auto ratio = vm_process_ratio(results, key);
    if (!process || !vm || !ratio)
        return;
    out.push_back(fmt::format("{} {} in a container and {} in a VM ({} the container's){}", what, format_quantity(*process),
        format_quantity(*vm), format_ratio(*ratio), moral));
}

void cpu_lesson(const LabResults& results, std::vector<std::string>& out)
{
    auto ratio = vm_process_ratio(results, "cpu_loop_s");
    if (!ratio)
        return;
    // User code runs on the CPU unchanged in both; a VM that is much slower here is itself
    // emulated or nested, and every other VM figure on this machine carries that cost.
    bool native = *ratio > 0.8 && *ratio < 1.25;
    figure_lesson(results, "cpu_loop_s", "A pure CPU loop took",
        native ? ": user code runs natively in both." : ": user code should run natively in both, so this machine's KVM "
                                                       "(nested or emulated) slows the VM's own work too.",
        out);
}

}

std::vector<std::string> lessons(const LabResults& results)
{
    std::vector<std::string> out;
    kernel_lesson(results, out);
    boundary_lesson(results, out);
    figure_lesson(results, "start_true_s", "Starting true took", ": a VM boots (or restores) a kernel, a container only "
                                                                  "sets up namespaces.", out);
    figure_lesson(results, "memory_one_mib", "Host memory for one workload was",
        ": the VM's kernel and page cache are its own.", out);
    figure_lesson(results, "getppid_ns", "A system call round trip took", ".", out);
    cpu_lesson(results, out);
    figure_lesson(results, "tcp_mbits", "TCP from the host reached", ".", out);
    return out;
}

}
