#include "containers/image/store.h"

#include "vmm/base/file.h"
#include "containers/image/durable_file.h"
#include "containers/image/image_limits.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cerrno>
#include <filesystem>
#include <sstream>
#include <vector>

namespace vmlet::image {

namespace fs = std::filesystem;

namespace {

// Configs and manifests, which vmlet took only up to the cap the user may raise this far.
constexpr size_t kMaxSmallBlob = kManifestSizeCeiling;

Result<void> make_directory(const std::string& path)
{
    std::error_code error;
    fs::create_directories(path, error);
    if (error)
        return make_error("cannot create {}: {}", path, error.message());
    return {};
}

// Removes a tree without following symlinks in it; quiet when it is already gone.
Result<void> remove_tree(const std::string& path)
{
    std::error_code error;
    fs::remove_all(path, error);
    if (error)
        return make_error("cannot remove {}: {}", path, error.message());
    return {};
}

}

Result<void> Store::make_private_root(const std::string& root)
{
    if (root.empty())
        return make_error("the store root is empty");
    TRY(make_directory(root));
    struct stat status {};
    if (::stat(root.c_str(), &status) < 0)
        return errno_error(fmt::format("cannot open the store {}", root));
    // A root another user owns is theirs to guard; ours is made private, also when an older vmlet
    // made it 0755.
    if (status.st_uid == ::geteuid() && (status.st_mode & 07777) != 0700 && ::chmod(root.c_str(), 0700) < 0)
        return errno_error(fmt::format("cannot make the store {} private", root));
    return {};
}

Result<Store> Store::open(const std::string& root)
{
    TRY(make_private_root(root));
    for (const char* sub : { "blobs/sha256", "layers", "tmp" })
        TRY_CONTEXT(make_directory(root + "/" + sub), "opening the image store");
    return Store(fs::absolute(root).lexically_normal().string());
}

Result<Store::Lock> Store::lock(int operation) const
{
    auto path = m_root + "/lock";
    auto fd = TRY(open_file(path, O_RDWR | O_CREAT));
    while (::flock(fd.get(), operation) < 0) {
        if (errno != EINTR)
            return errno_error(fmt::format("cannot lock {}", path));
    }
    return Lock(std::move(fd));
}

namespace {

// The mount points at or below `directory` (proc(5), /proc/self/mountinfo: the fifth field, with
// space, tab, newline and backslash written as octal escapes).
std::vector<std::string> mounts_below(const std::string& directory)
{
    std::vector<std::string> found;
    auto table = read_small_file("/proc/self/mountinfo", 16 << 20);
    if (!table.ok())
        return found;
    std::istringstream lines(table.value());
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string field, point;
        for (int index = 0; index < 5 && fields >> field; ++index)
            point = field;
        std::string decoded;
        for (size_t at = 0; at < point.size(); ++at) {
            if (point[at] == '\\' && at + 3 < point.size()) {
                decoded += static_cast<char>(std::stoi(point.substr(at + 1, 3), nullptr, 8));
                at += 3;
            } else {
                decoded += point[at];
            }
        }
        if (decoded.starts_with(directory + "/"))
            found.push_back(decoded);
    }
    return found;
}

}

Result<Store::Lock> Store::lock_exclusive() const
{
    auto held = TRY(lock(LOCK_EX));
    clear_abandoned_temporaries();
    return held;
}

// What is in tmp/ belongs to a command that died, unless it is the staging directory of a pull
// that is still downloading: that one is flock(2)ed by its owner (staging.h). Taking the same lock
// before removing an entry keeps the owner of a brand-new one from using it while it goes. Mounts
// an older vmlet made here (a disk build's overlay) are detached first, or they would keep theirs.
void Store::clear_abandoned_temporaries() const
{
    for (const auto& point : mounts_below(m_root + "/tmp"))
        ::umount2(point.c_str(), MNT_DETACH);
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(m_root + "/tmp", error)) {
        auto path = entry.path().string();
        UniqueFd held(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (held.valid() && ::flock(held.get(), LOCK_EX | LOCK_NB) < 0)
            continue; // in use (EWOULDBLOCK); any other failure leaves it for the next writer too
        (void)remove_tree(path);
    }
}

Result<Store::Lock> Store::lock_shared() const
{
    return lock(LOCK_SH);
}

std::string Store::blob_path(const Digest& digest) const
{
    return fmt::format("{}/blobs/sha256/{}", m_root, digest.hex());
}

std::string Store::layer_directory(const Digest& diff_id) const
{
    return fmt::format("{}/layers/{}", m_root, diff_id.hex());
}

std::string Store::layer_path(const Digest& diff_id) const
{
    return layer_directory(diff_id) + "/diff";
}

Result<uint64_t> Store::layer_size(const Digest& diff_id) const
{
    auto path = layer_directory(diff_id) + "/size";
    auto text = TRY(read_small_file(path, 32));
    uint64_t size = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
    if (error != std::errc() || end != text.data() + text.size())
        return make_error("{} is corrupt", path);
    return size;
}

bool Store::has_blob(const Digest& digest) const
{
    return ::access(blob_path(digest).c_str(), F_OK) == 0;
}

bool Store::has_layer(const Digest& diff_id) const
{
    return ::access(layer_directory(diff_id).c_str(), F_OK) == 0;
}

std::string Store::temp_path(std::string_view purpose) const
{
    static std::atomic<unsigned> counter { 0 };
    return fmt::format("{}/tmp/{}-{}-{}", m_root, purpose, ::getpid(), counter++);
}

Result<void> Store::commit_blob(const std::string& staged, const Digest& expected) const
{
    TRY(verify_file(staged, expected));
    TRY(sync_path(staged));
    TRY_CONTEXT(rename_durably(staged, blob_path(expected)), fmt::format("storing blob {}", expected.string()));
    return {};
}

Result<void> Store::write_blob(std::string_view bytes, const Digest& expected) const
{
    auto staged = temp_path("blob");
    {
        auto fd = TRY(open_file(staged, O_WRONLY | O_CREAT | O_EXCL));
        TRY(write_all(fd.get(), std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
    }
    return commit_blob(staged, expected);
}

Result<std::string> Store::read_blob(const Digest& digest) const
{
    return read_small_file(blob_path(digest), kMaxSmallBlob);
}

Result<void> Store::remove_blob(const Digest& digest) const
{
    if (::unlink(blob_path(digest).c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("cannot remove blob {}", digest.string()));
    return {};
}

Result<void> Store::commit_layer(const std::string& staged, const Digest& diff_id) const
{
    if (has_layer(diff_id))
        return remove_tree(staged);
    TRY_CONTEXT(rename_durably(staged, layer_directory(diff_id)), fmt::format("storing layer {}", diff_id.string()));
    return {};
}

Result<void> Store::remove_layer(const Digest& diff_id) const
{
    return remove_tree(layer_directory(diff_id));
}

}
