#include "vmm/vm/run_loop.h"

#include "vmm/vm/console_input.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace vmlet {

namespace {

// Blocks SIGINT, SIGTERM and SIGHUP for every thread and reads them through a signalfd instead,
// so the main loop stops the VM cleanly. The device and vCPU threads inherit the mask.
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

// Waits for a stop request, a termination signal, console input or the control channel.
void wait_for_stop(StopState& stop, int signal_fd, ConsoleSink& sink, bool wait_for_init, std::optional<ConsoleInput>& console,
    ControlChannel* control)
{
    constexpr int kInputRetryMs = 10;
    while (!stop.stopped()) {
        // While the guest has not drained the console's receive buffer, leave standard input unread.
        // The virtio console takes input as soon as its driver probes, long before a tty is open
        // to read it (the kernel opens /dev/console for init), and hvc drops what arrives then;
        // so it waits for init's start mark. (The UART needs no such wait: its receive interrupt
        // and OUT2, which input_space() waits for, are only both on once the tty is opened.)
        bool input_blocked = console && (sink.input_space() == 0 || (wait_for_init && !stop.init_reached_at()));
        int console_fd = console && !input_blocked ? console->fd() : -1;
        std::vector<pollfd> fds { { stop.wake_fd(), POLLIN, 0 }, { signal_fd, POLLIN, 0 }, { console_fd, POLLIN, 0 } };
        if (control) {
            for (int fd : control->fds())
                fds.push_back({ fd, POLLIN, 0 });
        }
        if (::poll(fds.data(), fds.size(), input_blocked ? kInputRetryMs : -1) < 0)
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
        for (size_t index = 3; index < fds.size(); ++index) {
            if (fds[index].revents & (POLLIN | POLLHUP | POLLERR))
                control->serve(fds[index].fd);
        }
    }
}

}

Result<StopReason> run_machine(Machine& machine, const RunOptions& options)
{
    auto signal_fd = TRY(block_termination_signals());
    auto console = options.console_input ? std::optional<ConsoleInput>(ConsoleInput::attach(STDIN_FILENO)) : std::nullopt;
    auto first_run = std::chrono::steady_clock::now();
    TRY(machine.start(options.threads));
    if (options.main_thread) {
        auto prepared = options.main_thread();
        if (!prepared.ok())
            machine.stop().request({ StopKind::VmmFailure, 0, prepared.error().with_context("the main thread").message() });
    }
    auto* virtio_console = machine.virtio().console();
    ConsoleSink& console_sink = virtio_console ? *virtio_console : machine.legacy().serial;
    auto& stop = machine.stop();
    wait_for_stop(stop, signal_fd.get(), console_sink, virtio_console != nullptr, console, options.control);
    machine.stop_and_join();
    console.reset();

    if (options.boot_timer) {
        using std::chrono::duration;
        auto to_ms = [&](auto point) { return duration<double, std::milli>(point - options.started).count(); };
        auto init = stop.init_reached_at();
        rusage usage {};
        ::getrusage(RUSAGE_SELF, &usage);
        fmt::print(stderr, "vmlet: boot-timer: first KVM_RUN {:.1f} ms, init {}, peak RSS {} KiB\n", to_ms(first_run),
            init ? fmt::format("{:.1f} ms", to_ms(*init)) : std::string("never reached"), usage.ru_maxrss);
    }
    auto reason = stop.reason();
    if (reason.kind == StopKind::PowerOff && stop.init_reached_at())
        return StopReason { StopKind::GuestFailure, 0, "the guest stopped before vmlet's init reported an exit status (kernel panic?)" };
    return reason;
}

}
