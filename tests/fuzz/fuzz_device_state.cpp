// Fuzzes restoring saved device state (the bytes of a snapshot file, which may be cut short or
// altered): MmioTransport::restore_state with its queues and device (block, vsock), and
// Serial8250::restore_state; then drives what was restored, as a resumed guest would.
// Input: 1 byte: the device (& 3: 0 block, 1 vsock, 2 and 3 the UART);
//        2 bytes N (little-endian), then N bytes: the saved state, in the format save_state
//        writes (devices/virtio/mmio_transport_state.cpp, virtqueue.cpp, the devices' own);
//        then, for a virtio device, the contents of 64 KiB of guest RAM at 0 (the rings lie
//        where the state's queues say: the block seeds use fuzz_common.h's layout, the vsock
//        seed a more compact one, see make_seeds.py); for the UART,
//        operations: each a byte, offset = op & 7, bit 3 a write (of the next byte) rather than
//        a read, bit 4 host input (one more byte) after the access.
// Checked: a refused state leaves the transport reset and the device unbound (the UART as it
// was); an accepted one saves back to bytes that restore to themselves. Then after_restore()
// and a notify on every queue (the vsock device's host side run by hand, as in
// fuzz_vsock_packets), and the device is reset.

#include "devices/legacy/serial_8250.h"
#include "devices/virtio/block_device.h"
#include "devices/virtio/vsock_device.h"
#include "tests/fuzz/fuzz_common.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <vector>

using namespace vmlet;
using namespace vmlet::virtio;

namespace {

constexpr size_t kImageSize = 64 * 1024;
constexpr uint64_t kGuestCid = 3;

struct QuietLine final : InterruptLine {
    void set_level(bool) override { }
};

struct Fixture {
    std::filesystem::path directory;
    std::unique_ptr<BlockDevice> block;
    std::unique_ptr<EventLoop> loop;
    std::unique_ptr<VsockDevice> vsock;
    UniqueFd null_output;
    QuietLine line;
};

std::unique_ptr<Fixture> g_fixture;

std::unique_ptr<Fixture> make_fixture()
{
    auto fixture = std::make_unique<Fixture>();
    char pattern[] = "/tmp/vmlet-fuzz-state-XXXXXX";
    fuzz::check(::mkdtemp(pattern) != nullptr, "mkdtemp");
    fixture->directory = pattern;

    auto image = fixture->directory / "disk.img";
    {
        UniqueFd file(::open(image.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
        fuzz::check(file.valid() && ::ftruncate(file.get(), kImageSize) == 0, "disk image");
    }
    auto block = BlockDevice::open(image.string(), false);
    fuzz::check(block.ok(), "BlockDevice::open");
    fixture->block = block.release_value();

    auto loop = EventLoop::create();
    fuzz::check(loop.ok(), "EventLoop::create");
    fixture->loop = loop.release_value();
    auto vsock = VsockDevice::listen(kGuestCid, (fixture->directory / "v.sock").string());
    fuzz::check(vsock.ok(), "VsockDevice::listen");
    fixture->vsock = vsock.release_value();
    fuzz::check(fixture->vsock->attach_backend(*fixture->loop).ok(), "attach_backend");

    fixture->null_output = UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    fuzz::check(fixture->null_output.valid(), "/dev/null");
    return fixture;
}

void remove_fixture()
{
    if (!g_fixture)
        return;
    auto directory = g_fixture->directory;
    g_fixture.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
}

template<typename Saver>
std::vector<uint8_t> saved(Saver& saver)
{
    StateWriter writer;
    saver.save_state(writer);
    return writer.data();
}

// A state that restored saves back to bytes that restore to themselves.
template<typename Restorer, typename Restore>
void check_round_trip(Restorer& restorer, Restore restore)
{
    auto first = saved(restorer);
    StateReader reader(first, "fuzz");
    fuzz::check(restore(reader) && reader.at_end(), "a saved state restores");
    fuzz::check(saved(restorer) == first, "a restored state saves back to the same bytes");
}

void fuzz_virtio(VirtioDevice& device, std::span<const uint8_t> state, std::span<const uint8_t> ram)
{
    auto memory = fuzz::make_memory(ram);
    auto created = MmioTransport::create(device, memory);
    fuzz::check(created.ok(), "MmioTransport::create");
    auto& transport = *created.value();
    StateReader reader(state, "fuzz");
    if (!transport.restore_state(reader).ok()) {
        fuzz::check(transport.status() == 0, "a refused state leaves the transport reset");
        fuzz::check(!device.active(), "a refused state leaves the device unbound");
        return;
    }
    check_round_trip(transport, [&](StateReader& again) { return transport.restore_state(again).ok(); });
    transport.after_restore();
    fuzz::Driver driver(transport);
    for (uint16_t queue = 0; queue < transport.queue_count(); ++queue) {
        driver.kick(queue);
        g_fixture->loop->run_ready();
    }
    driver.finish();
}

void fuzz_serial(std::span<const uint8_t> state, fuzz::Input& operations)
{
    Serial8250 serial(g_fixture->line, g_fixture->null_output.get());
    auto untouched = saved(serial);
    StateReader reader(state, "fuzz");
    if (!serial.restore_state(reader).ok()) {
        fuzz::check(saved(serial) == untouched, "a refused state changes nothing");
        return;
    }
    check_round_trip(serial, [&](StateReader& again) { return serial.restore_state(again).ok(); });
    while (operations.remaining() > 0) {
        auto op = operations.take<uint8_t>();
        uint8_t value = (op & 8) ? operations.take<uint8_t>() : 0;
        if (op & 8)
            serial.write(op & 7, std::span<const uint8_t>(&value, 1));
        else
            serial.read(op & 7, std::span<uint8_t>(&value, 1));
        if (op & 16) {
            uint8_t byte = operations.take<uint8_t>();
            serial.push_input(std::span<const uint8_t>(&byte, 1));
        }
    }
}

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    g_fixture = make_fixture();
    std::atexit(remove_fixture);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input input(data, size);
    auto device = input.take<uint8_t>() & 3;
    auto state = input.take_bytes(input.take<uint16_t>());
    switch (device) {
    case 0:
        fuzz_virtio(*g_fixture->block, state, input.rest());
        break;
    case 1:
        fuzz_virtio(*g_fixture->vsock, state, input.rest());
        break;
    default:
        fuzz_serial(state, input);
        break;
    }
    return 0;
}
