#include "vmm/runtime/vm_sandbox.h"

#include "guest/agent/agent_protocol.h"
#include "vmm/base/fd_copy.h"
#include "vmm/base/file.h"
#include "vmm/base/subprocess.h"
#include "vmm/runtime/agent_spec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>

namespace vmlet {

namespace {

constexpr auto kDrainTimeout = std::chrono::seconds(5);
constexpr auto kPowerOffTimeout = std::chrono::seconds(30);

sockaddr_un unix_address(const std::string& path)
{
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    return address;
}

Result<UniqueFd> listen_unix(const std::string& path)
{
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        return make_error("socket path {} is too long", path);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = unix_address(path);
    ::unlink(path.c_str());
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 || ::listen(fd.get(), 4) < 0)
        return errno_error(fmt::format("cannot listen on {}", path));
    return fd;
}

Result<UniqueFd> accept_now(int listener, const char* what)
{
    pollfd ready { listener, POLLIN, 0 };
    if (::poll(&ready, 1, std::chrono::milliseconds(kDrainTimeout).count()) <= 0)
        return make_error("the guest agent did not open its {} stream", what);
    UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid())
        return errno_error(fmt::format("accepting the agent's {} stream", what));
    return fd;
}

Result<void> write_bytes(int fd, std::string_view bytes)
{
    return write_all(fd, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// Reads exactly `size` bytes; false on end of file.
Result<bool> read_exact(int fd, char* buffer, size_t size)
{
    for (size_t done = 0; done < size;) {
        ssize_t count = ::read(fd, buffer + done, size - done);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return errno_error("reading from the guest agent");
        if (count == 0)
            return false;
        done += static_cast<size_t>(count);
    }
    return true;
}

// The exit status of the VM process, if it has ended.
std::optional<int> reap_if_ended(pid_t pid)
{
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid)
        return std::nullopt;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}

Result<std::unique_ptr<VmSandbox>> VmSandbox::start(const std::string& id, const ContainerSpec& spec, const StdioFds& stdio,
    const VmSandboxOptions& options)
{
    std::unique_ptr<VmSandbox> sandbox(new VmSandbox(id));
    auto launched = sandbox->launch(spec, stdio, options);
    if (!launched.ok()) {
        (void)sandbox->destroy();
        return launched.release_error();
    }
    return sandbox;
}

Result<void> VmSandbox::launch(const ContainerSpec& spec, const StdioFds& stdio, const VmSandboxOptions& options)
{
    // Unix socket paths must fit in 108 bytes, which a store path may not: they go in a private
    // directory under TMPDIR (a tmpfs in the nested-KVM test VM, where the store's 9p cannot hold them).
    std::error_code error;
    m_socket_dir = (std::filesystem::temp_directory_path(error) / ("vmlet-" + m_id.substr(0, 16))).string();
    std::filesystem::create_directory(m_socket_dir, error);
    std::filesystem::permissions(m_socket_dir, std::filesystem::perms::owner_all, error);
    if (error)
        return make_error("cannot create {}: {}", m_socket_dir, error.message());
    m_socket = m_socket_dir + "/v.sock";
    auto port_path = [&](int port) { return fmt::format("{}_{}", m_socket, port); };
    auto control = TRY(listen_unix(port_path(VMLET_AGENT_PORT_CONTROL)));
    auto out = TRY(listen_unix(port_path(VMLET_AGENT_PORT_STDOUT)));
    auto err = TRY(listen_unix(port_path(VMLET_AGENT_PORT_STDERR)));
    bool attach_stdin = stdio.in >= 0;
    std::optional<UniqueFd> in;
    if (attach_stdin)
        in = TRY(listen_unix(port_path(VMLET_AGENT_PORT_STDIN)));

    // The guest's console (kernel and init messages) is the container's business only when
    // something goes wrong: it goes to a file beside the container's record.
    auto console = TRY(open_file(spec.rootfs.state_dir + "/console.log", O_WRONLY | O_CREAT | O_TRUNC));
    m_vm_pid = TRY(spawn_process({ options.vmlet_binary, "boot", "--disk", options.disk + ",ro", "--vsock",
                                       fmt::format("cid={},uds={}", int(VMLET_AGENT_GUEST_CID), m_socket), "--memory",
                                       std::to_string(options.memory_mib), "--cpus", std::to_string(options.cpus), "--", VMLET_AGENT_PATH },
        { .stdin_fd = -1, .stdout_fd = console.get(), .stderr_fd = console.get(), .own_process_group = true }));

    m_control = TRY(accept_agent(control.get(), options));
    TRY(write_bytes(m_control.get(), encode_agent_spec(spec, options.user, { .stdin_attached = attach_stdin, .loopback = options.publish_ports })));
    auto guest_out = TRY(accept_now(out.get(), "stdout"));
    auto guest_err = TRY(accept_now(err.get(), "stderr"));

    m_stop.reset(::eventfd(0, EFD_CLOEXEC));
    auto copy_output = [&](UniqueFd from, int to_borrowed) {
        UniqueFd to(::fcntl(to_borrowed, F_DUPFD_CLOEXEC, 3));
        m_copiers.emplace_back([this, from = std::move(from), to = std::move(to), stop = m_stop.get()] {
            copy_until_end(from.get(), to.get(), stop);
            m_outputs_done++;
        });
    };
    UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    copy_output(std::move(guest_out), stdio.out >= 0 ? stdio.out : null.get());
    copy_output(std::move(guest_err), stdio.err >= 0 ? stdio.err : null.get());
    if (in) {
        auto guest_in = TRY(accept_now(in->get(), "stdin"));
        UniqueFd from(::fcntl(stdio.in, F_DUPFD_CLOEXEC, 3));
        int to = guest_in.get();
        m_stdin = std::move(guest_in);
        m_copiers.emplace_back([from = std::move(from), to, stop = m_stop.get()] {
            // The end of vmlet's input is the end of the container's: a half-close.
            if (copy_until_end(from.get(), to, stop))
                ::shutdown(to, SHUT_WR);
        });
    }

    char started[2] = {};
    if (!TRY(read_exact(m_control.get(), started, 1)))
        return make_error("the guest agent closed its connection before the command started");
    if (started[0] == 'F') {
        if (!TRY(read_exact(m_control.get(), started + 1, 1)))
            return make_error("the guest agent closed its connection");
        m_start_failure = static_cast<uint8_t>(started[1]);
        (void)TRY(finish(*m_start_failure));
    } else if (started[0] != 'S') {
        return make_error("the guest agent sent '{}' instead of its start report", started[0]);
    }
    return {};
}

Result<UniqueFd> VmSandbox::accept_agent(int listener, const VmSandboxOptions& options)
{
    auto deadline = std::chrono::steady_clock::now() + options.boot_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd ready { listener, POLLIN, 0 };
        if (::poll(&ready, 1, 250) > 0) {
            UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
            if (fd.valid())
                return fd;
        }
        if (auto status = reap_if_ended(m_vm_pid)) {
            m_vm_pid = 0;
            return make_error("the container's VM stopped (status {}) before its agent started; its console is in console.log", *status);
        }
    }
    return make_error("the container's VM did not start its agent within {} s", options.boot_timeout.count());
}

// The command has exited with `status`: take the rest of its output, let the agent go, and
// wait for the VM to power off.
Result<int> VmSandbox::finish(int status)
{
    // The output streams end when the command, and anything it left running, has closed them;
    // a daemon that keeps them open does not hold the container's exit up for long.
    auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    while (m_outputs_done < 2 && std::chrono::steady_clock::now() < deadline)
        ::usleep(5000);
    (void)write_bytes(m_control.get(), "A");
    auto power_off = std::chrono::steady_clock::now() + kPowerOffTimeout;
    while (m_vm_pid && !reap_if_ended(m_vm_pid)) {
        if (std::chrono::steady_clock::now() > power_off) {
            ::kill(m_vm_pid, SIGKILL);
            (void)wait_process(m_vm_pid);
            break;
        }
        ::usleep(10000);
    }
    m_vm_pid = 0;
    stop_streams();
    m_exit_status = status;
    return status;
}

void VmSandbox::stop_streams()
{
    uint64_t one = 1;
    if (m_stop.valid())
        (void)::write(m_stop.get(), &one, sizeof one);
    for (auto& copier : m_copiers) {
        if (copier.joinable())
            copier.join();
    }
    m_copiers.clear();
}

VmSandbox::~VmSandbox()
{
    (void)destroy();
}

Result<void> VmSandbox::kill(int signal)
{
    if (m_exit_status || !m_control.valid())
        return {};
    char message[2] = { 'K', static_cast<char>(signal) };
    return write_bytes(m_control.get(), std::string_view(message, 2));
}

Result<int> VmSandbox::wait()
{
    for (;;) {
        if (auto status = TRY(wait_for(std::chrono::hours(1))))
            return *status;
    }
}

Result<std::optional<int>> VmSandbox::wait_for(std::chrono::milliseconds timeout)
{
    if (m_exit_status)
        return m_exit_status;
    pollfd ready { m_control.get(), POLLIN, 0 };
    int count = ::poll(&ready, 1, static_cast<int>(timeout.count()));
    if (count < 0 && errno != EINTR)
        return errno_error("waiting for the guest agent");
    if (count <= 0)
        return std::optional<int>();
    char exited[2] = {};
    if (TRY(read_exact(m_control.get(), exited, 2)) && exited[0] == 'X')
        return std::optional<int>(TRY(finish(static_cast<uint8_t>(exited[1]))));
    // The agent is gone without a word: the VM's own exit status says what happened.
    int status = m_vm_pid ? TRY(wait_process(m_vm_pid)) : 125;
    m_vm_pid = 0;
    stop_streams();
    m_exit_status = status;
    return m_exit_status;
}

Result<UniqueFd> VmSandbox::connect_port(uint16_t port)
{
    if (m_exit_status)
        return make_error("container {} is not running", m_id);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto address = unix_address(m_socket);
    if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return errno_error("cannot reach the container's VM");
    // vmlet's vsock device: "CONNECT PORT\n" is answered with "OK <host port>\n" (as Firecracker's).
    TRY(write_bytes(fd.get(), fmt::format("CONNECT {}\n", int(VMLET_AGENT_PORT_FORWARD))));
    std::string reply;
    for (char c = 0; c != '\n';) {
        if (!TRY(read_exact(fd.get(), &c, 1)) || reply.size() > 64)
            return make_error("the container's VM refused the connection to port {}", port);
        reply += c;
    }
    if (!reply.starts_with("OK"))
        return make_error("the container's VM refused the connection to port {}", port);
    char target[2] = { static_cast<char>(port >> 8), static_cast<char>(port & 0xff) };
    TRY(write_bytes(fd.get(), std::string_view(target, 2)));
    return fd;
}

Result<void> VmSandbox::destroy()
{
    if (m_vm_pid) {
        ::kill(m_vm_pid, SIGKILL);
        (void)wait_process(m_vm_pid);
        m_vm_pid = 0;
    }
    stop_streams();
    m_control.reset();
    m_stdin.reset();
    if (!m_socket_dir.empty()) {
        std::error_code error;
        std::filesystem::remove_all(m_socket_dir, error);
        m_socket_dir.clear();
    }
    return {};
}

}
