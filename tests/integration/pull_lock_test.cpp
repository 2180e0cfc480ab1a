// A pull downloads without holding the store's lock, and gives up at its total time limit.
// Labelled "registry" with the other pull tests.
#include "tests/integration/pull_fixture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

namespace vmlet::test {

namespace {

using namespace std::chrono_literals;

// Holds a blob's answer until released (or 60 s have passed): a registry that is slow to send.
class Stall {
public:
    ~Stall() { release(); }

    void wait_for_release()
    {
        m_reached = true;
        for (auto start = std::chrono::steady_clock::now(); !m_released && std::chrono::steady_clock::now() - start < 60s;)
            std::this_thread::sleep_for(20ms);
    }
    bool wait_until_reached(std::chrono::seconds limit) const
    {
        for (auto start = std::chrono::steady_clock::now(); !m_reached; std::this_thread::sleep_for(20ms)) {
            if (std::chrono::steady_clock::now() - start > limit)
                return false;
        }
        return true;
    }
    void release() { m_released = true; }

private:
    std::atomic<bool> m_reached { false };
    std::atomic<bool> m_released { false };
};

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}

TEST_F(Pull, ASlowRegistryHoldsUpNoOtherCommand)
{
    auto written = write_oci_layout(scratch("layout"), app_spec(), "1");
    Stall stall;
    TinyHttpServer registry(serve_layout(scratch("layout"), written, [&](const image::Digest& blob) {
        if (blob == written.layers.back())
            stall.wait_for_release();
    }));
    auto name = registry.address() + "/app:1";
    auto pulling = std::async(std::launch::async, [&] { return vmlet({ "pull", name }); });
    ASSERT_TRUE(stall.wait_until_reached(60s)) << "the pull never asked for the last layer";

    // The store is readable and writable while the pull waits: listing, and loading another image.
    auto start = std::chrono::steady_clock::now();
    auto listed = vmlet({ "images" }, {});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_LT(seconds_since(start), 10.0) << "vmlet images waited for the pull";
    write_docker_save_archive(scratch("other.tar"), app_spec(), "other:1");
    start = std::chrono::steady_clock::now();
    auto loaded = vmlet({ "load", "-i", scratch("other.tar") });
    EXPECT_EQ(loaded.exit_code, 0) << loaded.err;
    EXPECT_LT(seconds_since(start), 20.0) << "vmlet load waited for the pull";

    stall.release();
    auto pulled = pulling.get();
    ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
    EXPECT_EQ(inspect_id(name), written.config.string());
    // The load cleared tmp/ under the store's lock meanwhile, but not the pull's staging directory.
    EXPECT_TRUE(std::filesystem::is_empty(root() + "/tmp"));
}

TEST_F(Pull, GivesUpAtItsTimeLimit)
{
    auto written = write_oci_layout(scratch("layout"), app_spec(), "1");
    Stall stall;
    TinyHttpServer registry(serve_layout(scratch("layout"), written, [&](const image::Digest&) { stall.wait_for_release(); }));
    auto start = std::chrono::steady_clock::now();
    auto result = vmlet({ "pull", registry.address() + "/app:1" }, { { "VMLET_PULL_TIMEOUT", "2" } });
    EXPECT_LT(seconds_since(start), 15.0);
    expect_failure(result, "registry " + registry.address() + " timed out: the pull's time limit of 2 s (VMLET_PULL_TIMEOUT) passed");
    stall.release();

    expect_failure(vmlet({ "pull", registry.address() + "/app:1" }, { { "VMLET_PULL_TIMEOUT", "soon" } }),
        "VMLET_PULL_TIMEOUT must be a number of seconds (0 for no limit), not 'soon'");
}

}
