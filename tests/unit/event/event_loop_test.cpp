#include "vmm/event/event_loop.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace vmlet;

TEST(EventLoop, RunReadyRunsOnlyTheHandlersOfReadyDescriptors)
{
    auto loop = EventLoop::create().release_value();
    int ends[2];
    ASSERT_EQ(::pipe(ends), 0);
    UniqueFd read_end(ends[0]), write_end(ends[1]);
    int calls = 0;
    ASSERT_TRUE(loop->add(read_end.get(), EPOLLIN, [&](uint32_t events) {
        ++calls;
        EXPECT_TRUE(events & EPOLLIN);
        char byte;
        EXPECT_EQ(::read(read_end.get(), &byte, 1), 1);
    }).ok());
    loop->run_ready();
    EXPECT_EQ(calls, 0) << "nothing to read yet";
    ASSERT_EQ(::write(write_end.get(), "x", 1), 1);
    loop->run_ready();
    EXPECT_EQ(calls, 1);
    loop->remove(read_end.get());
    ASSERT_EQ(::write(write_end.get(), "y", 1), 1);
    loop->run_ready();
    EXPECT_EQ(calls, 1) << "a removed descriptor's handler never runs";
}
