#pragma once

#include "vmm/base/result.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vmlet::image {

// A name as the archive's own namespace spells it: relative, "." and empty components dropped
// ("./a//b/" is "a/b", "./" is ""). Nothing for a name with a NUL byte, an absolute one, or one
// with a ".." component: no such name can climb out of the directory it is joined to.
std::optional<std::string> normal_member_name(std::string_view name);

// What one normal name of an archive (or of a directory holding an unpacked one) is, its last
// component not followed if it is a symbolic link.
struct ArchiveMember {
    enum class Kind { Missing, File, Directory, Symlink, Other };
    Kind kind { Kind::Missing };
    std::string link_target; // a symbolic link's target, as written
};
using MemberLookup = std::function<ArchiveMember(const std::string& name)>;

// The normal name of the regular file that `name` (as manifest.json or index.json gives it) ends
// at. Symbolic links are followed the way the kernel follows them, in the archive's own namespace
// (each target relative to its link's directory, in any component, at most kMaxSymlinks of them),
// except that an absolute target or one that climbs above the archive's top is refused, not
// clamped to it. The error names the entry at fault and reads as a clause: "'x' is a directory".
inline constexpr int kMaxSymlinks = 16;
Result<std::string> resolve_archive_member(std::string_view name, const MemberLookup& lookup);

// Looks names up in a directory on disk with lstat(2) and readlink(2). resolve_archive_member
// asks only for names whose parents it has already found to be directories, so no symbolic link
// is ever followed by the kernel.
MemberLookup directory_member_lookup(std::string directory);

// The names of an archive spooled to disk: its regular files (and hard links to them) are files
// under the spool directory; its symbolic links live only here, never on disk, so nothing can be
// written or read through one by accident.
class SpooledArchive {
public:
    ArchiveMember lookup(const std::string& name) const;
    MemberLookup lookup_function() const;

    // Records `name`; its parents become directories. Errors for a name recorded twice (except a
    // directory) and for one under a name that is not a directory.
    Result<void> add(const std::string& name, ArchiveMember member);

private:
    std::map<std::string, ArchiveMember> m_members;
};

// Writes every regular member of the tar archive at `archive_path` (plain, or compressed as
// `docker load` takes it: gzip, bzip2, xz or zstd, each decompressed inside libarchive) into
// the empty directory `directory`, under its normal name, and records all members. Hard links
// (how `docker save` shares a layer between images) become hard links. Refuses, naming the
// entry, a member whose name is not normal, a hard link to anything but an earlier regular
// member, and a member under one that is not a directory. Errors call the archive "it": the
// caller names it.
Result<SpooledArchive> spool_image_archive(const std::string& archive_path, const std::string& directory);

// `text` with control characters escaped, so that an error naming it stays one line.
std::string printable_name(std::string_view text);

}
