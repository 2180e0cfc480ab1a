#pragma once

#include "vmm/base/result.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace vmlet::lab {

// One command the lab ran, as the user would have: its exit status, output, and how long it took
// to exit and to say anything.
struct Ran {
    int status { 0 };
    std::string out, err;
    double seconds { 0 };                     // start to exit
    std::optional<double> first_output_seconds; // start to the first byte on stdout
};

// Runs `argv` with its output captured, killed (SIGKILL, status 137) when it outlives `timeout`.
Result<Ran> run_measured(const std::vector<std::string>& argv, std::chrono::seconds timeout);

}
