#include "containers/image/archive_spool.h"

#include "vmm/base/file.h"
#include "vmm/base/unique_fd.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <memory>

namespace vmlet::image {

namespace {

bool is_hex64(std::string_view text)
{
    return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string_view without_dot_slash(std::string_view name)
{
    while (name.starts_with("./"))
        name.remove_prefix(2);
    return name;
}

struct FreeArchive {
    void operator()(archive* reader) const { archive_read_free(reader); }
};

// A link's target as a member name: hard link targets already are; a symbolic link's is
// relative to the link's own directory.
std::string link_target_name(std::string_view name, archive_entry* entry)
{
    if (const char* hard = archive_entry_hardlink(entry))
        return std::string(without_dot_slash(hard));
    const char* symbolic = archive_entry_symlink(entry);
    if (!symbolic)
        return {};
    auto parent = std::filesystem::path(std::string(name)).parent_path();
    auto target = (parent / symbolic).lexically_normal().string();
    return std::string(without_dot_slash(target));
}

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
            return make_error("the archive is corrupt at {}: {}", name, archive_error_string(reader));
        if (count == 0)
            return {};
        TRY(write_all(fd.get(), std::span(buffer.data(), static_cast<size_t>(count))));
    }
}

}

bool is_image_archive_member(std::string_view name)
{
    name = without_dot_slash(name);
    if (name == "manifest.json" || name == "repositories" || name == "index.json" || name == "oci-layout")
        return true;
    if (name.starts_with("blobs/sha256/"))
        return is_hex64(name.substr(13));
    if (name.ends_with(".json") && name.find('/') == std::string_view::npos)
        return is_hex64(name.substr(0, name.size() - 5));
    auto slash = name.find('/');
    if (slash == std::string_view::npos || !is_hex64(name.substr(0, slash)))
        return false;
    auto file = name.substr(slash + 1);
    return file == "layer.tar" || file == "json" || file == "VERSION";
}

Result<void> spool_image_archive(const std::string& archive_path, const std::string& directory)
{
    std::unique_ptr<archive, FreeArchive> reader(archive_read_new());
    archive_read_support_filter_all(reader.get());
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_filename(reader.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK)
        return make_error("cannot read {}: {}", archive_path, archive_error_string(reader.get()));
    for (;;) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF)
            return {};
        if (status < ARCHIVE_WARN)
            return make_error("{} is not a readable image archive: {}", archive_path, archive_error_string(reader.get()));
        const char* raw_name = archive_entry_pathname(entry);
        if (!raw_name || !is_image_archive_member(raw_name))
            continue;
        auto name = std::string(without_dot_slash(raw_name));
        auto path = directory + "/" + name;
        if (::access(path.c_str(), F_OK) == 0)
            return make_error("{} holds {} twice", archive_path, name);
        TRY(make_parent(directory, name));
        auto target = link_target_name(name, entry);
        if (!target.empty()) {
            if (is_image_archive_member(target) && ::link((directory + "/" + target).c_str(), path.c_str()) < 0 && errno != ENOENT)
                return errno_error(fmt::format("cannot link {} in {}", name, directory));
            continue;
        }
        if (archive_entry_filetype(entry) != AE_IFREG)
            continue;
        TRY(copy_member(reader.get(), path, name));
    }
}

}
