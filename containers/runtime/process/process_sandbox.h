#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/cgroup/cgroup.h"
#include "containers/runtime/container_spec.h"
#include "containers/runtime/process/overlay_rootfs.h"
#include "containers/runtime/process/pty_relay.h"
#include "containers/runtime/sandbox.h"

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

namespace vmlet {

// A container as a process tree on this kernel: new mount, pid, UTS, IPC, network (only a loopback
// interface) and cgroup namespaces, an overlay of the image's layers as its root, the capabilities,
// no_new_privs, seccomp filter, masked paths and read-only root of spec.security
// (process_security.h, masked_paths.h), and cgroup vmlet/<id> with the spec's limits and the
// default devices only. With spec.terminal, its streams are a pty of its own devpts, relayed to
// stdio (PtyRelay).
class ProcessSandbox final : public Sandbox {
public:
    // `id` names the cgroup and, by default, the hostname: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 bytes.
    // A failure before the container's process exists is an Error; after that, a failure to set up or to
    // exec is the container's exit status (125, 126, 127; see Sandbox) and a one-line message on stdio.err,
    // as `docker run` reports it. Needs root (CAP_SYS_ADMIN) on the host.
    static Result<std::unique_ptr<ProcessSandbox>> start(const std::string& id, const ContainerSpec& spec,
        const StdioFds& stdio);

    ~ProcessSandbox() override;
    ProcessSandbox(const ProcessSandbox&) = delete;
    ProcessSandbox& operator=(const ProcessSandbox&) = delete;

    const std::string& id() const override { return m_id; }
    Result<void> kill(int signal) override;
    Result<int> wait() override;
    Result<std::optional<int>> wait_for(std::chrono::milliseconds timeout) override;
    Result<void> destroy() override;
    std::optional<int> start_failure() const override { return m_start_failure; }
    Result<UniqueFd> connect_port(uint16_t port) override;
    pid_t host_pid() const override { return m_pid; }
    std::string agent_socket() const override { return {}; }
    Result<void> resize_terminal(TerminalSize size) override;
    std::vector<std::string> cgroup_paths() const override { return m_cgroup.directories(); }

    // The container's first process as the host sees it; 0 once it has been reaped.
    pid_t pid() const { return m_pid; }
    // The cgroup directories, empty once destroyed.
    const std::vector<std::string>& cgroup_directories() const { return m_cgroup.directories(); }

private:
    ProcessSandbox(std::string id, Cgroup cgroup, OverlayRootfs rootfs)
        : m_id(std::move(id))
        , m_cgroup(std::move(cgroup))
        , m_rootfs(std::move(rootfs))
    {
    }

    Result<void> launch(const ContainerSpec& spec, const StdioFds& stdio);
    Result<void> connect_network(const NetworkAttachment& network);

    std::string m_id;
    Cgroup m_cgroup;
    OverlayRootfs m_rootfs;
    UniqueFd m_pidfd;
    pid_t m_pid { 0 };
    std::optional<int> m_exit_status;
    std::optional<int> m_start_failure;
    std::unique_ptr<PtyRelay> m_terminal; // with spec.terminal
};

}
