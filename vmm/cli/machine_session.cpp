#include "vmm/cli/machine_session.h"

#include "vmm/api/api_server.h"
#include "vmm/base/exit_status.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace vmlet {

namespace {

int exit_status(const StopReason& reason)
{
    switch (reason.kind) {
    case StopKind::ExitStatus:
        return reason.value;
    case StopKind::PowerOff:
    case StopKind::UserQuit:
    case StopKind::Requested:
        return 0;
    case StopKind::Signal:
        return 128 + reason.value;
    case StopKind::GuestFailure:
    case StopKind::VmmFailure:
        return fail(reason.message);
    }
    return kVmletFailure;
}

}

int run_session(std::unique_ptr<Machine> machine, SessionOptions options)
{
    // Sockets listen before the jail, which hides the host's paths.
    std::unique_ptr<ApiServer> api;
    if (!options.api_socket.empty()) {
        auto server = ApiServer::listen(options.api_socket, *machine, snapshot_places(options.sandbox));
        if (!server.ok())
            return fail(server.error().message());
        api = server.release_value();
        options.run.control = api.get();
    }
    auto locked = lock_down_process(*machine, options.sandbox, api != nullptr);
    if (!locked.ok())
        return fail(locked.error().message());
    auto threads = thread_sandbox(options.sandbox, *machine);
    options.run.threads = threads.vm_threads;
    options.run.main_thread = threads.main_thread;
    auto reason = run_machine(*machine, options.run);
    if (!reason.ok())
        return fail(reason.error().message());
    return exit_status(reason.value());
}

bool exit_with_parent()
{
    // A parent that died before this has left vmlet to init.
    return ::prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && ::getppid() != 1;
}

}
