#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/image/digest.h"

#include <string>
#include <string_view>

namespace vmlet::image {

// The content-addressed part of vmlet's store, under one root (default /var/lib/vmlet):
//   blobs/sha256/<hex>  manifests and configs, named by their digest
//   layers/<hex>/diff/  each layer unpacked once, named by its diff_id, shared by all images with
//                       it: an overlayfs lower directory
//   layers/<hex>/size   the length of its uncompressed tar, which `vmlet images` adds up
//   tmp/                downloads and unpacking in progress (staging.h)
//   lock                flock(2): exclusive while a command changes the store, shared while one reads
// A blob or layer reaches its final name only complete, verified and synced (rename(2) from tmp/),
// so a pull that dies half-way leaves nothing but files in tmp/, which the next writer clears.
class Store {
public:
    static Result<Store> open(const std::string& root);

    // Creates the store's root when missing and makes it its owner's alone (0700): an image's
    // setuid files, or those a container writes into its writable layer, and every container's
    // logs live below it, and no other local user may run, read or change them. Every command that
    // opens the store (images or containers) calls it first.
    static Result<void> make_private_root(const std::string& root);

    class Lock {
    public:
        explicit Lock(UniqueFd fd)
            : m_fd(std::move(fd))
        {
        }

    private:
        UniqueFd m_fd;
    };
    // Clears tmp/ once it holds the lock, except the staging directories (staging.h) of pulls
    // still downloading, which hold a lock of their own.
    Result<Lock> lock_exclusive() const;
    Result<Lock> lock_shared() const;

    const std::string& root() const { return m_root; }
    std::string blob_path(const Digest& digest) const;
    // The layer's tree, as an overlayfs lower directory.
    std::string layer_path(const Digest& diff_id) const;
    Result<uint64_t> layer_size(const Digest& diff_id) const;
    bool has_blob(const Digest& digest) const;
    bool has_layer(const Digest& diff_id) const;

    // A new path under tmp/ for the caller to write a download or an archive member to.
    std::string temp_path(std::string_view purpose) const;

    // Moves the file `staged` (under tmp/) to blobs/ after checking its content has `expected`,
    // durably (durable_file.h).
    Result<void> commit_blob(const std::string& staged, const Digest& expected) const;
    Result<void> write_blob(std::string_view bytes, const Digest& expected) const;
    // Small blobs only (manifests, configs): at most 4 MiB, as distribution limits manifests.
    Result<std::string> read_blob(const Digest& digest) const;
    Result<void> remove_blob(const Digest& digest) const;

    // Moves the directory `staged` (under tmp/: diff/ and size, already synced and checked
    // against `diff_id`) to layers/<diff_id>; when the store got the layer meanwhile (another
    // pull), `staged` is removed instead.
    Result<void> commit_layer(const std::string& staged, const Digest& diff_id) const;
    Result<void> remove_layer(const Digest& diff_id) const;

private:
    explicit Store(std::string root)
        : m_root(std::move(root))
    {
    }
    Result<Lock> lock(int operation) const;
    void clear_abandoned_temporaries() const;
    std::string layer_directory(const Digest& diff_id) const;

    std::string m_root;
};

}
