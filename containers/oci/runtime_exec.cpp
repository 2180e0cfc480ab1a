// vmlet-runtime exec: another process in a running container, with a host process of its own
// whose pid goes to --pid-file and whose exit status is the exec's (conmon and containerd's shim
// wait for it, as for runc's).

#include "containers/oci/bundle_config.h"
#include "containers/oci/console_socket.h"
#include "containers/oci/oci_state.h"
#include "containers/oci/runtime_commands.h"
#include "containers/runtime/container.h"
#include "vmm/base/exit_status.h"
#include "vmm/base/file.h"

#include <sys/wait.h>
#include <unistd.h>

namespace vmlet::oci {

namespace {

constexpr size_t kMaxProcessFile = 1 << 20;

Result<ExecRequest> exec_request_of(const ExecRequestFlags& flags)
{
    ExecRequest request;
    request.interactive = true; // its streams are the ones this runtime was given
    if (!flags.process_file.empty()) {
        auto text = TRY_CONTEXT(read_small_file(flags.process_file, kMaxProcessFile), "--process");
        auto process = TRY(parse_bundle_process(text));
        request.args = std::move(process.args);
        request.env = std::move(process.env);
        request.working_dir = std::move(process.cwd);
        request.user = std::move(process.user);
        request.terminal = process.terminal;
        return request;
    }
    if (flags.args.empty())
        return make_error("exec needs a command, or --process");
    request.args = flags.args;
    request.env = flags.env;
    if (!flags.cwd.empty())
        request.working_dir = flags.cwd;
    if (!flags.user.empty())
        request.user = flags.user;
    if (flags.tty)
        request.terminal = TerminalSize {};
    return request;
}

}

Result<int> exec_in_container(const std::string& root, const ExecRequestFlags& flags)
{
    auto store = TRY(ContainerStore::open(root));
    auto record = store.find(flags.id);
    if (!record.ok() || record.value().name != flags.id)
        return make_error("container does not exist");
    auto status = oci_status(store, record.value());
    if (status != OciStatus::Running)
        return make_error("cannot exec in a {} container", oci_status_name(status));
    auto request = TRY(exec_request_of(flags));
    if (request.terminal && flags.console_socket.empty())
        return make_error("a terminal needs --console-socket");
    UniqueFd console, host_terminal;
    if (request.terminal) {
        console = TRY(connect_console_socket(flags.console_socket));
        request.console_socket = console.get();
    }
    // A VM's exec relays the guest's terminal to its streams: they become a host one, whose
    // master side the caller gets.
    if (request.terminal && record.value().isolation == Isolation::Vm) {
        host_terminal = TRY(send_host_terminal(console.get(), *request.terminal));
        request.console_socket = -1;
    }
    auto container = TRY(Container::open(root, record.value().id));

    std::fflush(stdout);
    std::fflush(stderr);
    pid_t process = ::fork();
    if (process < 0)
        return errno_error("cannot start the exec's process");
    if (process == 0) {
        if (host_terminal.valid())
            for (int stream : { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO })
                ::dup2(host_terminal.get(), stream);
        auto exit_status = container.exec(request);
        if (!exit_status.ok()) {
            fmt::print(stderr, "vmlet-runtime: {}\n", exit_status.error().message());
            ::_exit(kVmletFailure);
        }
        ::_exit(exit_status.value());
    }
    console.reset();
    host_terminal.reset();
    if (!flags.pid_file.empty()) {
        auto written = replace_file(flags.pid_file, fmt::format("{}", process));
        if (!written.ok()) {
            ::kill(process, SIGKILL);
            ::waitpid(process, nullptr, 0);
            return written.release_error();
        }
    }
    if (flags.detach)
        return 0;
    int wait_status = 0;
    while (::waitpid(process, &wait_status, 0) < 0)
        if (errno != EINTR)
            return errno_error("waitpid");
    return exit_status_from_wait_status(wait_status);
}

}
