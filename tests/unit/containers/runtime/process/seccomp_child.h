#pragma once

// What a filter does to a process: the unit tests load it in a forked child, under no_new_privs
// (which lets any process load one), and look at the errors the child's system calls return.

#include "containers/runtime/process/seccomp_filter.h"

#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <vector>

namespace vmlet::test {

// The errno of each of `calls` made under `program` (0 when it succeeded; a descriptor it
// returned is closed).
inline std::vector<int> errors_under_filter(const SeccompProgram& program, const std::vector<std::function<long()>>& calls)
{
    int report[2];
    EXPECT_EQ(::pipe(report), 0);
    pid_t child = ::fork();
    if (child == 0) {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || !load_seccomp(program))
            ::_exit(1);
        for (const auto& call : calls) {
            long result = call();
            unsigned char error = result < 0 ? static_cast<unsigned char>(errno) : 0;
            [[maybe_unused]] auto written = ::write(report[1], &error, 1);
            if (result > 2 && result < 1024)
                ::close(static_cast<int>(result));
        }
        ::_exit(0);
    }
    ::close(report[1]);
    std::vector<int> errors;
    unsigned char error;
    while (::read(report[0], &error, 1) == 1)
        errors.push_back(error);
    ::close(report[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child could not load the filter";
    return errors;
}

}
