#include "containers/runtime/copy/tree_tar_writer.h"

#include "vmm/base/unique_fd.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

namespace vmlet {

namespace {

struct FreeWriter {
    void operator()(archive* writer) const { archive_write_free(writer); }
};
struct FreeEntry {
    void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
using Writer = std::unique_ptr<archive, FreeWriter>;

// Deeper than this is a tree made to exhaust the stack, not one worth copying.
constexpr int kMaxDepth = 256;

class TreeWriter {
public:
    explicit TreeWriter(archive* writer)
        : m_writer(writer)
    {
    }

    Result<void> write(int parent_fd, const std::string& name, const std::string& archive_name, bool contents_only, int depth)
    {
        if (depth > kMaxDepth)
            return make_error("{}: deeper than {} directories", archive_name, kMaxDepth);
        struct stat status {};
        if (::fstatat(parent_fd, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) < 0)
            return errno_error(fmt::format("cannot read {}", archive_name));
        if (S_ISDIR(status.st_mode))
            return write_directory(parent_fd, name, archive_name, contents_only, depth);
        if (contents_only)
            return make_error("{} is not a directory", archive_name);
        if (S_ISREG(status.st_mode))
            return write_file(parent_fd, name, archive_name);
        if (S_ISLNK(status.st_mode)) {
            std::vector<char> target(static_cast<size_t>(PATH_MAX) + 1);
            ssize_t length = ::readlinkat(parent_fd, name.c_str(), target.data(), target.size() - 1);
            if (length < 0)
                return errno_error(fmt::format("cannot read the symlink {}", archive_name));
            target[static_cast<size_t>(length)] = '\0';
            return write_header(archive_name, status, target.data());
        }
        if (S_ISFIFO(status.st_mode))
            return write_header(archive_name, status, nullptr);
        return {}; // sockets and devices
    }

private:
    Result<void> write_header(const std::string& archive_name, const struct stat& status, const char* link_target)
    {
        std::unique_ptr<archive_entry, FreeEntry> entry(archive_entry_new());
        archive_entry_copy_stat(entry.get(), &status);
        archive_entry_set_pathname(entry.get(), archive_name.c_str());
        if (link_target)
            archive_entry_set_symlink(entry.get(), link_target);
        if (!S_ISREG(status.st_mode))
            archive_entry_set_size(entry.get(), 0);
        if (archive_write_header(m_writer, entry.get()) != ARCHIVE_OK)
            return make_error("cannot write the tar entry {}: {}", archive_name, archive_error_string(m_writer));
        return {};
    }

    Result<void> write_file(int parent_fd, const std::string& name, const std::string& archive_name)
    {
        // O_NONBLOCK: were it swapped for a FIFO since the fstatat, the open must not wait.
        UniqueFd file(::openat(parent_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
        if (!file.valid())
            return errno_error(fmt::format("cannot open {}", archive_name));
        struct stat status {};
        if (::fstat(file.get(), &status) < 0)
            return errno_error(fmt::format("cannot read {}", archive_name));
        if (!S_ISREG(status.st_mode))
            return make_error("{} changed while it was copied", archive_name);
        TRY(write_header(archive_name, status, nullptr));
        // Exactly the size in the header: a file that grows is cut, one that shrinks is padded.
        auto left = static_cast<uint64_t>(status.st_size);
        std::vector<char> buffer(1 << 16);
        while (left > 0) {
            ssize_t count = ::read(file.get(), buffer.data(), std::min<uint64_t>(buffer.size(), left));
            if (count < 0 && errno == EINTR)
                continue;
            if (count < 0)
                return errno_error(fmt::format("cannot read {}", archive_name));
            if (count == 0) {
                std::fill(buffer.begin(), buffer.end(), 0);
                count = static_cast<ssize_t>(std::min<uint64_t>(buffer.size(), left));
            }
            if (archive_write_data(m_writer, buffer.data(), static_cast<size_t>(count)) != count)
                return make_error("cannot write {} to the tar: {}", archive_name, archive_error_string(m_writer));
            left -= static_cast<uint64_t>(count);
        }
        return {};
    }

    Result<void> write_directory(int parent_fd, const std::string& name, const std::string& archive_name, bool contents_only, int depth)
    {
        int fd = ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return errno_error(fmt::format("cannot open the directory {}", archive_name));
        UniqueFd directory(fd);
        struct stat status {};
        if (::fstat(directory.get(), &status) < 0)
            return errno_error(fmt::format("cannot read {}", archive_name));
        if (!contents_only)
            TRY(write_header(archive_name, status, nullptr));
        // The listing first, so that no directory stream stays open down the recursion.
        std::vector<std::string> children;
        {
            int listing_fd = ::dup(directory.get());
            DIR* listing = listing_fd < 0 ? nullptr : ::fdopendir(listing_fd);
            if (!listing) {
                if (listing_fd >= 0)
                    ::close(listing_fd);
                return errno_error(fmt::format("cannot list {}", archive_name));
            }
            while (auto* child = ::readdir(listing)) {
                std::string child_name = child->d_name;
                if (child_name != "." && child_name != "..")
                    children.push_back(std::move(child_name));
            }
            ::closedir(listing);
        }
        for (const auto& child : children)
            TRY(write(directory.get(), child, contents_only ? child : archive_name + "/" + child, false, depth + 1));
        return {};
    }

    archive* m_writer;
};

}

Result<void> write_tree_as_tar(const TreeSource& source, int out_fd)
{
    Writer writer(archive_write_new());
    if (!writer || archive_write_set_format_pax_restricted(writer.get()) != ARCHIVE_OK || archive_write_open_fd(writer.get(), out_fd) != ARCHIVE_OK)
        return make_error("cannot start a tar stream");
    TreeWriter tree(writer.get());
    TRY(tree.write(source.parent_fd, source.name, source.archive_name, source.contents_only, 0));
    if (archive_write_close(writer.get()) != ARCHIVE_OK)
        return make_error("cannot finish the tar stream: {}", archive_error_string(writer.get()));
    return {};
}

}
