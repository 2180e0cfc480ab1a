#include "containers/runtime/vm/vm_tools.h"

#include "containers/runtime/vm/vsock_ports.h"
#include "guest/agent/agent_protocol.h"

#include <climits>
#include <sys/socket.h>
#include <sys/time.h>

namespace vmlet {

namespace {

constexpr auto kStreamTimeout = std::chrono::seconds(60);

}

Result<UniqueFd> VmTools::request(char op, const std::string& first, const std::string* second) const
{
    std::string body(1, op);
    for (const auto* path : { &first, second }) {
        if (!path)
            continue;
        if (path->size() >= PATH_MAX || path->find('\0') != std::string::npos || (path == &first && !path->starts_with('/')))
            return make_error("{}: not a path vmlet cp can give a VM container", *path);
        body += *path;
        body += '\0';
    }
    auto connection = TRY(connect_to_guest(m_socket, VMLET_AGENT_PORT_TOOLS));
    // A guest that stops reading or sending makes read(2) and write(2) fail (EAGAIN) in time.
    timeval limit { .tv_sec = kStreamTimeout.count(), .tv_usec = 0 };
    if (::setsockopt(connection.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) < 0
        || ::setsockopt(connection.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0)
        return errno_error("cannot time the copy's stream");
    auto size = static_cast<uint32_t>(body.size());
    const char count[4] = { char(size), char(size >> 8), char(size >> 16), char(size >> 24) };
    TRY(send_bytes(connection.get(), std::string_view(count, sizeof count)));
    TRY(send_bytes(connection.get(), body));
    return connection;
}

Result<VmTools::Kind> VmTools::kind(const std::string& path, bool follow) const
{
    auto connection = TRY(request(follow ? VMLET_AGENT_TOOL_KIND : VMLET_AGENT_TOOL_LINK_KIND, path, nullptr));
    char answer = 0;
    if (!TRY(receive_exactly(connection.get(), &answer, 1, kStreamTimeout)))
        return make_error("the container's agent did not answer vmlet cp");
    switch (answer) {
    case 'd':
        return Kind::Directory;
    case 'f':
        return Kind::Other;
    case 'n':
        return Kind::Missing;
    default:
        return make_error("cannot reach {} in the container", path);
    }
}

Result<UniqueFd> VmTools::tar_out(const std::string& directory, const std::string& name) const
{
    return request(VMLET_AGENT_TOOL_TAR_OUT, directory, &name);
}

Result<UniqueFd> VmTools::tar_in(const std::string& directory) const
{
    return request(VMLET_AGENT_TOOL_TAR_IN, directory, nullptr);
}

Result<UniqueFd> VmTools::processes() const
{
    return request(VMLET_AGENT_TOOL_PROCESSES, "/proc", nullptr);
}

Result<void> VmTools::finish_tar_in(int connection)
{
    if (::shutdown(connection, SHUT_WR) < 0)
        return errno_error("cannot end the copy's stream");
    char status = 0;
    if (!TRY(receive_exactly(connection, &status, 1, kStreamTimeout)))
        return make_error("the container's agent did not say how the copy went");
    if (status != 0)
        return make_error("tar in the container failed (exit status {}); its VM's console.log says why", int(static_cast<unsigned char>(status)));
    return {};
}

}
