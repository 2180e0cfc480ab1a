#include "containers/runtime/copy/tar_extractor.h"

#include "vmm/base/unique_fd.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

namespace {

struct FreeReader {
    void operator()(archive* reader) const { archive_read_free(reader); }
};

int open_beneath(int directory_fd, const std::string& path, int flags)
{
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd;
    do
        fd = ::syscall(SYS_openat2, directory_fd, path.c_str(), &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return static_cast<int>(fd);
}

// "./a/b/" -> {"a", "b"}; an error for an absolute path or a ".." component.
Result<std::vector<std::string>> components_of(std::string_view path)
{
    if (path.starts_with("/"))
        return make_error("the tar entry {} has an absolute path", path);
    std::vector<std::string> components;
    size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        auto component = path.substr(start, end - start);
        if (component == "..")
            return make_error("the tar entry {} has a '..' component", path);
        if (!component.empty() && component != ".")
            components.emplace_back(component);
        start = end + 1;
    }
    return components;
}

std::string joined(const std::vector<std::string>& components, size_t count)
{
    std::string path = ".";
    for (size_t i = 0; i < count; i++)
        path += "/" + components[i];
    return path;
}

// The directory that holds the entry's last component, made (0755) where a tar leaves parents out.
Result<UniqueFd> parent_directory(int destination_fd, const std::vector<std::string>& components)
{
    UniqueFd current(open_beneath(destination_fd, ".", O_PATH | O_DIRECTORY));
    if (!current.valid())
        return errno_error("cannot open the destination directory");
    for (size_t i = 0; i + 1 < components.size(); i++) {
        int fd = open_beneath(current.get(), components[i], O_PATH | O_DIRECTORY);
        if (fd < 0 && errno == ENOENT) {
            if (::mkdirat(current.get(), components[i].c_str(), 0755) < 0 && errno != EEXIST)
                return errno_error(fmt::format("cannot create {}", joined(components, i + 1)));
            fd = open_beneath(current.get(), components[i], O_PATH | O_DIRECTORY);
        }
        if (fd < 0 && errno == ELOOP)
            return make_error("the tar entry {} goes through a symlink", joined(components, components.size()));
        if (fd < 0)
            return errno_error(fmt::format("cannot open the directory {}", joined(components, i + 1)));
        current = UniqueFd(fd);
    }
    return current;
}

// Takes away what is at `name` unless it is a directory and `keep_directory`.
Result<void> clear_the_way(int parent_fd, const std::string& name, bool keep_directory, const std::string& path)
{
    struct stat status {};
    if (::fstatat(parent_fd, name.c_str(), &status, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? Result<void>() : errno_error(fmt::format("cannot read {}", path));
    if (S_ISDIR(status.st_mode) && keep_directory)
        return {};
    if (::unlinkat(parent_fd, name.c_str(), S_ISDIR(status.st_mode) ? AT_REMOVEDIR : 0) < 0)
        return errno_error(fmt::format("cannot replace {}", path));
    return {};
}

class Extractor {
public:
    Extractor(archive* reader, int destination_fd, const ExtractLimits& limits)
        : m_reader(reader)
        , m_destination(destination_fd)
        , m_limits(limits)
    {
    }

    Result<void> entry(archive_entry* entry)
    {
        if (++m_entries > m_limits.max_entries)
            return make_error("the tar stream has more than {} entries", m_limits.max_entries);
        const char* raw = archive_entry_pathname(entry);
        std::string path = raw ? raw : "";
        auto components = TRY(components_of(path));
        if (components.empty())
            return {}; // "." or "./": the destination itself, which exists
        TRY(check_under(components, path));
        auto parent = TRY(parent_directory(m_destination, components));
        const auto& name = components.back();
        auto mode = static_cast<mode_t>(archive_entry_perm(entry));
        if (const char* hardlink = archive_entry_hardlink(entry))
            return link(parent.get(), name, hardlink, path);
        switch (archive_entry_filetype(entry)) {
        case AE_IFDIR: {
            TRY(clear_the_way(parent.get(), name, true, path));
            if (::mkdirat(parent.get(), name.c_str(), 0700) < 0 && errno != EEXIST)
                return errno_error(fmt::format("cannot create {}", path));
            UniqueFd made(open_beneath(parent.get(), name, O_RDONLY | O_DIRECTORY));
            if (!made.valid() || ::fchmod(made.get(), mode) < 0)
                return errno_error(fmt::format("cannot set the mode of {}", path));
            return {};
        }
        case AE_IFREG:
            return file(parent.get(), name, mode, archive_entry_size(entry), path);
        case AE_IFLNK: {
            const char* target = archive_entry_symlink(entry);
            TRY(clear_the_way(parent.get(), name, false, path));
            if (!target || ::symlinkat(target, parent.get(), name.c_str()) < 0)
                return errno_error(fmt::format("cannot create the symlink {}", path));
            return {};
        }
        case AE_IFIFO:
            TRY(clear_the_way(parent.get(), name, false, path));
            if (::mkfifoat(parent.get(), name.c_str(), mode) < 0)
                return errno_error(fmt::format("cannot create the FIFO {}", path));
            return {};
        default:
            return make_error("the tar entry {} is a device or of an unknown type: not copied", path);
        }
    }

private:
    Result<void> file(int parent_fd, const std::string& name, mode_t mode, la_int64_t size_in_header, const std::string& path)
    {
        TRY(clear_the_way(parent_fd, name, false, path));
        UniqueFd out(::openat(parent_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out.valid())
            return errno_error(fmt::format("cannot create {}", path));
        const void* block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        for (;;) {
            int status = archive_read_data_block(m_reader, &block, &size, &offset);
            if (status == ARCHIVE_EOF)
                break;
            if (status != ARCHIVE_OK)
                return make_error("cannot read {} from the tar stream: {}", path, archive_error_string(m_reader));
            m_bytes += size;
            if (m_bytes > m_limits.max_bytes)
                return make_error("the tar stream holds more than {} bytes", m_limits.max_bytes);
            const auto* bytes = static_cast<const char*>(block);
            for (size_t done = 0; done < size;) {
                ssize_t count = ::pwrite(out.get(), bytes + done, size - done, offset + static_cast<off_t>(done));
                if (count < 0 && errno == EINTR)
                    continue;
                if (count < 0)
                    return errno_error(fmt::format("cannot write {}", path));
                done += static_cast<size_t>(count);
            }
        }
        // A sparse file's hole at its end has no block: its size is the header's.
        if (size_in_header > 0 && ::ftruncate(out.get(), static_cast<off_t>(size_in_header)) < 0)
            return errno_error(fmt::format("cannot write {}", path));
        if (::fchmod(out.get(), mode) < 0)
            return errno_error(fmt::format("cannot set the mode of {}", path));
        return {};
    }

    // A hard link's target resolves like any entry, beneath the destination and through no symlink.
    Result<void> check_under(const std::vector<std::string>& components, const std::string& path) const
    {
        if (!m_limits.only_under.empty() && components.front() != m_limits.only_under)
            return make_error("the tar entry {} is not under {}", path, m_limits.only_under);
        return {};
    }

    Result<void> link(int parent_fd, const std::string& name, const char* target, const std::string& path)
    {
        auto components = TRY(components_of(target));
        if (components.empty())
            return make_error("the tar entry {} links to the destination itself", path);
        TRY(check_under(components, path));
        UniqueFd source(open_beneath(m_destination, joined(components, components.size()), O_PATH));
        if (!source.valid())
            return errno_error(fmt::format("the tar entry {} links to {}, which cannot be opened beneath the destination", path, target));
        struct stat status {};
        if (::fstat(source.get(), &status) < 0 || S_ISDIR(status.st_mode))
            return make_error("the tar entry {} links to a directory", path);
        TRY(clear_the_way(parent_fd, name, false, path));
        if (::linkat(source.get(), "", parent_fd, name.c_str(), AT_EMPTY_PATH) < 0)
            return errno_error(fmt::format("cannot create the hard link {}", path));
        return {};
    }

    archive* m_reader;
    int m_destination;
    ExtractLimits m_limits;
    uint64_t m_entries { 0 };
    uint64_t m_bytes { 0 };
};

}

Result<void> extract_tar_beneath(int in_fd, int destination_fd, const ExtractLimits& limits)
{
    std::unique_ptr<archive, FreeReader> reader(archive_read_new());
    if (!reader || archive_read_support_format_tar(reader.get()) != ARCHIVE_OK || archive_read_open_fd(reader.get(), in_fd, 1 << 16) != ARCHIVE_OK)
        return make_error("cannot read the tar stream: {}", reader ? archive_error_string(reader.get()) : "out of memory");
    Extractor extractor(reader.get(), destination_fd, limits);
    for (;;) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF)
            return {};
        if (status != ARCHIVE_OK && status != ARCHIVE_WARN)
            return make_error("cannot read the tar stream: {}", archive_error_string(reader.get()));
        TRY(extractor.entry(entry));
    }
}

}
