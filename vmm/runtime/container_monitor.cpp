#include "vmm/runtime/container_monitor.h"

#include "vmm/runtime/port_forwarder.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

namespace vmlet {

namespace {

// The signals the monitor passes on, taken from normal delivery into a signalfd.
class ForwardedSignals {
public:
    static Result<ForwardedSignals> block()
    {
        sigset_t set;
        sigemptyset(&set);
        for (int signal : { SIGINT, SIGTERM, SIGHUP, SIGUSR1 })
            sigaddset(&set, signal);
        sigset_t old;
        if (::pthread_sigmask(SIG_BLOCK, &set, &old) != 0)
            return make_error("cannot block signals");
        int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd < 0)
            return errno_error("signalfd");
        return ForwardedSignals(UniqueFd(fd), old);
    }
    ForwardedSignals(ForwardedSignals&&) = default;
    ~ForwardedSignals()
    {
        if (m_fd.valid())
            ::pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }

    // The signals to deliver to the container now.
    std::vector<int> pending()
    {
        std::vector<int> signals;
        signalfd_siginfo info {};
        while (::read(m_fd.get(), &info, sizeof info) == sizeof info) {
            if (info.ssi_signo == SIGUSR1)
                signals.push_back(info.ssi_int);
            else
                signals.push_back(static_cast<int>(info.ssi_signo));
        }
        return signals;
    }

private:
    ForwardedSignals(UniqueFd fd, sigset_t old)
        : m_fd(std::move(fd))
        , m_old(old)
    {
    }
    UniqueFd m_fd;
    sigset_t m_old;
};

}

Result<int> monitor_container(const ContainerStore& store, ContainerRecord record, const ContainerSpec& spec, const StdioFds& stdio,
    const SandboxStarter& start, const MonitorOptions& options)
{
    // Blocked before any thread exists, so every thread inherits the mask and the signalfd sees them all.
    auto signals = TRY(ForwardedSignals::block());
    std::vector<std::unique_ptr<PortForwarder>> forwarders;
    for (const auto& port : options.ports)
        forwarders.push_back(TRY(PortForwarder::bind(port)));

    auto sandbox = TRY(start(record.id, spec, stdio));
    record.state = ContainerState::Running;
    record.monitor_pid = ::getpid();
    record.container_pid = sandbox->host_pid();
    record.cgroups = sandbox->cgroup_paths();
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

    std::optional<int> status;
    while (!status) {
        status = TRY(sandbox->wait_for(std::chrono::milliseconds(100)));
        for (int signal : signals.pending())
            (void)sandbox->kill(signal);
    }
    forwarders.clear();
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
