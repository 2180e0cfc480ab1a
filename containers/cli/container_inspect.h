#pragma once

#include "containers/runtime/container_store.h"
#include "containers/runtime/network/network_attachment.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace vmlet {

// What `inspect` shows besides the record: facts kept elsewhere (the pause marker, the network store).
struct ContainerInspectFacts {
    bool paused { false };
    // Its address on record.network, when it holds one.
    std::optional<NetworkAttachment> network;
    std::vector<std::string> aliases;
};

// One element of `docker inspect`'s array for a container, in the shape of Docker Engine API's
// ContainerInspectResponse (https://docs.docker.com/engine/api/v1.43/#tag/Container/operation/ContainerInspect):
// what the record holds goes where Docker puts it, and what is vmlet's own goes under "Vmlet".
nlohmann::json inspect_container(const ContainerRecord& record, const ContainerInspectFacts& facts);

}

namespace vmlet {

// The inspect element of the container `name_or_id` under the store at `root`, with its address
// from the network store and whether it is paused; nullopt when no container has that name.
std::optional<nlohmann::json> inspect_container_named(const std::string& root, const std::string& name_or_id);

}
