#include "vmm/vm/vcpu_runner.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstring>

namespace vmlet {

// The signal that kicks a vCPU thread out of KVM_RUN; its handler does nothing, the interrupted
// ioctl returning EINTR is the point (with immediate_exit closing the race before entry).
constexpr int kKickSignal = SIGUSR1;

static void ignore_kick(int) { }

template<typename... Handlers>
struct Overloaded : Handlers... {
    using Handlers::operator()...;
};
// Spelled out for clang 14 (the fuzz build), which deduces no aggregate's template arguments.
template<typename... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

VcpuRunner::VcpuRunner(std::vector<KvmVcpu>& vcpus, const Bus& port_bus, const Bus& mmio_bus, StopState& stop)
    : m_vcpus(vcpus)
    , m_port_bus(port_bus)
    , m_mmio_bus(mmio_bus)
    , m_stop(stop)
{
}

VcpuRunner::~VcpuRunner()
{
    stop_and_join();
}

Result<void> VcpuRunner::start(ThreadSetup setup)
{
    struct sigaction action {};
    action.sa_handler = ignore_kick; // no SA_RESTART: KVM_RUN must return
    sigemptyset(&action.sa_mask);
    if (::sigaction(kKickSignal, &action, nullptr) < 0)
        return errno_error("sigaction");
    for (auto& vcpu : m_vcpus)
        m_threads.emplace_back([this, &vcpu, setup] { run(vcpu, setup); });
    return {};
}

void VcpuRunner::kick_all()
{
    for (size_t index = 0; index < m_threads.size(); ++index) {
        if (!m_threads[index].joinable())
            continue;
        m_vcpus[index].request_immediate_exit();
        ::pthread_kill(m_threads[index].native_handle(), kKickSignal);
    }
}

void VcpuRunner::stop_and_join()
{
    kick_all();
    {
        std::lock_guard lock(m_pause_lock);
        m_pause_changed.notify_all(); // parked threads see the stop
    }
    for (auto& thread : m_threads) {
        if (thread.joinable())
            thread.join();
    }
    m_threads.clear();
}

void VcpuRunner::run(KvmVcpu& vcpu, const ThreadSetup& setup)
{
    sigset_t kick;
    sigemptyset(&kick);
    sigaddset(&kick, kKickSignal);
    ::pthread_sigmask(SIG_UNBLOCK, &kick, nullptr);
    if (setup) {
        auto prepared = setup();
        if (!prepared.ok()) {
            m_stop.request({ StopKind::VmmFailure, 0, fmt::format("vCPU {}: {}", vcpu.index(), prepared.error().message()) });
            return;
        }
    }
    while (!m_stop.stopped()) {
        if (m_pause_requested.load(std::memory_order_acquire)) {
            park(vcpu);
            continue;
        }
        auto exit = vcpu.run();
        if (!exit.ok()) {
            m_stop.request({ StopKind::VmmFailure, 0, exit.error().message() });
            return;
        }
        handle(vcpu, exit.value());
    }
}

// A parked vCPU has finished the instruction of its last exit (KvmVcpu::complete_pending_exit), so
// the state a snapshot reads is the guest's as after it.
void VcpuRunner::park(KvmVcpu& vcpu)
{
    auto completed = vcpu.complete_pending_exit();
    if (!completed.ok()) {
        m_stop.request({ StopKind::VmmFailure, 0, completed.error().message() });
        return;
    }
    std::unique_lock lock(m_pause_lock);
    ++m_parked;
    m_pause_changed.notify_all();
    m_pause_changed.wait(lock, [&] { return !m_pause_requested.load(std::memory_order_acquire) || m_stop.stopped(); });
    --m_parked;
}

bool VcpuRunner::pause()
{
    m_pause_requested.store(true, std::memory_order_release);
    kick_all();
    // A vCPU thread that ends (the guest stopped meanwhile) never parks: look at the stop state
    // now and then, as nothing notifies of it here.
    std::unique_lock lock(m_pause_lock);
    while (m_parked < m_threads.size() && !m_stop.stopped())
        m_pause_changed.wait_for(lock, std::chrono::milliseconds(20));
    return !m_stop.stopped();
}

void VcpuRunner::resume()
{
    std::lock_guard lock(m_pause_lock);
    m_pause_requested.store(false, std::memory_order_release);
    m_pause_changed.notify_all();
}

static std::string guest_rip(const KvmVcpu& vcpu)
{
    auto regs = vcpu.get_regs();
    return regs.ok() ? fmt::format("{:#x}", regs.value().rip) : std::string("unknown");
}

void VcpuRunner::handle(KvmVcpu& vcpu, const VcpuExit& exit)
{
    auto guest_failure = [&](std::string what) {
        m_stop.request({ StopKind::GuestFailure, 0, fmt::format("vCPU {}: {} at guest RIP {}", vcpu.index(), what, guest_rip(vcpu)) });
    };
    std::visit(Overloaded {
                   [&](const exits::PortIo& io) {
                       // A string instruction transfers `count` items; each is one device access.
                       for (size_t offset = 0; offset < io.data.size(); offset += io.size) {
                           auto item = io.data.subspan(offset, io.size);
                           if (io.is_write)
                               m_port_bus.write(io.port, item);
                           else
                               m_port_bus.read(io.port, item);
                       }
                   },
                   [&](const exits::Mmio& mmio) {
                       if (mmio.is_write)
                           m_mmio_bus.write(mmio.address, mmio.data);
                       else
                           m_mmio_bus.read(mmio.address, mmio.data);
                   },
                   // With the in-kernel local APIC, HLT stays in the kernel; an exit means the
                   // guest halted for good.
                   [&](const exits::Halt&) { m_stop.request({ StopKind::PowerOff, 0, "the guest halted" }); },
                   [&](const exits::Shutdown&) { guest_failure("triple fault"); },
                   [&](const exits::SystemEvent& event) {
                       if (event.type == KVM_SYSTEM_EVENT_SHUTDOWN || event.type == KVM_SYSTEM_EVENT_RESET)
                           m_stop.request({ StopKind::PowerOff, 0, "the guest powered off" });
                       else
                           guest_failure(fmt::format("system event {}", event.type));
                   },
                   [&](const exits::InternalError& error) {
                       if (error.suberror == KVM_INTERNAL_ERROR_EMULATION)
                           guest_failure("KVM emulation failure (an instruction the host cannot emulate)");
                       else
                           guest_failure(fmt::format("KVM internal error {}", error.suberror));
                   },
                   [&](const exits::FailEntry& failure) { guest_failure(fmt::format("VM entry failed (hardware reason {:#x})", failure.reason)); },
                   [&](const exits::Interrupted&) { },
                   [&](const exits::Unhandled& unhandled) { guest_failure(fmt::format("unhandled KVM exit reason {}", unhandled.reason)); },
               },
        exit);
}

}
