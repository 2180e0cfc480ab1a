#pragma once

#include "containers/cli/command.h"
#include "vmm/base/exit_status.h"
#include "vmm/base/result.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace vmlet {

// Runs `body(store)` with a store of records under --root (NetworkStore, VolumeStore: each has a
// static open(root)) and turns its error into vmlet's one line and exit status.
template<typename Store, typename Body>
int with_record_store(const GlobalOptions& global, Body body)
{
    auto store = Store::open(global.root);
    Result<void> result = store.ok() ? body(store.value()) : Result<void>(store.release_error());
    return result.ok() ? 0 : fail(result.error().message());
}

// `inspect` of records: a JSON array of `to_json(store.find(name))` for each name, as docker's.
template<typename Store, typename ToJson>
Result<void> print_inspected(const Store& store, const std::vector<std::string>& names, ToJson to_json)
{
    auto shown = nlohmann::json::array();
    for (const auto& name : names)
        shown.push_back(to_json(TRY(store.find(name))));
    fmt::print("{}\n", shown.dump(4));
    return {};
}

}
