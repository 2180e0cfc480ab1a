#pragma once

#include "vmm/base/result.h"

#include <sys/types.h>

#include <string>
#include <string_view>

namespace vmlet::image {

// rename(2) makes a new name atomic but not durable: after a crash the directory may hold the
// name with none of the file's data (ext4's delayed allocation, for one), or lack the name
// altogether. What the store records (blobs, layers, image records, tags) and the credentials
// `vmlet login` stores are written the way fsync(2)'s NOTES ask: the data first, then the
// directory entry.

// fsync(2) of the file or directory at `path`.
Result<void> sync_path(const std::string& path);

// Replaces `path` with `bytes`: a reader, or the store after a crash, sees the old content or the
// new, whole. The bytes go to a temporary file beside it (mode `mode`, whatever the umask), which
// is synced, renamed over `path`, and then the directory is synced.
Result<void> write_file_durably(const std::string& path, std::string_view bytes, mode_t mode = 0644);

// rename(2) of `from` over `to`, then an fsync of `to`'s directory. `from` must already be synced.
Result<void> rename_durably(const std::string& from, const std::string& to);

}
