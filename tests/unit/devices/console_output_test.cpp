#include "devices/console_output.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

using namespace vmlet;

// A reader that stops reading never blocks the guest: what the pipe cannot take is dropped (the
// call returns; were it to block, the test would hang until ctest's timeout), and output flows again
// once the reader takes some. The pipe's own description stays blocking: others share it.
TEST(ConsoleOutput, AStalledReaderNeverBlocksTheWriter)
{
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    auto output = std::make_unique<ConsoleOutput>(pipe_fds[1]);
    std::vector<uint8_t> block(1 << 20, 'x');
    output->write(block); // far more than a pipe holds: the rest is dropped
    output->write(block); // stalled: dropped at once
    EXPECT_EQ(::fcntl(pipe_fds[1], F_GETFL) & O_NONBLOCK, 0);

    std::vector<char> drained(1 << 20);
    ssize_t got = ::read(pipe_fds[0], drained.data(), drained.size());
    EXPECT_GT(got, 0);
    EXPECT_LT(got, ssize_t(block.size()));
    const std::string after = "after";
    output->write({ reinterpret_cast<const uint8_t*>(after.data()), after.size() });
    output.reset(); // its own description of the pipe's write end is closed with it
    ::close(pipe_fds[1]);
    std::string rest;
    char buffer[4096];
    for (ssize_t count; (count = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;)
        rest.append(buffer, size_t(count));
    EXPECT_TRUE(rest.ends_with("after")) << rest.size();
    ::close(pipe_fds[0]);
}

TEST(ConsoleOutput, ARegularFileGetsEverything)
{
    char path[] = "/tmp/vmlet-console-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::unlink(path);
    ConsoleOutput output(fd);
    std::vector<uint8_t> block(1 << 20, 'y');
    output.write(block);
    EXPECT_EQ(::lseek(fd, 0, SEEK_END), off_t(block.size()));
    ::close(fd);
}
