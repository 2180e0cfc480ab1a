#include "vmm/api/api_server.h"

#include "vmm/base/file.h"
#include "vmm/base/unix_socket.h"
#include "vmm/snapshot/save.h"

#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace vmlet {

namespace {

// A request is one short line: a client that sends more without a newline is not speaking this.
constexpr size_t kMaxRequest = 64 << 10;

using Json = nlohmann::json;

std::string reply(const Json& body)
{
    return body.dump() + "\n";
}

std::string refusal(const std::string& why)
{
    return reply({ { "ok", false }, { "error", why } });
}

Result<UniqueFd> listen_at(const std::string& path)
{
    auto address = TRY(unix_socket_address(path));
    struct stat status {};
    if (::lstat(path.c_str(), &status) == 0) {
        if (!S_ISSOCK(status.st_mode))
            return make_error("--api-socket {}: exists and is not a socket", path);
        UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 || errno != ECONNREFUSED)
            return make_error("--api-socket {}: another process is listening on this socket", path);
        ::unlink(path.c_str()); // left behind by a vmlet-vmm that was killed
    }
    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener.valid())
        return errno_error("socket");
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) < 0)
        return errno_error(fmt::format("--api-socket {}", path));
    ::chmod(path.c_str(), 0600); // the VM's owner alone controls it
    if (::listen(listener.get(), 8) < 0) {
        auto error = errno_error(fmt::format("--api-socket {}", path));
        ::unlink(path.c_str());
        return error;
    }
    return listener;
}

}

Result<std::unique_ptr<ApiServer>> ApiServer::listen(const std::string& path, Machine& machine, SnapshotPlaces places)
{
    std::vector<uint32_t> msrs;
    if (places.allowed)
        msrs = TRY(machine.kvm().saved_msr_indices());
    auto listener = TRY(listen_at(path));
    auto server = std::unique_ptr<ApiServer>(new ApiServer(path, std::move(listener), machine, std::move(places), std::move(msrs)));
    // Where a relative snapshot path starts, taken now, before a jail changes the root. Without
    // one (a working directory removed), a jail refuses relative paths: they lead nowhere known.
    std::error_code unknown;
    server->m_working_directory = std::filesystem::current_path(unknown);
    return server;
}

ApiServer::~ApiServer()
{
    ::unlink(m_path.c_str());
}

std::vector<int> ApiServer::fds() const
{
    std::vector<int> fds { m_listener.get() };
    for (const auto& [fd, client] : m_clients)
        fds.push_back(fd);
    return fds;
}

void ApiServer::serve(int fd)
{
    if (fd == m_listener.get())
        return accept_client();
    auto client = m_clients.find(fd);
    if (client == m_clients.end())
        return;
    if (!read_requests(fd, client->second.second))
        m_clients.erase(client);
}

void ApiServer::accept_client()
{
    UniqueFd client(::accept4(m_listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client.valid() || m_clients.size() >= kMaxClients)
        return;
    int fd = client.get();
    m_clients.emplace(fd, std::pair { std::move(client), std::string() });
}

bool ApiServer::read_requests(int fd, std::string& buffer)
{
    char chunk[4096];
    ssize_t count = ::recv(fd, chunk, sizeof chunk, 0);
    if (count < 0)
        return errno == EAGAIN || errno == EINTR;
    if (count == 0)
        return false;
    buffer.append(chunk, static_cast<size_t>(count));
    for (size_t newline; (newline = buffer.find('\n')) != std::string::npos;) {
        auto response = answer(buffer.substr(0, newline));
        buffer.erase(0, newline + 1);
        // The client waits for its answer; a blocking send of a short line, as the socket is ours.
        if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(response.size()))
            return false;
    }
    return buffer.size() <= kMaxRequest;
}

Result<std::string> ApiServer::snapshot_directory(const std::string& requested) const
{
    if (!m_places.allowed)
        return make_error("this VM's monitor is jailed without --snapshot-dir: it can save no snapshot");
    if (m_places.under.empty())
        return requested;
    // Lexically: inside the jail nothing but that directory is there to lead elsewhere.
    auto path = (m_working_directory / requested).lexically_normal();
    auto inside = path.lexically_relative(m_places.under);
    if (inside.empty() || *inside.begin() == "..")
        return make_error("{} is not under {}, the one place this jailed VM saves snapshots (--snapshot-dir)", requested, m_places.under);
    return path.string();
}

std::string ApiServer::answer(const std::string& line)
{
    auto request = Json::parse(line, nullptr, false);
    if (request.is_discarded() || !request.is_object() || !request.contains("op") || !request["op"].is_string())
        return refusal("a request is a JSON object with an \"op\"");
    auto op = request["op"].get<std::string>();
    if (op == "status") {
        return reply({ { "ok", true }, { "state", m_machine.paused() ? "paused" : "running" }, { "vcpus", m_machine.config().cpus },
            { "memory_mib", m_machine.config().memory_mib }, { "pid", ::getpid() } });
    }
    if (op == "pause")
        return m_machine.pause() ? reply({ { "ok", true } }) : refusal("the VM has stopped");
    if (op == "resume") {
        m_machine.resume();
        return reply({ { "ok", true } });
    }
    if (op == "snapshot") {
        if (!request.contains("path") || !request["path"].is_string() || request["path"].get<std::string>().empty())
            return refusal("snapshot needs a \"path\": the directory to save the VM in");
        auto directory = snapshot_directory(request["path"].get<std::string>());
        if (!directory.ok())
            return refusal(directory.error().message());
        bool was_paused = m_machine.paused();
        if (!m_machine.pause())
            return refusal("the VM has stopped");
        auto saved = save_snapshot(m_machine, m_msrs, directory.value());
        if (!was_paused)
            m_machine.resume();
        return saved.ok() ? reply({ { "ok", true } }) : refusal(saved.error().message());
    }
    if (op == "stop") {
        m_machine.stop().request({ StopKind::Requested, 0, {} });
        return reply({ { "ok", true } });
    }
    return refusal(fmt::format("unknown op \"{}\" (status, pause, resume, snapshot, stop)", op));
}

}
