#pragma once

#include "containers/cli/command.h"
#include "vmm/base/exit_status.h"
#include "vmm/base/result.h"

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

}
