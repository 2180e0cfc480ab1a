#include "containers/image/staging.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <utility>

namespace vmlet::image {

namespace {

// A directory that a writer clearing tmp/ removed between its mkdir and our flock is gone (its
// link count is 0); another name is then tried, a few times at most.
constexpr int kCreateAttempts = 8;

}

Result<Staging> Staging::create(const Store& store, std::string_view purpose)
{
    for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
        auto path = store.temp_path(purpose);
        if (::mkdir(path.c_str(), 0700) < 0)
            return errno_error(fmt::format("cannot create {}", path));
        UniqueFd lock(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!lock.valid())
            continue; // cleared already
        while (::flock(lock.get(), LOCK_EX) < 0) {
            if (errno != EINTR)
                return errno_error(fmt::format("cannot lock {}", path));
        }
        struct stat status { };
        if (::fstat(lock.get(), &status) < 0)
            return errno_error(fmt::format("cannot stat {}", path));
        if (status.st_nlink > 0)
            return Staging(std::move(path), std::move(lock));
    }
    return make_error("cannot keep a directory in {}/tmp: something removes it as soon as it is made", store.root());
}

Staging::Staging(Staging&& other) noexcept
    : m_path(std::exchange(other.m_path, {}))
    , m_lock(std::move(other.m_lock))
{
}

Staging::~Staging()
{
    if (m_path.empty())
        return;
    // Removed while still locked, so no writer clearing tmp/ walks it at the same time.
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
}

std::string Staging::blob_path(const Digest& digest) const
{
    return fmt::format("{}/blob-{}", m_path, digest.hex());
}

std::string Staging::layer_path(const Digest& diff_id) const
{
    return fmt::format("{}/layer-{}", m_path, diff_id.hex());
}

Result<void> Staging::sync() const
{
    if (::syncfs(m_lock.get()) < 0)
        return errno_error(fmt::format("cannot sync the file system of {}", m_path));
    return {};
}

}
