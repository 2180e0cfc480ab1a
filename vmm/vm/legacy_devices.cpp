#include "vmm/vm/legacy_devices.h"

#include <unistd.h>

namespace vmlet {

LegacyDevices::LegacyDevices(const KvmVm& vm, StopState& stop)
    : serial_line(vm, Serial8250::kCom1Irq)
    , serial(serial_line, STDOUT_FILENO)
    , i8042([&stop] { stop.request({ StopKind::PowerOff, 0, "the guest reset" }); })
    , exit_port([&stop](uint8_t status) { stop.request({ StopKind::ExitStatus, status, {} }); }, [&stop] { stop.mark_init_reached(); })
{
}

Result<void> LegacyDevices::attach(Bus& port_bus)
{
    TRY(port_bus.insert(serial, Serial8250::kCom1Port, Serial8250::kPortCount));
    TRY(port_bus.insert(i8042, I8042::kBasePort, I8042::kPortCount));
    TRY(port_bus.insert(exit_port, ExitPort::kBasePort, ExitPort::kPortCount));
    return {};
}

}
