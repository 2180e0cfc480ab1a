#pragma once

// The invariant check every fuzz target shares: a failed check is reported in the run's log and
// aborts, so libFuzzer keeps the input as a crash.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace vmlet::fuzz_support {

// scripts/fuzz.sh runs with -close_fd_mask=2, which points fd 2 at /dev/null to keep the devices'
// error messages out of the log; this copy, made before that, still reaches the log.
inline const int g_report_fd = ::dup(STDERR_FILENO);

inline void check(bool condition, const char* what)
{
    if (!condition) {
        dprintf(g_report_fd, "fuzz check failed: %s\n", what);
        abort();
    }
}

}
