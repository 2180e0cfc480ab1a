#include "containers/runtime/vm/vm_control.h"

#include "containers/runtime/vm/vsock_ports.h"
#include "vmm/base/unix_socket.h"

#include <sys/socket.h>

namespace vmlet {

namespace {

// Saving a VM writes its RAM: allow for a large one on a slow disk.
constexpr auto kSnapshotTimeout = std::chrono::minutes(5);
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr size_t kMaxAnswer = 64 << 10;

}

std::string vm_api_socket_beside(const std::string& agent_socket)
{
    return agent_socket.substr(0, agent_socket.rfind('/') + 1) + "api.sock";
}

Result<VmControl> VmControl::connect(const std::string& socket_path)
{
    auto address = TRY(unix_socket_address(socket_path));
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) < 0)
        return errno_error(fmt::format("cannot reach the VM's control socket {}", socket_path));
    return VmControl(std::move(fd));
}

Result<nlohmann::json> VmControl::request(const nlohmann::json& request, std::chrono::milliseconds timeout)
{
    TRY(send_bytes(m_socket.get(), request.dump() + "\n"));
    for (;;) {
        auto newline = m_unread.find('\n');
        if (newline != std::string::npos) {
            auto answer = nlohmann::json::parse(m_unread.substr(0, newline), nullptr, false);
            m_unread.erase(0, newline + 1);
            if (answer.is_discarded() || !answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean())
                return make_error("the VM's control socket answered something that is not the protocol");
            if (!answer["ok"].get<bool>())
                return make_error("{}", answer.value("error", std::string("the VM refused")));
            return answer;
        }
        if (m_unread.size() > kMaxAnswer)
            return make_error("the VM's control socket answered too much");
        char byte;
        if (!TRY(receive_exactly(m_socket.get(), &byte, 1, timeout)))
            return make_error("the VM closed its control socket");
        m_unread += byte;
    }
}

Result<void> VmControl::pause()
{
    TRY(request({ { "op", "pause" } }, kRequestTimeout));
    return {};
}

Result<void> VmControl::resume()
{
    TRY(request({ { "op", "resume" } }, kRequestTimeout));
    return {};
}

Result<void> VmControl::snapshot(const std::string& directory)
{
    TRY(request({ { "op", "snapshot" }, { "path", directory } }, kSnapshotTimeout));
    return {};
}

Result<void> VmControl::stop()
{
    TRY(request({ { "op", "stop" } }, kRequestTimeout));
    return {};
}

}
