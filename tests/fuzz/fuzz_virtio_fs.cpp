// Fuzzes the virtio-fs device (devices/virtio/fs_device.cpp) and its FUSE server (devices/fs)
// through the transport and queues, on a small temporary tree shared twice (writable and
// read-only, made once; the tree holds a file, a directory and a link that points out of it).
// The tree is a 4 MiB tmpfs in a mount namespace of the fuzzer's own, so that writes and
// fallocate cannot fill the host's disk; without the privilege to make one, only the read-only
// share is fuzzed.
// Input: 1 byte: bits 0-2 = log2(queue size) (1..128 entries), bit 3 = use the read-only share;
//        then the contents of 64 KiB of guest RAM at 0, laid out as in fuzz_common.h: queue 0
//        (high priority) at 0, queue 1 (requests) at 0x1000, buffers anywhere.
// The harness sets DRIVER_OK, kicks the request queue and then the high-priority queue; the
// transport's reset at the end closes the session, so every input starts before FUSE_INIT.

#include "devices/virtio/fs_device.h"
#include "tests/fuzz/fuzz_common.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

using namespace vmlet;
using namespace vmlet::virtio;

namespace {

std::unique_ptr<FsDevice> g_devices[2];

bool g_writable = false;
char g_tree[] = "/tmp/vmlet-fuzz-fs-XXXXXX";

std::string make_tree()
{
    char* path = g_tree;
    fuzz::check(::mkdtemp(path) != nullptr, "mkdtemp");
    // The tmpfs goes with the fuzzer's mount namespace, the directory under it at the exit.
    std::atexit([] {
        ::umount2(g_tree, MNT_DETACH);
        ::rmdir(g_tree);
    });
    std::string root = path;
    g_writable = ::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0
        && ::mount("vmlet-fuzz", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755") == 0;
    fuzz::check(::mkdir((root + "/dir").c_str(), 0755) == 0, "mkdir");
    int fd = ::open((root + "/file").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    fuzz::check(fd >= 0 && ::write(fd, "fuzzing", 7) == 7, "file");
    ::close(fd);
    fuzz::check(::symlink("../..", (root + "/out").c_str()) == 0, "symlink");
    return root;
}

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    auto root = make_tree();
    auto writable = FsDevice::create("fuzz", { { root, "", false } });
    auto read_only = FsDevice::create("fuzz", { { root, "", true } });
    fuzz::check(writable.ok() && read_only.ok(), "FsDevice::create");
    g_devices[0] = writable.release_value();
    g_devices[1] = read_only.release_value();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto flags = input.take<uint8_t>();
    auto memory = fuzz::make_memory(input.rest());
    auto& device = *g_devices[g_writable ? (flags >> 3) & 1 : 1];

    auto created = MmioTransport::create(device, memory);
    fuzz::check(created.ok(), "MmioTransport::create");
    fuzz::Driver driver(*created.value());
    uint64_t wanted = feature(kFeatureVersion1) | feature(kFeatureIndirectDesc) | feature(kFeatureEventIdx);
    driver.initialise(wanted, 2, uint16_t(1u << (flags & 7)));
    driver.kick(FsDevice::kRequestQueue);
    driver.kick(FsDevice::kHighPriorityQueue);
    driver.finish();
    return 0;
}
