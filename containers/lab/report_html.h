#pragma once

#include "containers/lab/lab_results.h"

#include <string>

namespace vmlet::lab {

// `vmlet compare --format html`: one self-contained page a teacher can open or hand out. Inline
// CSS and SVG only (no script, font, image or link fetched from anywhere): the machine, what the
// run teaches, a bar chart per figure, what each workload saw, and the probes coloured by outcome.
// Every string from the run is HTML-escaped: the image under test may be hostile.
std::string render_html(const LabResults& results);

}
