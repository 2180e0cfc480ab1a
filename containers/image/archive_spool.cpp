#include "containers/image/archive_spool.h"

#include "vmm/base/file.h"
#include "vmm/base/unique_fd.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <deque>
#include <filesystem>
#include <memory>
#include <vector>

namespace vmlet::image {

namespace {

// The components of a path, "." and empty ones included: the caller decides what they mean.
std::deque<std::string> components(std::string_view path)
{
    std::deque<std::string> parts;
    for (size_t start = 0;;) {
        auto slash = path.find('/', start);
        parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos)
            return parts;
        start = slash + 1;
    }
}

std::string joined(const std::vector<std::string>& parts)
{
    std::string path;
    for (const auto& part : parts)
        path += (path.empty() ? "" : "/") + part;
    return path;
}

struct FreeArchive {
    void operator()(archive* reader) const { archive_read_free(reader); }
};

Result<void> make_parent(const std::string& directory, std::string_view name)
{
    auto slash = name.rfind('/');
    if (slash == std::string_view::npos)
        return {};
    std::error_code error;
    std::filesystem::create_directories(directory + "/" + std::string(name.substr(0, slash)), error);
    if (error)
        return make_error("cannot create a directory in {}: {}", directory, error.message());
    return {};
}

Result<void> copy_member(archive* reader, const std::string& path, std::string_view name)
{
    auto fd = TRY(open_file(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW));
    std::array<uint8_t, 1 << 16> buffer;
    for (;;) {
        la_ssize_t count = archive_read_data(reader, buffer.data(), buffer.size());
        if (count < 0)
            return make_error("the archive is corrupt at {}: {}", printable_name(name), archive_error_string(reader));
        if (count == 0)
            return {};
        TRY(write_all(fd.get(), std::span(buffer.data(), static_cast<size_t>(count))));
    }
}

// One member of the archive being read: recorded, and written to disk if it is a file.
Result<void> spool_member(archive* reader, archive_entry* entry, const std::string& name, const std::string& directory,
    SpooledArchive& spooled)
{
    auto path = directory + "/" + name;
    if (const char* hard = archive_entry_hardlink(entry)) {
        // A hard link's target is a member name, and tar writes the file before its links.
        auto target = normal_member_name(hard);
        if (!target || spooled.lookup(*target).kind != ArchiveMember::Kind::File)
            return make_error("hard link '{}' points to '{}', which is not an earlier file of the archive", printable_name(name),
                printable_name(hard));
        TRY(spooled.add(name, { ArchiveMember::Kind::File, {} }));
        TRY(make_parent(directory, name));
        if (::link((directory + "/" + *target).c_str(), path.c_str()) < 0)
            return errno_error(fmt::format("cannot link {} in {}", printable_name(name), directory));
        return {};
    }
    switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
        TRY(spooled.add(name, { ArchiveMember::Kind::File, {} }));
        TRY(make_parent(directory, name));
        return copy_member(reader, path, name);
    case AE_IFDIR:
        return spooled.add(name, { ArchiveMember::Kind::Directory, {} });
    case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        return spooled.add(name, { ArchiveMember::Kind::Symlink, target ? target : "" });
    }
    default:
        // Devices, fifos, sockets: no image has one; recorded so that naming one is an error.
        return spooled.add(name, { ArchiveMember::Kind::Other, {} });
    }
}

// What `docker load` takes (docker image load: "a tar archive, even if compressed with gzip,
// bzip2, xz or zstd") and nothing more: support_filter_all would also let a hostile archive pick a
// decompressor that libarchive runs as an external program (lrzip, lzop, grzip, lz4 or lzma
// without their libraries). ARCHIVE_WARN means this libarchive lacks the library and would run the
// program; that is refused too.
Result<void> support_docker_load_compressions(archive* reader)
{
    for (auto support : { archive_read_support_filter_gzip, archive_read_support_filter_bzip2, archive_read_support_filter_xz,
             archive_read_support_filter_zstd }) {
        if (support(reader) != ARCHIVE_OK)
            return make_error("this libarchive cannot decompress gzip, bzip2, xz and zstd in-process");
    }
    return {};
}

}

std::string printable_name(std::string_view text)
{
    std::string shown;
    for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            shown += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
            shown += c;
    }
    return shown;
}

std::optional<std::string> normal_member_name(std::string_view name)
{
    if (name.find('\0') != std::string_view::npos || name.starts_with('/'))
        return std::nullopt;
    std::vector<std::string> kept;
    for (auto& part : components(name)) {
        if (part == "..")
            return std::nullopt;
        if (!part.empty() && part != ".")
            kept.push_back(std::move(part));
    }
    return joined(kept);
}

Result<std::string> resolve_archive_member(std::string_view name, const MemberLookup& lookup)
{
    if (name.find('\0') != std::string_view::npos)
        return make_error("'{}' holds a NUL byte", printable_name(name));
    if (name.starts_with('/'))
        return make_error("'{}' is an absolute path", printable_name(name));
    if (!normal_member_name(name))
        return make_error("'{}' climbs out with '..'", printable_name(name));

    // A walk of the path one component at a time, as path_resolution(7) describes, where a
    // symbolic link's target replaces it among the components still to walk.
    std::deque<std::string> pending = components(name);
    std::vector<std::string> walked;
    auto kind = ArchiveMember::Kind::Directory;
    int links = 0;
    std::string link, link_target; // the last symbolic link followed, for the error
    while (!pending.empty()) {
        auto part = std::move(pending.front());
        pending.pop_front();
        if (part.empty() || part == ".")
            continue;
        if (kind != ArchiveMember::Kind::Directory)
            return make_error("'{}' is not a directory", printable_name(joined(walked)));
        if (part == "..") {
            // Only a link's target can bring one here: the name itself was checked above.
            if (walked.empty())
                return make_error("'{}' is a symbolic link out of the archive ('{}')", printable_name(link), printable_name(link_target));
            walked.pop_back();
            continue;
        }
        walked.push_back(std::move(part));
        auto here = joined(walked);
        auto member = lookup(here);
        kind = member.kind;
        switch (member.kind) {
        case ArchiveMember::Kind::Missing:
            return make_error("'{}' is missing", printable_name(here));
        case ArchiveMember::Kind::Other:
            return make_error("'{}' is not a regular file", printable_name(here));
        case ArchiveMember::Kind::File:
        case ArchiveMember::Kind::Directory:
            break;
        case ArchiveMember::Kind::Symlink: {
            const auto& target = member.link_target;
            if (++links > kMaxSymlinks)
                return make_error("'{}' leads through more than {} symbolic links (a loop?)", printable_name(name), kMaxSymlinks);
            if (target.empty() || target.find('\0') != std::string::npos)
                return make_error("'{}' is a symbolic link to nothing", printable_name(here));
            if (target.starts_with('/'))
                return make_error("'{}' is a symbolic link to the absolute path '{}'", printable_name(here), printable_name(target));
            link = here;
            link_target = target;
            walked.pop_back();
            auto parts = components(target);
            pending.insert(pending.begin(), parts.begin(), parts.end());
            // The target is walked from the link's directory, which is a directory.
            kind = ArchiveMember::Kind::Directory;
            break;
        }
        }
    }
    if (kind != ArchiveMember::Kind::File)
        return make_error("'{}' is a directory", printable_name(walked.empty() ? name : std::string_view(joined(walked))));
    return joined(walked);
}

MemberLookup directory_member_lookup(std::string directory)
{
    return [directory = std::move(directory)](const std::string& name) -> ArchiveMember {
        auto path = directory + "/" + name;
        struct stat status { };
        if (::lstat(path.c_str(), &status) < 0)
            return { ArchiveMember::Kind::Missing, {} };
        if (S_ISREG(status.st_mode))
            return { ArchiveMember::Kind::File, {} };
        if (S_ISDIR(status.st_mode))
            return { ArchiveMember::Kind::Directory, {} };
        if (!S_ISLNK(status.st_mode))
            return { ArchiveMember::Kind::Other, {} };
        std::array<char, 4096> target;
        auto length = ::readlink(path.c_str(), target.data(), target.size());
        if (length < 0 || static_cast<size_t>(length) == target.size())
            return { ArchiveMember::Kind::Other, {} };
        return { ArchiveMember::Kind::Symlink, std::string(target.data(), static_cast<size_t>(length)) };
    };
}

ArchiveMember SpooledArchive::lookup(const std::string& name) const
{
    auto member = m_members.find(name);
    return member != m_members.end() ? member->second : ArchiveMember {};
}

MemberLookup SpooledArchive::lookup_function() const
{
    return [this](const std::string& name) { return lookup(name); };
}

Result<void> SpooledArchive::add(const std::string& name, ArchiveMember member)
{
    for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
        auto parent = name.substr(0, slash);
        auto [place, added] = m_members.try_emplace(parent, ArchiveMember { ArchiveMember::Kind::Directory, {} });
        if (place->second.kind != ArchiveMember::Kind::Directory)
            return make_error("'{}' lies under '{}', which is not a directory", printable_name(name), printable_name(parent));
    }
    auto [place, added] = m_members.try_emplace(name, member);
    if (!added && !(member.kind == ArchiveMember::Kind::Directory && place->second.kind == ArchiveMember::Kind::Directory))
        return make_error("it holds '{}' twice", printable_name(name));
    return {};
}

Result<SpooledArchive> spool_image_archive(const std::string& archive_path, const std::string& directory)
{
    std::unique_ptr<archive, FreeArchive> reader(archive_read_new());
    TRY(support_docker_load_compressions(reader.get()));
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_filename(reader.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK)
        return make_error("cannot open it: {}", archive_error_string(reader.get()));
    SpooledArchive spooled;
    for (;;) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF)
            return spooled;
        if (status < ARCHIVE_WARN)
            return make_error("it is not a readable image archive: {}", archive_error_string(reader.get()));
        const char* raw_name = archive_entry_pathname(entry);
        if (!raw_name)
            return make_error("it holds a member without a name");
        auto name = normal_member_name(raw_name);
        if (!name)
            return make_error("it holds '{}', a name outside the archive", printable_name(raw_name));
        // "./", the top of the archive, which tar -C DIR -cf ARCHIVE . writes first.
        if (name->empty())
            continue;
        TRY(spool_member(reader.get(), entry, *name, directory, spooled));
    }
}

}
