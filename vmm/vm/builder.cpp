#include "vmm/vm/builder.h"

#include "boot/layout.h"
#include "boot/linux_boot.h"
#include "devices/legacy/exit_port.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/serial_8250.h"
#include "vmm/base/file.h"
#include "vmm/kvm/cpuid.h"
#include "vmm/kvm/kvm_vcpu.h"
#include "vmm/vm/boot_registers.h"
#include "vmm/vm/console_input.h"
#include "vmm/vm/host.h"
#include "vmm/vm/kernel_cmdline.h"
#include "vmm/vm/vcpu_runner.h"
#include "vmm/vm/virtio_devices.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>

namespace vmlet {

namespace {

class KvmInterruptLine final : public InterruptLine {
public:
    KvmInterruptLine(const KvmVm& vm, uint32_t irq)
        : m_vm(vm)
        , m_irq(irq)
    {
    }
    void set_level(bool asserted) override { (void)m_vm.set_irq_line(m_irq, asserted); }

private:
    const KvmVm& m_vm;
    uint32_t m_irq;
};

// The platform devices every microVM has, wired to the buses and to the stop state.
struct LegacyDevices {
    KvmInterruptLine serial_line;
    Serial8250 serial;
    I8042 i8042;
    ExitPort exit_port;

    LegacyDevices(const KvmVm& vm, StopState& stop)
        : serial_line(vm, Serial8250::kCom1Irq)
        , serial(serial_line, STDOUT_FILENO)
        , i8042([&stop] { stop.request({ StopKind::PowerOff, 0, "the guest reset" }); })
        , exit_port([&stop](uint8_t status) { stop.request({ StopKind::ExitStatus, status, {} }); },
              [&stop] { stop.mark_init_reached(); })
    {
    }

    Result<void> attach(Bus& port_bus)
    {
        TRY(port_bus.insert(serial, Serial8250::kCom1Port, Serial8250::kPortCount));
        TRY(port_bus.insert(i8042, I8042::kBasePort, I8042::kPortCount));
        TRY(port_bus.insert(exit_port, ExitPort::kBasePort, ExitPort::kPortCount));
        return {};
    }
};

Result<std::vector<KvmVcpu>> create_vcpus(const KvmSystem& kvm, const KvmVm& vm, const VmConfig& config, const BootCpuState& boot_state)
{
    auto supported = TRY(kvm.supported_cpuid());
    auto hypercalls = is_pvm_host() ? GuestHypercalls::Hidden : GuestHypercalls::Available;
    std::vector<KvmVcpu> vcpus;
    for (uint32_t index = 0; index < config.cpus; ++index) {
        auto vcpu = TRY(KvmVcpu::create(kvm, vm, index));
        TRY(vcpu.set_cpuid(vcpu_cpuid(supported, index, config.cpus, hypercalls)));
        TRY(configure_local_apic(vcpu));
        // Application processors wait for INIT/SIPI from the boot CPU, handled inside KVM.
        if (index == 0)
            TRY(load_boot_registers(vcpu, boot_state));
        vcpus.push_back(std::move(vcpu));
    }
    return vcpus;
}

// Blocks SIGINT and SIGTERM for every thread and reads them through a signalfd instead, so the
// main loop stops the VM cleanly. vCPU threads inherit the mask.
Result<UniqueFd> block_termination_signals()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    if (::pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0)
        return make_error("cannot block termination signals");
    int fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0)
        return errno_error("signalfd");
    return UniqueFd(fd);
}

// Waits for a stop request, a termination signal or console input.
void wait_for_stop(StopState& stop, int signal_fd, ConsoleSink& sink, bool wait_for_init, std::optional<ConsoleInput>& console)
{
    constexpr int kInputRetryMs = 10;
    while (!stop.stopped()) {
        // While the guest has not drained the console's receive buffer, leave standard input unread.
        // The virtio console takes input as soon as its driver probes, long before a tty is open
        // to read it (the kernel opens /dev/console for init), and hvc drops what arrives then;
        // so it waits for init's start mark. (The UART needs no such wait: its receive interrupt,
        // which input_space() waits for, is only enabled when the tty is opened.)
        bool input_blocked = console && (sink.input_space() == 0 || (wait_for_init && !stop.init_reached_at()));
        int console_fd = console && !input_blocked ? console->fd() : -1;
        pollfd fds[3] = { { stop.wake_fd(), POLLIN, 0 }, { signal_fd, POLLIN, 0 }, { console_fd, POLLIN, 0 } };
        if (::poll(fds, 3, input_blocked ? kInputRetryMs : -1) < 0)
            continue;
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo info {};
            if (::read(signal_fd, &info, sizeof(info)) == sizeof(info))
                stop.request({ StopKind::Signal, int(info.ssi_signo), {} });
        }
        if (console && (fds[2].revents & (POLLIN | POLLHUP))) {
            auto outcome = console->forward(sink);
            if (outcome == ConsoleInput::Outcome::Quit)
                stop.request({ StopKind::UserQuit, 0, {} });
            else if (outcome == ConsoleInput::Outcome::Closed)
                console.reset();
        }
    }
}

// Copies the kernel and initrd into guest memory. The files are mapped only for the copy, so their
// pages do not stay in vmlet's resident set for the life of the VM.
Result<LinuxBoot> load_guest_images(const GuestMemory& memory, const VmConfig& config, const std::string& command_line)
{
    auto kernel_file = TRY_CONTEXT(MappedFile::open(config.kernel_path), "kernel");
    std::optional<MappedFile> initrd_file;
    if (config.initrd_path)
        initrd_file = TRY_CONTEXT(MappedFile::open(*config.initrd_path), "initrd");
    LinuxBootSpec spec { kernel_file.bytes(), std::nullopt, command_line, config.cpus };
    if (initrd_file)
        spec.initrd = initrd_file->bytes();
    return TRY_CONTEXT(load_linux(memory, spec), config.kernel_path);
}

}

Result<std::string> guest_command_line(const VmConfig& config)
{
    auto host = is_pvm_host() ? HostKind::Pvm : HostKind::Kvm;
    auto extra = TRY(VirtioDevices::command_line(config));
    // The last console= names /dev/console, which init's standard streams use.
    if (config.console == ConsoleKind::Virtio)
        extra += " console=hvc0";
    if (!config.extra_command_line.empty())
        extra += " " + config.extra_command_line;
    return build_kernel_command_line(host, extra, config.command);
}

Result<StopReason> run_vm(const VmConfig& config)
{
    auto started = std::chrono::steady_clock::now();
    TRY(validate_config(config));

    // Everything a user can get wrong is checked before KVM is touched.
    auto command_line = TRY(guest_command_line(config));
    auto memory = TRY(GuestMemory::create(layout::ram_regions(config.memory_mib << 20), config.memory_backing));
    auto virtio = TRY(VirtioDevices::create(config, memory));
    auto boot = TRY(load_guest_images(memory, config, command_line));

    auto kvm = TRY(KvmSystem::open(config.kvm_device));
    if (config.cpus > kvm.max_vcpus())
        return make_error("--cpus {} is more than KVM allows on this host ({})", config.cpus, kvm.max_vcpus());
    auto vm = TRY(KvmVm::create(kvm));
    TRY(vm.register_memory(memory));
    TRY(vm.create_platform());

    auto stop = TRY(StopState::create());
    Bus port_bus;
    Bus mmio_bus;
    LegacyDevices devices(vm, *stop);
    TRY(devices.attach(port_bus));
    auto vcpus = TRY(create_vcpus(kvm, vm, config, boot.cpu));

    auto signal_fd = TRY(block_termination_signals());
    // Started after the signal mask is set, so the device thread inherits it.
    auto device_loop = TRY(EventLoop::create());
    TRY(virtio->attach(vm, mmio_bus, *device_loop));
    TRY(device_loop->start());
    // Standard input goes to the guest only when it runs a shell, not a command (as with docker run
    // without -i).
    auto console = config.command.empty() ? std::optional<ConsoleInput>(ConsoleInput::attach(STDIN_FILENO)) : std::nullopt;
    VcpuRunner runner(vcpus, port_bus, mmio_bus, *stop);
    auto first_run = std::chrono::steady_clock::now();
    TRY(runner.start());
    ConsoleSink& console_sink = virtio->console() ? *virtio->console() : devices.serial;
    wait_for_stop(*stop, signal_fd.get(), console_sink, virtio->console() != nullptr, console);
    runner.stop_and_join();
    device_loop->stop_and_join();
    console.reset();

    if (config.boot_timer) {
        using std::chrono::duration;
        auto to_ms = [&](auto point) { return duration<double, std::milli>(point - started).count(); };
        auto init = stop->init_reached_at();
        rusage usage {};
        ::getrusage(RUSAGE_SELF, &usage);
        fmt::print(stderr, "vmlet: boot-timer: first KVM_RUN {:.1f} ms, init {}, peak RSS {} KiB\n", to_ms(first_run),
            init ? fmt::format("{:.1f} ms", to_ms(*init)) : std::string("never reached"), usage.ru_maxrss);
    }
    auto reason = stop->reason();
    if (reason.kind == StopKind::PowerOff && stop->init_reached_at())
        return StopReason { StopKind::GuestFailure, 0, "the guest stopped before vmlet's init reported an exit status (kernel panic?)" };
    return reason;
}

}
