#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/image/digest.h"
#include "containers/image/store.h"

#include <string>
#include <string_view>

namespace vmlet::image {

// A directory of one pull or load under the store's tmp/, where what it fetches is checked and
// unpacked before the store takes it, so that a pull needs no lock while it downloads:
//   <root>/tmp/<purpose>-<pid>-<n>/
//     blob-<hex>     a blob (the config; a layer until it is unpacked), checked against its digest
//     layer-<hex>/   a layer unpacked, diff/ and size as under layers/, checked against its diff_id
// Names are content addresses, so committing is a rename (Store::commit_blob, commit_layer). The
// directory is flock(2)ed for as long as the Staging lives: a writer clearing tmp/ under the
// store's exclusive lock (Store::lock_exclusive) passes it by, and clears it once its process has
// died. The destructor removes what is left.
class Staging {
public:
    static Result<Staging> create(const Store& store, std::string_view purpose);
    Staging(Staging&& other) noexcept;
    Staging& operator=(Staging&&) = delete;
    Staging(const Staging&) = delete;
    Staging& operator=(const Staging&) = delete;
    ~Staging();

    const std::string& path() const { return m_path; }
    std::string blob_path(const Digest& digest) const;
    std::string layer_path(const Digest& diff_id) const;

    // syncfs(2) of the file system the store is on: everything unpacked here reaches the disk
    // before the store names it (one call, rather than an fsync of every file of every layer).
    Result<void> sync() const;

private:
    Staging(std::string path, UniqueFd lock)
        : m_path(std::move(path))
        , m_lock(std::move(lock))
    {
    }

    std::string m_path; // empty once moved from
    UniqueFd m_lock;    // the directory itself, flock(LOCK_EX)ed
};

}
