#include "containers/image/archive_spool.h"

#include "tests/support/oci_image_builder.h"
#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <tuple>

using namespace vmlet::image;

namespace {

using Kind = ArchiveMember::Kind;
namespace fs = std::filesystem;

// An archive's names as the spool records them: (name, kind, link target).
SpooledArchive table(const std::vector<std::tuple<std::string, Kind, std::string>>& members)
{
    SpooledArchive spooled;
    for (const auto& [name, kind, target] : members) {
        auto added = spooled.add(name, { kind, target });
        EXPECT_TRUE(added.ok()) << name << ": " << added.error().message();
    }
    return spooled;
}

// The error resolving `name` gives, or "" if it resolves.
std::string refusal(const SpooledArchive& spooled, std::string_view name)
{
    auto resolved = resolve_archive_member(name, spooled.lookup_function());
    return resolved.ok() ? "" : resolved.error().message();
}

void write_text(const std::string& path, std::string_view text)
{
    std::ofstream(path, std::ios::binary) << text;
}

}

TEST(ArchiveSpool, NormalNamesStayInsideTheArchive)
{
    EXPECT_EQ(normal_member_name("./a//b/./c/"), "a/b/c");
    EXPECT_EQ(normal_member_name("./"), "");
    EXPECT_EQ(normal_member_name("sha256:abc.tar"), "sha256:abc.tar");
    for (std::string_view name : { "../x", "a/../b", "a/..", "/etc/passwd", "//x" })
        EXPECT_FALSE(normal_member_name(name)) << name;
    EXPECT_FALSE(normal_member_name(std::string_view("a\0b", 3)));
}

// containers/image (podman, skopeo, buildah) writes each layer as <digest>.tar with <id>/layer.tar
// a symbolic link to it; manifest.json may name either, or any other regular file.
TEST(ArchiveSpool, ResolvesAnyNameThatLeadsToARegularFile)
{
    const std::string hex(64, 'c');
    auto spooled = table({
        { hex + ".tar", Kind::File, "" },
        { "id/layer.tar", Kind::Symlink, "../" + hex + ".tar" },
        { "again/layer.tar", Kind::Symlink, "../id/layer.tar" },
        { "deep/er/file", Kind::File, "" },
        { "alias", Kind::Symlink, "deep/./er" },
        { "up", Kind::Symlink, "deep/er/../er/file" },
    });
    EXPECT_EQ(resolve_archive_member(hex + ".tar", spooled.lookup_function()).value(), hex + ".tar");
    EXPECT_EQ(resolve_archive_member("./" + hex + ".tar", spooled.lookup_function()).value(), hex + ".tar");
    EXPECT_EQ(resolve_archive_member("id/layer.tar", spooled.lookup_function()).value(), hex + ".tar");
    EXPECT_EQ(resolve_archive_member("again/layer.tar", spooled.lookup_function()).value(), hex + ".tar");
    // A link in a directory component is followed too, as the kernel would.
    EXPECT_EQ(resolve_archive_member("alias/file", spooled.lookup_function()).value(), "deep/er/file");
    EXPECT_EQ(resolve_archive_member("up", spooled.lookup_function()).value(), "deep/er/file");
}

TEST(ArchiveSpool, RefusesNamesAndLinksThatLeaveTheArchiveOrEndAnywhereButAFile)
{
    auto spooled = table({
        { "layer.tar", Kind::File, "" },
        { "out", Kind::Symlink, "../layer.tar" },
        { "id/out", Kind::Symlink, "../../etc/passwd" },
        { "id/sneaky", Kind::Symlink, "../id/../../x" },
        { "absolute", Kind::Symlink, "/etc/passwd" },
        { "loop/a", Kind::Symlink, "b" },
        { "loop/b", Kind::Symlink, "a" },
        { "self", Kind::Symlink, "self" },
        { "to-dir", Kind::Symlink, "id" },
        { "to-missing", Kind::Symlink, "nothing" },
        { "to-device", Kind::Symlink, "dev" },
        { "dev", Kind::Other, "" },
        { "through", Kind::Symlink, "layer.tar/x" },
    });
    struct Case {
        std::string name;
        std::string error;
    };
    for (const auto& [name, error] : std::vector<Case> {
             { "out", "'out' is a symbolic link out of the archive ('../layer.tar')" },
             { "id/out", "'id/out' is a symbolic link out of the archive ('../../etc/passwd')" },
             { "id/sneaky", "'id/sneaky' is a symbolic link out of the archive ('../id/../../x')" },
             { "absolute", "'absolute' is a symbolic link to the absolute path '/etc/passwd'" },
             { "loop/a", "'loop/a' leads through more than 16 symbolic links (a loop?)" },
             { "self", "'self' leads through more than 16 symbolic links (a loop?)" },
             { "to-dir", "'id' is a directory" },
             { "id", "'id' is a directory" },
             { "to-missing", "'nothing' is missing" },
             { "to-device", "'dev' is not a regular file" },
             { "through", "'layer.tar' is not a directory" },
             { "layer.tar/x", "'layer.tar' is not a directory" },
             { "../layer.tar", "'../layer.tar' climbs out with '..'" },
             { "id/../layer.tar", "'id/../layer.tar' climbs out with '..'" },
             { "/layer.tar", "'/layer.tar' is an absolute path" },
             { std::string("layer.tar\0x", 11), "'layer.tar\\x00x' holds a NUL byte" },
             { "line\nbreak", "'line\\x0abreak' is missing" },
             { "", "'' is a directory" },
         })
        EXPECT_EQ(refusal(spooled, name), error) << printable_name(name);
}

TEST(ArchiveSpool, ANameIsRecordedOnceAndNothingLiesUnderAFileOrLink)
{
    SpooledArchive spooled;
    ASSERT_TRUE(spooled.add("a/b", { Kind::File, {} }).ok());
    EXPECT_TRUE(spooled.add("a", { Kind::Directory, {} }).ok());
    EXPECT_EQ(spooled.add("a", { Kind::File, {} }).error().message(), "it holds 'a' twice");
    EXPECT_EQ(spooled.add("a/b", { Kind::File, {} }).error().message(), "it holds 'a/b' twice");
    EXPECT_EQ(spooled.add("a/b/c", { Kind::File, {} }).error().message(), "'a/b/c' lies under 'a/b', which is not a directory");
    ASSERT_TRUE(spooled.add("link", { Kind::Symlink, "/etc" }).ok());
    EXPECT_EQ(spooled.add("link/passwd", { Kind::File, {} }).error().message(), "'link/passwd' lies under 'link', which is not a directory");
    EXPECT_EQ(spooled.lookup("a").kind, Kind::Directory);
    EXPECT_EQ(spooled.lookup("link").link_target, "/etc");
    EXPECT_EQ(spooled.lookup("nothing").kind, Kind::Missing);
}

// A directory on disk (`vmlet load --dir`) follows the same rules: the kernel never follows a link.
TEST(ArchiveSpool, ADirectoryOnDiskIsResolvedByTheSameRules)
{
    vmlet::test::TemporaryDirectory scratch;
    auto top = scratch.file("tree");
    fs::create_directories(top + "/id");
    write_text(top + "/layer.tar", "layer");
    fs::create_symlink("../layer.tar", top + "/id/layer.tar");
    fs::create_symlink("/etc", top + "/etc");
    fs::create_symlink("..", top + "/up");
    fs::create_symlink("id", top + "/dir");
    auto lookup = directory_member_lookup(top);
    EXPECT_EQ(resolve_archive_member("id/layer.tar", lookup).value(), "layer.tar");
    EXPECT_EQ(resolve_archive_member("etc/passwd", lookup).error().message(), "'etc' is a symbolic link to the absolute path '/etc'");
    EXPECT_EQ(resolve_archive_member("up/tree/layer.tar", lookup).error().message(), "'up' is a symbolic link out of the archive ('..')");
    EXPECT_EQ(resolve_archive_member("dir", lookup).error().message(), "'id' is a directory");
}

TEST(ArchiveSpool, SpoolsRegularFilesAndKeepsSymbolicLinksOffTheDisk)
{
    using vmlet::test::TarEntry;
    vmlet::test::TemporaryDirectory scratch;
    const std::string hex(64, 'd');
    write_text(scratch.file("podman.tar"), vmlet::test::make_tar({
                                               { "./", TarEntry::Kind::Directory, "" },
                                               { hex + ".tar", TarEntry::Kind::File, "layer" },
                                               { "id/layer.tar", TarEntry::Kind::Symlink, "../" + hex + ".tar" },
                                               { "shared/layer.tar", TarEntry::Kind::Hardlink, hex + ".tar" },
                                               { "manifest.json", TarEntry::Kind::File, "[]" },
                                           }));
    fs::create_directory(scratch.file("spool"));
    auto spooled = spool_image_archive(scratch.file("podman.tar"), scratch.file("spool"));
    ASSERT_TRUE(spooled.ok()) << spooled.error().message();
    EXPECT_EQ(resolve_archive_member("id/layer.tar", spooled.value().lookup_function()).value(), hex + ".tar");
    EXPECT_TRUE(fs::is_regular_file(scratch.file("spool/" + hex + ".tar")));
    EXPECT_TRUE(fs::is_regular_file(scratch.file("spool/shared/layer.tar")));
    EXPECT_TRUE(fs::is_regular_file(scratch.file("spool/manifest.json")));
    EXPECT_FALSE(fs::exists(fs::symlink_status(scratch.file("spool/id/layer.tar"))));
}

TEST(ArchiveSpool, RefusesMembersThatCouldReachOutOfTheSpoolByName)
{
    using vmlet::test::TarEntry;
    struct Case {
        std::vector<TarEntry> entries;
        std::string error;
    };
    for (const auto& [entries, error] : std::vector<Case> {
             { { { "../escaped", TarEntry::Kind::File, "x" } }, "holds '../escaped', a name outside the archive" },
             { { { "/escaped", TarEntry::Kind::File, "x" } }, "holds '/escaped', a name outside the archive" },
             { { { "a/../../escaped", TarEntry::Kind::File, "x" } }, "holds 'a/../../escaped', a name outside the archive" },
             { { { "hard", TarEntry::Kind::Hardlink, "../../etc/passwd" } },
                 "hard link 'hard' points to '../../etc/passwd', which is not an earlier file of the archive" },
             { { { "hard", TarEntry::Kind::Hardlink, "later" }, { "later", TarEntry::Kind::File, "x" } },
                 "hard link 'hard' points to 'later', which is not an earlier file of the archive" },
             { { { "link", TarEntry::Kind::Symlink, "/tmp" }, { "link/escaped", TarEntry::Kind::File, "x" } },
                 "'link/escaped' lies under 'link', which is not a directory" },
             { { { "twice", TarEntry::Kind::File, "x" }, { "./twice", TarEntry::Kind::File, "y" } }, "holds 'twice' twice" },
         }) {
        vmlet::test::TemporaryDirectory scratch;
        write_text(scratch.file("hostile.tar"), vmlet::test::make_tar(entries));
        fs::create_directory(scratch.file("spool"));
        auto spooled = spool_image_archive(scratch.file("hostile.tar"), scratch.file("spool"));
        ASSERT_FALSE(spooled.ok()) << error;
        EXPECT_NE(spooled.error().message().find(error), std::string::npos) << spooled.error().message();
        EXPECT_EQ(spooled.error().message().find('\n'), std::string::npos);
        EXPECT_FALSE(fs::exists(scratch.file("escaped")));
        EXPECT_FALSE(fs::exists("/tmp/escaped"));
    }
}

// docker load's compressions, all decompressed inside libarchive.
TEST(ArchiveSpool, ReadsTheCompressionsDockerLoadReads)
{
    using vmlet::test::Compression;
    using vmlet::test::TarEntry;
    auto tar = vmlet::test::make_tar({ { "manifest.json", TarEntry::Kind::File, "[]" } });
    for (auto compression : { Compression::Gzip, Compression::Bzip2, Compression::Xz, Compression::Zstd }) {
        vmlet::test::TemporaryDirectory scratch;
        write_text(scratch.file("archive"), vmlet::test::compress(tar, compression));
        fs::create_directory(scratch.file("spool"));
        auto spooled = spool_image_archive(scratch.file("archive"), scratch.file("spool"));
        ASSERT_TRUE(spooled.ok()) << int(compression) << ": " << spooled.error().message();
        EXPECT_TRUE(fs::is_regular_file(scratch.file("spool/manifest.json")));
    }
}

// An archive in a compression libarchive can only undo by running a program (lrzip: "LRZI", major
// version 0, minor 6) is refused, and no program runs: a fake lrzip first on PATH would leave a mark.
TEST(ArchiveSpool, RunsNoExternalDecompressor)
{
    vmlet::test::TemporaryDirectory scratch;
    fs::create_directory(scratch.file("bin"));
    write_text(scratch.file("bin/lrzip"), "#!/bin/sh\ntouch " + scratch.file("ran") + "\ncat\n");
    ::chmod(scratch.file("bin/lrzip").c_str(), 0755);
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
    ::setenv("PATH", (scratch.file("bin") + ":" + path).c_str(), 1);
    write_text(scratch.file("archive.lrz"), std::string("LRZI\0\x06", 6) + std::string(512, '\0'));
    fs::create_directory(scratch.file("spool"));

    auto spooled = spool_image_archive(scratch.file("archive.lrz"), scratch.file("spool"));
    ::setenv("PATH", path.c_str(), 1);
    ASSERT_FALSE(spooled.ok());
    EXPECT_NE(spooled.error().message().find("cannot open it"), std::string::npos) << spooled.error().message();
    EXPECT_FALSE(fs::exists(scratch.file("ran")));
}
