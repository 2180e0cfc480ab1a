#include "containers/runtime/container_monitor.h"

#include "containers/runtime/forwarded_signals.h"
#include "containers/runtime/port_forwarder.h"
#include "containers/runtime/udp_forwarder.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

namespace vmlet {

Result<int> monitor_container(const ContainerStore& store, ContainerRecord record, const ContainerSpec& spec, const StdioFds& stdio,
    const SandboxStarter& start, const MonitorOptions& options)
{
    // Blocked before any thread exists, so every thread inherits the mask and the signalfd sees them all.
    auto signals = TRY(ForwardedSignals::block());
    std::vector<std::unique_ptr<PortForwarder>> forwarders;
    std::vector<std::unique_ptr<UdpForwarder>> udp_forwarders;
    for (const auto& port : options.ports) {
        if (port.protocol == PortMapping::Protocol::Tcp)
            forwarders.push_back(TRY(PortForwarder::bind(port)));
        else
            udp_forwarders.push_back(TRY(UdpForwarder::bind(port)));
    }

    auto sandbox = TRY(start(record.id, spec, stdio));
    record.state = ContainerState::Running;
    record.monitor_pid = ::getpid();
    record.container_pid = sandbox->host_pid();
    record.cgroups = sandbox->cgroup_paths();
    record.agent_socket = sandbox->agent_socket();
    record.started = now_rfc3339();
    auto saved = store.save(record);
    if (!saved.ok()) {
        (void)sandbox->destroy();
        return saved.release_error();
    }
    if (options.started)
        options.started(sandbox->start_failure());
    for (auto& forwarder : forwarders)
        forwarder->start([&sandbox](uint16_t port) { return sandbox->connect_port(port); });
    // UDP has no stream to carry over vsock or into a namespace: it goes through the bridge to
    // the container's address (Container::create refuses udp without a network).
    for (auto& forwarder : udp_forwarders)
        forwarder->start(spec.network ? spec.network->address : 0);

    std::optional<int> status;
    while (!status) {
        status = TRY(sandbox->wait_for(std::chrono::milliseconds(100)));
        for (int signal : signals.pending()) {
            if (signal != SIGWINCH)
                (void)sandbox->kill(signal);
            else if (options.window_changed)
                options.window_changed(*sandbox);
        }
    }
    forwarders.clear();
    udp_forwarders.clear();
    auto destroyed = sandbox->destroy();
    record.state = ContainerState::Exited;
    record.exit_code = *status;
    record.finished = now_rfc3339();
    if (record.auto_remove)
        TRY(store.remove(record));
    else
        TRY(store.save(record));
    if (!destroyed.ok())
        return destroyed.release_error();
    return *status;
}

Result<void> signal_container(const ContainerRecord& record, int signal)
{
    if (record.state != ContainerState::Running || !monitor_alive(record))
        return make_error("container {} is not running", record.name);
    union sigval value {};
    value.sival_int = signal;
    if (::sigqueue(record.monitor_pid, SIGUSR1, value) < 0)
        return errno_error(fmt::format("cannot signal container {}", record.name));
    return {};
}

}
