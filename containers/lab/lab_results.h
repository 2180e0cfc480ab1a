#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vmlet::lab {

// What `vmlet compare` measured, one run on one machine (issue 14, "The isolation lab"): the
// model the table, JSON and HTML reports are made from. The orchestration (compare.cpp) fills it;
// the renderers (report_*.cpp) only read it.

// How a workload was isolated, in the order the reports show them: the host itself is the
// baseline; vm isolation is measured cold (booted) and warm (restored from its image's template).
enum class Subject { Host, Process, VmCold, VmWarm };

// A measured quantity: every sample, in `unit`; the reports show the median.
struct Samples {
    std::string unit; // "s", "MiB", "ns", "MB/s", "Mbit/s", ...
    std::vector<double> values;
};

// The outcome of a boundary probe (issue 14's list: host processes, kernel log, /proc/kcore, the
// host's disk, a module, the clock, mount, user namespace, keyctl, bpf, perf_event_open, rlimit,
// host interfaces, /proc/sys, fork bomb, memory hog, sysrq crash).
enum class Outcome { Allowed, Denied, NotApplicable };

struct ProbeResult {
    Outcome outcome { Outcome::NotApplicable };
    std::string detail; // the error seen ("Operation not permitted"), or what happened ("the VM ended, the host did not")
};

// Everything measured for one subject. Facts are what the workload sees ("kernel_release",
// "kernel_version", "hostname", "cpus", "memory_mib", "pid1", "processes", "interfaces", "mounts",
// "user", "capabilities"); costs and speeds are keyed by name ("start_true_s", "first_output_s",
// "memory_one_mib", "memory_ten_mib", "image_first_run_s", "getppid_ns", "fork_exec_us",
// "cpu_loop_s", "write_64mib_mbs", "read_64mib_mbs", "tcp_mbits"); probes by their name.
struct SubjectResults {
    Subject subject;
    bool measured { true };              // false: skipped (no /dev/kvm, --only), with `skipped_because`
    std::string skipped_because;
    std::map<std::string, std::string> facts;
    std::map<std::string, Samples> figures;
    std::map<std::string, ProbeResult> probes;
};

// The machine it ran on and how.
struct MachineInfo {
    std::string cpu_model;
    std::string kernel_release;
    std::string kvm_kind; // "bare metal", "nested", "PVM", or "none"
    unsigned cpus { 0 };
    uint64_t memory_mib { 0 };
    std::string vmlet_version;
    std::string image;    // the image every subject ran
    unsigned runs { 0 };  // --runs
    std::string started;  // RFC 3339, UTC
    double duration_s { 0 };
};

struct LabResults {
    MachineInfo machine;
    std::vector<SubjectResults> subjects; // in Subject order, each at most once
};

std::string subject_name(Subject subject);  // "host", "process", "vm (cold)", "vm (warm)"
std::string outcome_name(Outcome outcome);  // "allowed", "denied", "not applicable"
double median(const std::vector<double>& values); // of a non-empty list; the mean of the two middle ones for an even count

}
