#pragma once

namespace vmlet {

// An interrupt input of the guest's interrupt controller, as a device sees it. Devices never see
// KVM; the VM wires each line to an irqchip pin.
class InterruptLine {
public:
    virtual ~InterruptLine() = default;
    virtual void set_level(bool asserted) = 0;
};

}
