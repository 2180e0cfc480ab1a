#pragma once

#include "vmm/base/result.h"
#include "containers/lab/lab_results.h"

#include <functional>
#include <set>
#include <string>

namespace vmlet::lab {

// What `vmlet compare` measures (--only): the groups of issue 14's list.
inline const std::set<std::string> kMeasureGroups { "facts", "start", "memory", "density", "speed", "tcp", "boundary", "sysrq", "image" };

struct CompareOptions {
    std::string vmlet;        // this vmlet, run as a user would run it
    std::string root;         // its --root
    std::string image;        // what every subject runs
    std::string probe_path;   // vmlet-probe on the host (the baseline runs it there)
    unsigned runs { 3 };      // samples of each figure, the subjects interleaved
    std::set<std::string> only { kMeasureGroups };
    bool vm { true };         // false: no /dev/kvm here, the vm subjects are skipped
    std::function<void(const std::string&)> progress; // one line at a time, for the terminal
};

// Measures the host (the baseline), process isolation and vm isolation, booted and restored from
// the image's template, the same way in one run: what the workload sees, what it costs to start and
// to keep, how fast it runs, and what the boundary lets through (vmlet-probe's probes).
Result<LabResults> compare(const CompareOptions& options);

// "bare metal", "nested", "PVM" or "none": what kind of KVM this host has.
std::string kvm_kind();

}
