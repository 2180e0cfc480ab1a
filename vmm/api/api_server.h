#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "vmm/vm/control_channel.h"
#include "vmm/vm/machine.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vmlet {

// Where the control socket may save snapshots: anywhere, or (a jailed monitor's) only under one
// directory, the jail's one writable place, or nowhere.
struct SnapshotPlaces {
    bool allowed { true };
    std::string under; // absolute and normal; empty: anywhere
};

// vmlet-vmm's control socket (`--api-socket PATH`), served on the VM's main thread: a Unix stream
// socket on which each request is one line of JSON and gets one line of JSON back.
//   {"op":"status"}                  {"ok":true,"state":"running"|"paused","vcpus":N,"memory_mib":M,"pid":P}
//   {"op":"pause"}, {"op":"resume"}  {"ok":true}
//   {"op":"snapshot","path":DIR}     {"ok":true}: the VM saved in DIR (vmm/snapshot), paused for it
//                                    and then left as it was
//   {"op":"stop"}                    {"ok":true}, and the VM stops (vmlet-vmm exits 0)
// Anything else gets {"ok":false,"error":"..."}. The socket file is the caller's to name and is
// removed when the server goes; one that holds a live listener is never taken over.
class ApiServer final : public ControlChannel {
public:
    // A few tools at once (vmlet vm ..., a template builder); more wait in the backlog.
    static constexpr size_t kMaxClients = 8;

    // Listens at `path`. Where snapshots are allowed, finds the MSRs a snapshot saves now, as that
    // takes a scratch VM, which the main thread's seccomp filter would refuse later.
    static Result<std::unique_ptr<ApiServer>> listen(const std::string& path, Machine& machine, SnapshotPlaces places = {});
    ~ApiServer() override;

    std::vector<int> fds() const override;
    void serve(int fd) override;

private:
    ApiServer(std::string path, UniqueFd listener, Machine& machine, SnapshotPlaces places, std::vector<uint32_t> msrs)
        : m_path(std::move(path))
        , m_listener(std::move(listener))
        , m_machine(machine)
        , m_places(std::move(places))
        , m_msrs(std::move(msrs))
    {
    }
    void accept_client();
    // Reads what the client sent; false when it has gone (or broke the protocol).
    bool read_requests(int fd, std::string& buffer);
    std::string answer(const std::string& request);
    Result<std::string> snapshot_directory(const std::string& requested) const;

    std::string m_path;
    UniqueFd m_listener;
    Machine& m_machine;
    SnapshotPlaces m_places;
    std::vector<uint32_t> m_msrs;
    std::filesystem::path m_working_directory;
    std::map<int, std::pair<UniqueFd, std::string>> m_clients; // by fd: the socket, unread input
};

}
