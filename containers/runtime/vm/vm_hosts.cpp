#include "containers/runtime/vm/vm_hosts.h"

#include "containers/runtime/vm/vsock_ports.h"
#include "guest/agent/agent_protocol.h"

namespace vmlet {

Result<void> send_hosts_file(const std::string& agent_socket, const std::string& text)
{
    if (text.size() > VMLET_AGENT_MAX_ETC_FILE)
        return make_error("the container's /etc/hosts would be {} bytes, more than the agent takes", text.size());
    auto connection = TRY(connect_to_guest(agent_socket, VMLET_AGENT_PORT_HOSTS));
    auto size = static_cast<uint32_t>(text.size());
    const char count[4] = { char(size), char(size >> 8), char(size >> 16), char(size >> 24) };
    TRY(send_bytes(connection.get(), std::string_view(count, sizeof count)));
    TRY(send_bytes(connection.get(), text));
    // The agent closes the connection once the file is written.
    char ignored;
    (void)TRY(receive_exactly(connection.get(), &ignored, 1, kSendTimeout));
    return {};
}

}
