#include "containers/runtime/process/descriptors.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmlet {

namespace {

// In a child (the descriptor table is the test's own otherwise): opens /dev/null at 10, 11, 12
// and 40, keeps `keep`, and returns a bit per descriptor still open (bit n for fd 10 + n, bit 4
// for fd 40, bit 5 for stderr), or 255 when the call failed.
int survivors(std::initializer_list<int> keep)
{
    pid_t child = ::fork();
    if (child == 0) {
        int null = ::open("/dev/null", O_RDONLY);
        for (int fd : { 10, 11, 12, 40 })
            ::dup2(null, fd);
        if (!close_other_descriptors(keep))
            ::_exit(255);
        int bits = 0;
        for (int fd : { 10, 11, 12 })
            bits |= (::fcntl(fd, F_GETFD) >= 0) << (fd - 10);
        bits |= (::fcntl(40, F_GETFD) >= 0) << 4;
        bits |= (::fcntl(STDERR_FILENO, F_GETFD) >= 0) << 5;
        ::_exit(bits);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}

TEST(CloseOtherDescriptors, KeepsTheStandardStreamsAndThoseAsked)
{
    EXPECT_EQ(survivors({}), 0b100000);
    EXPECT_EQ(survivors({ 11 }), 0b100010);
    // In any order, repeated, with the standard streams or -1 among them.
    EXPECT_EQ(survivors({ 40, 10, -1, 2, 10 }), 0b110001);
    EXPECT_EQ(survivors({ 12, 11, 10, 40 }), 0b110111);
}

}
