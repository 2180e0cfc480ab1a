#pragma once

#include "containers/cli/command.h"
#include "containers/image/image_index.h"
#include "containers/image/store.h"

namespace vmlet {

enum class StoreAccess { Read, Change };

// Runs `body(store, index)` with the image store open and locked (exclusively for commands that
// change it, so concurrent pulls and loads take turns) and turns its error into vmlet's one line
// and exit status.
template<typename Body>
int with_image_store(const GlobalOptions& global, StoreAccess access, Body body)
{
    auto store = image::Store::open(global.root);
    if (!store.ok())
        return fail(store.error().message());
    auto lock = access == StoreAccess::Change ? store.value().lock_exclusive() : store.value().lock_shared();
    if (!lock.ok())
        return fail(lock.error().message());
    image::ImageIndex index(store.value());
    Result<void> result = body(store.value(), index);
    if (!result.ok())
        return fail(result.error().message());
    return 0;
}

}
