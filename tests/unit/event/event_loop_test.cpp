#include "vmm/event/event_loop.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

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

TEST(EventLoop, TheThreadRunsItsSetupFirstAndStartReportsItsFailure)
{
    auto loop = EventLoop::create().release_value();
    std::thread::id setup_thread;
    ASSERT_TRUE(loop->start([&]() -> Result<void> {
        setup_thread = std::this_thread::get_id();
        return {};
    }).ok());
    EXPECT_NE(setup_thread, std::this_thread::get_id()) << "the setup runs on the loop's own thread";
    loop->stop_and_join();

    auto failing = EventLoop::create().release_value();
    auto started = failing->start([]() -> Result<void> { return make_error("no filter for you"); });
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.error().message(), "the device thread: no filter for you");
}

TEST(EventLoop, APausedLoopRunsNoHandlerUntilResumedOnTheSameThread)
{
    auto loop = EventLoop::create().release_value();
    int ends[2];
    ASSERT_EQ(::pipe(ends), 0);
    UniqueFd read_end(ends[0]), write_end(ends[1]);
    std::atomic<int> calls { 0 };
    std::atomic<int> setups { 0 };
    std::thread::id handler_thread;
    ASSERT_TRUE(loop->add(read_end.get(), EPOLLIN, [&](uint32_t) {
        char byte;
        EXPECT_EQ(::read(read_end.get(), &byte, 1), 1);
        handler_thread = std::this_thread::get_id();
        ++calls;
    }).ok());
    ASSERT_TRUE(loop->start([&]() -> Result<void> {
        ++setups;
        return {};
    }).ok());
    auto wait_for_calls = [&](int expected) {
        for (int i = 0; i < 200 && calls < expected; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return calls.load();
    };
    ASSERT_EQ(::write(write_end.get(), "x", 1), 1);
    EXPECT_EQ(wait_for_calls(1), 1);
    auto first_thread = handler_thread;

    loop->pause();
    ASSERT_EQ(::write(write_end.get(), "y", 1), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(calls, 1) << "a handler ran while the loop was paused";
    loop->resume();
    EXPECT_EQ(wait_for_calls(2), 2);
    EXPECT_EQ(handler_thread, first_thread) << "a resumed loop goes on in the thread it had";
    EXPECT_EQ(setups, 1);
    loop->stop_and_join();
}

TEST(EventLoop, APausedLoopStops)
{
    auto loop = EventLoop::create().release_value();
    ASSERT_TRUE(loop->start().ok());
    loop->pause();
    loop->stop_and_join(); // returns: the parked thread sees the stop
}
