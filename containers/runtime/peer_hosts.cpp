#include "containers/runtime/peer_hosts.h"

#include "containers/runtime/network/name_files.h"
#include "containers/runtime/network/network_store.h"
#include "containers/runtime/vm/vm_hosts.h"
#include "vmm/base/file.h"

#include <fcntl.h>

namespace vmlet {

namespace {

constexpr size_t kMaxHostsFile = 1 << 20;

bool running(const ContainerStore& containers, const std::string& id)
{
    auto record = containers.find(id);
    return record.ok() && record.value().state == ContainerState::Running && monitor_alive(record.value());
}

// O_TRUNC rather than a rename: the container's bind mount holds this inode.
Result<void> rewrite_in_place(const std::string& path, const std::string& text)
{
    auto fd = TRY(open_file(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC));
    return write_all(fd.get(), std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}

void refresh_peer_hosts(const std::string& root, const ContainerStore& containers, const std::string& name)
{
    if (name.empty() || name == NetworkStore::kDefaultNetwork)
        return;
    auto store = NetworkStore::open(root);
    if (!store.ok())
        return;
    auto lock = store.value().lock();
    auto network = store.value().find(name);
    if (!lock.ok() || !network.ok())
        return;
    std::erase_if(network.value().endpoints, [&](const auto& entry) { return !running(containers, entry.first); });
    for (const auto& [id, endpoint] : network.value().endpoints) {
        auto record = containers.find(id);
        auto base = read_small_file(containers.directory(id) + "/" + kHostsBaseFile, kMaxHostsFile);
        if (!record.ok() || !base.ok())
            continue;
        auto file = hosts_file(base.value(), peers_of(network.value(), id));
        if (record.value().isolation == Isolation::Process)
            (void)rewrite_in_place(containers.directory(id) + "/hosts", file);
        else
            (void)send_hosts_file(record.value().agent_socket, file);
    }
}

}
