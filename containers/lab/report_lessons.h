#pragma once

#include "containers/lab/lab_results.h"

#include <string>
#include <vector>

namespace vmlet::lab {

// What a run teaches, as plain sentences made from its numbers ("The VM saw kernel X, its own; the
// container saw Y, the host's"), for the HTML report's closing paragraph. A sentence whose
// figures the run lacks is left out. The caller escapes them: facts come from the workload.
std::vector<std::string> lessons(const LabResults& results);

}
