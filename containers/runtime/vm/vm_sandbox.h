#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/cgroup/cgroup.h"
#include "containers/runtime/vm/agent_session.h"
#include "containers/runtime/vm/console_log.h"
#include "containers/runtime/container_spec.h"
#include "containers/runtime/sandbox.h"
#include "containers/runtime/user_lookup.h"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmlet {

struct VmSandboxOptions {
    std::string disk;          // the image's ext4 (image_disk.h), attached read-only
    uint64_t memory_mib { 0 }; // the VM's RAM: the container's memory limit, as Hyper-V isolation does
    uint32_t cpus { 1 };
    ExecUser user;             // resolved from the image's /etc/passwd by the caller
    bool publish_ports { false };
    // Restore this template (vm_template.h) instead of booting: its size is its own.
    std::optional<std::string> template_dir {};
    std::chrono::seconds boot_timeout { 120 };
};

// The limits of the cgroup a VM container's monitor runs in (the VM process: its RAM, vCPUs and
// device thread): --cpus as CPU time for all its threads (a fraction of a vCPU is throttled, not
// rounded up), and its memory bounded by the guest's RAM and what the monitor and the kernel's KVM
// structures need besides, so a monitor that leaked or a guest that made the kernel allocate for it
// meets a limit. Few threads: one per vCPU, the device thread and the main one.
ResourceLimits vm_cgroup_limits(const ResourceLimits& container, const VmSandboxOptions& options);

// A container in a microVM of its own (DESIGN.md "Containers"): `vmlet-vmm boot` in a child process,
// with the image as /dev/vda, runs the guest agent, which gets the process spec over vsock and
// runs it in an overlay whose writable layer is the container's own disk, /dev/vdb (layer_disk.h),
// or under --rm a tmpfs in the VM. The container's standard
// streams are vsock connections, copied here to and from the caller's descriptors (AgentSession).
// The protocol is guest/agent/agent_protocol.h.
class VmSandbox final : public Sandbox {
public:
    static Result<std::unique_ptr<VmSandbox>> start(const std::string& id, const ContainerSpec& spec, const StdioFds& stdio,
        const VmSandboxOptions& options);
    ~VmSandbox() override;
    VmSandbox(const VmSandbox&) = delete;
    VmSandbox& operator=(const VmSandbox&) = delete;

    const std::string& id() const override { return m_id; }
    Result<void> kill(int signal) override;
    Result<int> wait() override;
    Result<std::optional<int>> wait_for(std::chrono::milliseconds timeout) override;
    std::optional<int> start_failure() const override { return m_start_failure; }
    Result<UniqueFd> connect_port(uint16_t port) override;
    pid_t host_pid() const override { return m_vm_pid; }
    std::vector<std::string> cgroup_paths() const override { return m_cgroup ? m_cgroup->directories() : std::vector<std::string> {}; }
    std::string agent_socket() const override { return m_socket; }
    Result<void> resize_terminal(TerminalSize size) override;
    Result<void> destroy() override;

private:
    explicit VmSandbox(std::string id)
        : m_id(std::move(id))
    {
    }
    Result<void> launch(const ContainerSpec& spec, const StdioFds& stdio, const VmSandboxOptions& options);
    Result<UniqueFd> accept_agent(int listener, const VmSandboxOptions& options);
    Result<UniqueFd> wake_agent(const VmSandboxOptions& options);
    std::optional<int> power_off();
    void stop_vm();

    std::string m_id;
    std::string m_socket_dir; // $TMPDIR/vmlet-<id>: unix socket paths must stay under 108 bytes
    std::string m_socket;     // the vsock device's base path
    std::unique_ptr<ConsoleLog> m_console;
    std::optional<Cgroup> m_cgroup; // the VM's monitor process and all it uses: vm_cgroup_limits()
    pid_t m_vm_pid { 0 };
    std::optional<int> m_vm_status; // the VM's exit status, once stop_vm() has waited for it
    std::unique_ptr<AgentSession> m_session;
    std::optional<int> m_exit_status;
    std::optional<int> m_start_failure;
    bool m_layer_on_disk { false }; // layer_disk.h: SIGKILL goes through the agent, which syncs it
    // The namespace's interface the tap was joined to (NetworkAttachment::redirect_from), whose
    // redirect goes with the VM, so that the namespace can serve another.
    std::string m_redirected;
    std::optional<std::chrono::steady_clock::time_point> m_kill_deadline;
};

}
