#pragma once

#include "containers/runtime/container_store.h"
#include "vmm/base/result.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// docker ps --filter KEY=VALUE (https://docs.docker.com/engine/reference/commandline/ps/#filter):
// values of one key are alternatives, different keys must all match. Known keys: status
// (created, running, paused, exited), name (a part of the name), id (a prefix of the id),
// isolation (process, vm). label= is refused: vmlet's containers have no labels yet.
class PsFilter {
public:
    static Result<PsFilter> parse(const std::vector<std::string>& filters);

    // `status` is Docker's State.Status of the container: "paused" for a paused running one.
    bool matches(const ContainerRecord& record, std::string_view status) const;
    // A status filter lists stopped containers without -a, as Docker's does.
    bool filters_status() const { return m_values.contains("status"); }

private:
    std::map<std::string, std::vector<std::string>> m_values;
};

}
