#pragma once

#include "containers/runtime/mount_spec.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// A named volume, as `volume inspect` shows it (Docker's "local" driver): a directory of the store
// that containers of either isolation mount, kept after them.
struct Volume {
    std::string name;
    std::string created;    // RFC 3339
    bool anonymous { false }; // made for `-v /path` alone; goes with its container's --rm or `rm -v`
    std::string mountpoint;   // ROOT/volumes/NAME/_data
};

// Docker's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]* (and at most 255 bytes here, a file name).
bool valid_volume_name(std::string_view name);

// The volumes under ROOT/volumes/: NAME/_data holds the data, NAME/volume.json the record (Docker's
// layout). Changes happen under an flock(2) of ROOT/volumes/lock, which a container holds from
// choosing its volumes to saving its record, so that `volume rm` never takes one in use.
class VolumeStore {
public:
    static Result<VolumeStore> open(const std::string& root);

    Result<UniqueFd> lock() const;
    // The volume, made when it does not exist (an empty name: a new anonymous one).
    Result<Volume> ensure(std::string_view name) const;
    Result<Volume> find(std::string_view name) const;
    Result<std::vector<Volume>> list() const;
    // Removes a volume and its data; `in_use` names a container using it, or is empty.
    Result<void> remove(std::string_view name, const std::function<std::string(const std::string& volume)>& in_use) const;

private:
    explicit VolumeStore(std::string directory)
        : m_directory(std::move(directory))
    {
    }
    Result<Volume> read(std::string_view name) const;

    std::string m_directory;
};

// Removes the anonymous volumes among `mounts` (a container's that goes with --rm).
Result<void> remove_anonymous_volumes(const std::string& root, const std::vector<MountSpec>& mounts);

}
