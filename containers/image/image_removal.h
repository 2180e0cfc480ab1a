#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_index.h"
#include "containers/image/store.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet::image {

// `vmlet rmi NAME`, as `docker rmi` behaves: a name of an image that has other names only loses
// that name ("Untagged: ..."); otherwise the image goes ("Deleted: sha256:...") with its record and
// every name, and so do its blobs and layers unless another image shares them. An image named by
// id while it has several names is refused unless `force`; an image a container runs from is
// refused, `force` or not (its layers are that container's root). Returns the lines to print. The
// caller holds the store's exclusive lock.
using ImageUser = std::function<std::optional<std::string>(const Digest& image_id)>; // a container's name, if any
Result<std::vector<std::string>> remove_image(const Store& store, const ImageIndex& index, std::string_view name_or_id, bool force,
    const ImageUser& user);

// Removes the blobs, layers and VM disks no image record refers to: what a failed import or a
// removal left.
Result<void> collect_garbage(const Store& store, const ImageIndex& index);

}
