#pragma once

#include "containers/lab/lab_results.h"
#include "vmm/base/result.h"

#include <string>
#include <string_view>

namespace vmlet::lab {

// `vmlet compare --format json`: the machine, then every subject with its facts, every raw sample
// of each figure beside its median (null when it has none), and its probes. Subjects and outcomes
// by the names the table shows ("vm (warm)", "denied"). Bytes that are not UTF-8 (a hostile
// image's output) are replaced, never an error.
std::string render_json(const LabResults& results);

// Reads render_json's document back, for tests and for tools that compare two runs.
Result<LabResults> parse_lab_json(std::string_view text);

}
