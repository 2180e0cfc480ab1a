#pragma once

#include "containers/lab/lab_results.h"

#include <string>

namespace vmlet::lab {

// `vmlet compare`'s terminal report: the classic VM-vs-container table as measured (the boundary,
// the kernel, compatibility, start time, memory, density, syscall cost, CPU, I/O, network), a
// column per subject and the VM/process ratio, then every boundary probe with its outcome and
// error per subject. Medians; "-" where a figure is missing. Fits 120 columns; anything the
// workload reported is made printable first.
std::string render_table(const LabResults& results);

}
