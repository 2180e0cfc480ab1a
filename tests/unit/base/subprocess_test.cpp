#include "vmm/base/subprocess.h"

#include "vmm/base/file.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

using namespace vmlet;

namespace {

// What `script` (sh -c) writes on its standard output, run with `options`.
std::string output_of(const std::string& script, SpawnOptions options)
{
    int pipe_fds[2];
    EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    options.stdout_fd = write_end.get();
    auto pid = spawn_process({ "sh", "-c", script }, options);
    EXPECT_TRUE(pid.ok()) << pid.error().message();
    write_end.reset();
    auto text = read_to_end(read_end.get(), 4096);
    if (pid.ok())
        (void)wait_process(pid.value());
    return text.ok() ? text.value() : "";
}

}

TEST(Subprocess, ChildInheritsTheNamedDescriptorsOnly)
{
    UniqueFd passed(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    UniqueFd kept(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(passed.valid() && kept.valid());
    auto script = fmt::format("for fd in {} {}; do if [ -e /proc/self/fd/$fd ]; then echo open; else echo closed; fi; done", passed.get(), kept.get());
    EXPECT_EQ(output_of(script, { .inherited_fds = { passed.get() } }), "open\nclosed\n");
    EXPECT_EQ(output_of(script, {}), "closed\nclosed\n");
    EXPECT_TRUE(::fcntl(passed.get(), F_GETFD) & FD_CLOEXEC) << "the parent's descriptor changed";
}

TEST(Subprocess, StandardStreamsAreNotInheritedDescriptors)
{
    auto pid = spawn_process({ "true" }, { .inherited_fds = { 1 } });
    ASSERT_FALSE(pid.ok());
    EXPECT_NE(pid.error().message().find("standard streams"), std::string::npos) << pid.error().message();
}
