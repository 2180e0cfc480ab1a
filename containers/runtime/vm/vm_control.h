#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace vmlet {

// A client of a VM's control socket (vmlet-vmm --api-socket; the protocol is in
// vmm/api/api_server.h): one JSON request line, one JSON answer line.
// A VM container's control socket: beside its vsock socket (Sandbox::agent_socket(), the record's
// agent_socket), in the container's private socket directory, which only root (and the jailed
// monitor's group, to connect) may enter.
std::string vm_api_socket_beside(const std::string& agent_socket);

class VmControl {
public:
    static Result<VmControl> connect(const std::string& socket_path);

    // Sends `request` and waits up to `timeout` for the answer; an answer with "ok": false is an
    // error carrying the VM's message.
    Result<nlohmann::json> request(const nlohmann::json& request, std::chrono::milliseconds timeout);

    Result<void> pause();
    Result<void> resume();
    Result<void> snapshot(const std::string& directory);
    Result<void> stop();

private:
    explicit VmControl(UniqueFd socket)
        : m_socket(std::move(socket))
    {
    }

    UniqueFd m_socket;
    std::string m_unread;
};

}
