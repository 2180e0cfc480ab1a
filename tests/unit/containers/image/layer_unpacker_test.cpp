#include "containers/image/layer_unpacker.h"

#include "containers/image/digest.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace vmlet::image;

namespace {

namespace fs = std::filesystem;

// One tar member as the test writes it.
struct TarEntry {
    std::string path;
    mode_t type { AE_IFREG };
    mode_t mode { 0644 };
    std::string content;
    std::string symlink;
    std::string hardlink;
    int64_t uid { 0 };
    int64_t gid { 0 };
    time_t mtime { 1'600'000'000 };
    unsigned rdev_major { 0 };
    unsigned rdev_minor { 0 };
    std::vector<std::pair<std::string, std::string>> xattrs;
};

TarEntry file(std::string path, std::string content, mode_t mode = 0644)
{
    TarEntry entry;
    entry.path = std::move(path);
    entry.mode = mode;
    entry.content = std::move(content);
    return entry;
}

TarEntry directory(std::string path, mode_t mode = 0755)
{
    TarEntry entry;
    entry.path = std::move(path);
    entry.type = AE_IFDIR;
    entry.mode = mode;
    return entry;
}

TarEntry symlink_to(std::string path, std::string target)
{
    TarEntry entry;
    entry.path = std::move(path);
    entry.type = AE_IFLNK;
    entry.mode = 0777;
    entry.symlink = std::move(target);
    return entry;
}

TarEntry hardlink_to(std::string path, std::string target)
{
    TarEntry entry;
    entry.path = std::move(path);
    entry.hardlink = std::move(target);
    return entry;
}

TarEntry special(std::string path, mode_t type, mode_t mode, unsigned major = 0, unsigned minor = 0)
{
    TarEntry entry;
    entry.path = std::move(path);
    entry.type = type;
    entry.mode = mode;
    entry.rdev_major = major;
    entry.rdev_minor = minor;
    return entry;
}

enum class Compression {
    None,
    Gzip,
    Zstd,
};

la_ssize_t append(archive*, void* output, const void* bytes, size_t size)
{
    static_cast<std::string*>(output)->append(static_cast<const char*>(bytes), size);
    return la_ssize_t(size);
}

void check(archive* writer, int status, const char* what)
{
    if (status != ARCHIVE_OK)
        throw std::runtime_error(std::string(what) + ": " + (archive_error_string(writer) ?: "?"));
}

// The uncompressed tar, written by libarchive's own writer (pax, padded to 10240-byte records).
std::string make_tar(const std::vector<TarEntry>& entries)
{
    std::string output;
    archive* writer = archive_write_new();
    check(writer, archive_write_set_format_pax_restricted(writer), "pax");
    check(writer, archive_write_open(writer, &output, nullptr, append, nullptr), "open");
    for (const auto& spec : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, spec.path.c_str());
        archive_entry_set_filetype(entry, spec.type);
        archive_entry_set_perm(entry, spec.mode);
        archive_entry_set_uid(entry, spec.uid);
        archive_entry_set_gid(entry, spec.gid);
        archive_entry_set_mtime(entry, spec.mtime, 0);
        archive_entry_set_rdevmajor(entry, spec.rdev_major);
        archive_entry_set_rdevminor(entry, spec.rdev_minor);
        if (!spec.symlink.empty())
            archive_entry_set_symlink(entry, spec.symlink.c_str());
        if (!spec.hardlink.empty())
            archive_entry_set_hardlink(entry, spec.hardlink.c_str());
        for (const auto& [name, value] : spec.xattrs)
            archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), value.size());
        archive_entry_set_size(entry, la_int64_t(spec.content.size()));
        check(writer, archive_write_header(writer, entry), "header");
        archive_entry_free(entry);
        if (!spec.content.empty() && archive_write_data(writer, spec.content.data(), spec.content.size()) != la_ssize_t(spec.content.size()))
            throw std::runtime_error("writing data");
    }
    check(writer, archive_write_close(writer), "close");
    archive_write_free(writer);
    return output;
}

std::string compress(const std::string& bytes, Compression compression)
{
    if (compression == Compression::None)
        return bytes;
    std::string output;
    archive* writer = archive_write_new();
    check(writer, archive_write_set_format_raw(writer), "raw");
    check(writer, compression == Compression::Gzip ? archive_write_add_filter_gzip(writer) : archive_write_add_filter_zstd(writer),
        "filter");
    check(writer, archive_write_set_bytes_in_last_block(writer, 1), "block");
    check(writer, archive_write_open(writer, &output, nullptr, append, nullptr), "open");
    archive_entry* entry = archive_entry_new();
    archive_entry_set_filetype(entry, AE_IFREG);
    check(writer, archive_write_header(writer, entry), "header");
    archive_entry_free(entry);
    if (archive_write_data(writer, bytes.data(), bytes.size()) != la_ssize_t(bytes.size()))
        throw std::runtime_error("compressing");
    check(writer, archive_write_close(writer), "close");
    archive_write_free(writer);
    return output;
}

// A 512-byte ustar header by hand, for names libarchive's writer would not produce.
std::string raw_ustar_entry(std::string_view name, char type, std::string_view content)
{
    std::string header(512, '\0');
    header.replace(0, std::min<size_t>(name.size(), 100), name.substr(0, 100));
    auto octal = [&](size_t offset, size_t width, uint64_t value) {
        auto text = fmt::format("{:0{}o}", value, width - 1);
        header.replace(offset, text.size(), text);
    };
    octal(100, 8, 0644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, content.size());
    octal(136, 12, 1'600'000'000);
    header[156] = type;
    header.replace(257, 6, std::string("ustar\0", 6));
    header.replace(263, 2, "00");
    header.replace(148, 8, std::string(8, ' '));
    unsigned sum = 0;
    for (char byte : header)
        sum += static_cast<unsigned char>(byte);
    auto checksum = fmt::format("{:06o}", sum);
    header.replace(148, 7, checksum + std::string(1, '\0'));
    std::string padded(content);
    padded.resize((content.size() + 511) / 512 * 512, '\0');
    return header + padded;
}

// A scratch directory holding the layer file, the destination and a sentinel directory beside
// it that a refused layer must leave untouched.
class LayerUnpacker : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string pattern = (fs::temp_directory_path() / "vmlet-layer-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        m_root = pattern;
        fs::create_directory(destination());
        fs::create_directory(sentinel());
        std::ofstream(sentinel() + "/victim") << "untouched";
    }
    void TearDown() override { fs::remove_all(m_root); }

    std::string destination() const { return m_root + "/dest"; }
    std::string sentinel() const { return m_root + "/outside"; }
    std::string at(std::string_view path) const { return destination() + "/" + std::string(path); }

    std::string write_blob(const std::string& bytes, const std::string& name = "layer")
    {
        std::string path = m_root + "/" + name;
        fs::create_directories(fs::path(path).parent_path());
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }

    vmlet::Result<UnpackedLayer> unpack(const std::vector<TarEntry>& entries, Compression compression = Compression::None)
    {
        return unpack_layer(write_blob(compress(make_tar(entries), compression)), destination());
    }

    // The error message of a layer that must be refused, after checking nothing escaped.
    std::string refusal(const std::vector<TarEntry>& entries)
    {
        return refusal_of_bytes(make_tar(entries));
    }

    std::string refusal_of_bytes(const std::string& blob)
    {
        auto result = unpack_layer(write_blob(blob), destination());
        EXPECT_FALSE(result.ok()) << "the layer was accepted";
        expect_sentinel_untouched();
        return result.ok() ? std::string() : result.error().message();
    }

    void expect_sentinel_untouched() const
    {
        std::vector<std::string> names;
        for (const auto& child : fs::directory_iterator(sentinel()))
            names.push_back(child.path().filename().string());
        EXPECT_EQ(names, std::vector<std::string> { "victim" });
        struct stat victim;
        ASSERT_EQ(lstat((sentinel() + "/victim").c_str(), &victim), 0);
        EXPECT_EQ(victim.st_nlink, 1u) << "something hardlinked the file outside";
        std::ifstream input(sentinel() + "/victim");
        std::string content((std::istreambuf_iterator<char>(input)), {});
        EXPECT_EQ(content, "untouched");
        std::vector<std::string> beside;
        for (const auto& child : fs::directory_iterator(m_root))
            beside.push_back(child.path().filename().string());
        std::sort(beside.begin(), beside.end());
        EXPECT_TRUE(std::all_of(beside.begin(), beside.end(), [](const std::string& name) { return name == "dest" || name == "outside" || name == "layer"; }))
            << "an entry was written beside the destination";
    }

    std::string m_root;
};

struct stat stat_of(const std::string& path)
{
    struct stat node {};
    EXPECT_EQ(lstat(path.c_str(), &node), 0) << path;
    return node;
}

std::string content_of(const std::string& path)
{
    std::ifstream input(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(input)), {});
}

std::vector<TarEntry> sample_layer()
{
    auto setuid = file("usr/bin/su", "#!/bin/sh\n", 04755);
    auto owned = file("home/app/.profile", "export A=1\n", 0600);
    owned.uid = 1000;
    owned.gid = 1001;
    owned.mtime = 1'234'567'890;
    auto tmp = directory("tmp", 01777);
    tmp.mtime = 1'111'111'111;
    return { directory("./"), directory("etc"), file("etc/hostname", "vmlet\n"), tmp, file("tmp/scratch", ""),
        directory("usr"), directory("usr/bin"), setuid, symlink_to("usr/bin/sh", "/bin/busybox"),
        symlink_to("usr/bin/up", "../../etc"), hardlink_to("usr/bin/su2", "usr/bin/su"), owned,
        file(std::string(150, 'n') + "/" + std::string(120, 'm'), "a long pax name") };
}

}

TEST_F(LayerUnpacker, UnpacksFilesDirectoriesLinksAndMetadata)
{
    auto result = unpack(sample_layer());
    ASSERT_TRUE(result.ok()) << result.error().message();

    EXPECT_EQ(content_of(at("etc/hostname")), "vmlet\n");
    EXPECT_EQ(stat_of(at("etc/hostname")).st_mode, S_IFREG | 0644);
    EXPECT_EQ(stat_of(at("usr/bin/su")).st_mode, S_IFREG | 04755) << "setuid survives";
    EXPECT_EQ(stat_of(at("tmp")).st_mode, S_IFDIR | 01777) << "sticky survives";
    EXPECT_EQ(stat_of(at("tmp/scratch")).st_size, 0);

    char target[256] {};
    ASSERT_GT(readlink(at("usr/bin/sh").c_str(), target, sizeof(target) - 1), 0);
    EXPECT_STREQ(target, "/bin/busybox");
    std::fill(std::begin(target), std::end(target), '\0');
    ASSERT_GT(readlink(at("usr/bin/up").c_str(), target, sizeof(target) - 1), 0);
    EXPECT_STREQ(target, "../../etc");

    auto su = stat_of(at("usr/bin/su"));
    auto su2 = stat_of(at("usr/bin/su2"));
    EXPECT_EQ(su.st_ino, su2.st_ino) << "a hardlink shares the inode";
    EXPECT_EQ(su.st_nlink, 2u);

    auto profile = stat_of(at("home/app/.profile"));
    EXPECT_EQ(profile.st_uid, 1000u);
    EXPECT_EQ(profile.st_gid, 1001u);
    EXPECT_EQ(profile.st_mode, S_IFREG | 0600);
    EXPECT_EQ(profile.st_mtim.tv_sec, 1'234'567'890);
    EXPECT_EQ(stat_of(at("tmp")).st_mtim.tv_sec, 1'111'111'111) << "a directory's mtime is set after its children";
    EXPECT_EQ(stat_of(at("home")).st_mode, S_IFDIR | 0755) << "a directory without an entry is made 0755";
    EXPECT_EQ(content_of(at(std::string(150, 'n') + "/" + std::string(120, 'm'))), "a long pax name");
}

TEST_F(LayerUnpacker, DiffIdIsTheDigestOfTheUncompressedTar)
{
    auto tar = make_tar(sample_layer());
    auto expected = Digest::of(tar);
    for (auto compression : { Compression::None, Compression::Gzip, Compression::Zstd }) {
        fs::remove_all(destination());
        fs::create_directory(destination());
        auto blob = compress(tar, compression);
        if (compression != Compression::None) {
            EXPECT_NE(blob, tar);
        }
        auto result = unpack_layer(write_blob(blob), destination());
        ASSERT_TRUE(result.ok()) << result.error().message();
        EXPECT_EQ(result.value().diff_id, expected) << "compression " << int(compression);
        EXPECT_EQ(result.value().tar_bytes, tar.size());
        EXPECT_EQ(content_of(at("etc/hostname")), "vmlet\n");
    }
}

TEST_F(LayerUnpacker, DiffIdCoversBytesAfterTheEndOfArchive)
{
    auto tar = make_tar({ file("a", "1") }) + std::string(4096, '\0') + "trailing junk";
    auto result = unpack_layer(write_blob(compress(tar, Compression::Gzip)), destination());
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(result.value().diff_id, Digest::of(tar));
    EXPECT_EQ(result.value().tar_bytes, tar.size());
}

TEST_F(LayerUnpacker, WhiteoutsBecomeOverlayWhiteouts)
{
    auto result = unpack({ directory("etc"), file("etc/.wh.passwd", ""), file("var/lib/.wh..wh..opq", ""),
                             file("var/lib/kept", "x"), file(".wh.opt", ""), file("same", "stays"), file(".wh.same", ""),
                             file("gone/.wh..wh.plnk", "") },
        Compression::Gzip);
    ASSERT_TRUE(result.ok()) << result.error().message();

    for (auto* name : { "etc/passwd", "opt" }) {
        auto whiteout = stat_of(at(name));
        EXPECT_TRUE(S_ISCHR(whiteout.st_mode)) << name;
        EXPECT_EQ(major(whiteout.st_rdev), 0u);
        EXPECT_EQ(minor(whiteout.st_rdev), 0u);
    }
    EXPECT_FALSE(fs::exists(at("etc/.wh.passwd")));
    EXPECT_FALSE(fs::exists(at(".wh.opt")));

    char value[8] {};
    ASSERT_EQ(getxattr(at("var/lib").c_str(), "trusted.overlay.opaque", value, sizeof(value)), 1);
    EXPECT_EQ(value[0], 'y');
    EXPECT_EQ(getxattr(at("var").c_str(), "trusted.overlay.opaque", value, sizeof(value)), -1);
    EXPECT_EQ(content_of(at("var/lib/kept")), "x");
    EXPECT_FALSE(fs::exists(at("var/lib/.wh..wh..opq")));

    EXPECT_EQ(content_of(at("same")), "stays") << "a whiteout hides only lower layers' files";
    EXPECT_FALSE(fs::exists(at("gone/.wh..wh.plnk"))) << "aufs metadata is skipped";
}

TEST_F(LayerUnpacker, LaterEntriesReplaceEarlierOnes)
{
    auto child_first = directory("late", 0700);
    child_first.uid = 7;
    auto result = unpack({ file("a", "file"), directory("a"), file("a/inside", "1"),
                             directory("b"), directory("b/deep"), file("b/deep/x", "x"), symlink_to("b/link", "x"), file("b", "now a file"),
                             file("c", "old"), symlink_to("c", "/etc/passwd"),
                             symlink_to("d", "/etc"), file("d", "not a link"),
                             file("e", "one"), file("e", "two"),
                             file("late/child", "c"), child_first,
                             file("f", "x"), hardlink_to("g", "f"), file("f", "new f") },
        Compression::Zstd);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(content_of(at("a/inside")), "1");
    EXPECT_EQ(content_of(at("b")), "now a file");
    EXPECT_TRUE(S_ISLNK(stat_of(at("c")).st_mode));
    EXPECT_EQ(content_of(at("d")), "not a link");
    EXPECT_TRUE(S_ISREG(stat_of(at("d")).st_mode));
    EXPECT_EQ(content_of(at("e")), "two");
    EXPECT_EQ(content_of(at("late/child")), "c") << "a directory entry after its children keeps them";
    EXPECT_EQ(stat_of(at("late")).st_mode, S_IFDIR | 0700);
    EXPECT_EQ(stat_of(at("late")).st_uid, 7u);
    EXPECT_EQ(content_of(at("g")), "x") << "replacing a file does not write through its hardlink";
    EXPECT_EQ(content_of(at("f")), "new f");
}

TEST_F(LayerUnpacker, FifosAndUserXattrsAreKept)
{
    auto fifo = special("run/pipe", AE_IFIFO, 0620);
    auto tagged = file("tagged", "x");
    tagged.xattrs = { { "user.origin", "test" }, { "trusted.overlay.opaque", "y" } };
    auto result = unpack({ fifo, tagged });
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(stat_of(at("run/pipe")).st_mode, S_IFIFO | 0620);
    char value[16] {};
    ASSERT_EQ(getxattr(at("tagged").c_str(), "user.origin", value, sizeof(value)), 4);
    EXPECT_STREQ(value, "test");
    EXPECT_EQ(getxattr(at("tagged").c_str(), "trusted.overlay.opaque", value, sizeof(value)), -1)
        << "a layer may not set overlayfs's own attributes";
}

TEST_F(LayerUnpacker, RefusesClimbingOut)
{
    auto message = refusal({ file("ok", "1"), file("../outside/pwned", "x") });
    EXPECT_NE(message.find("refused entry \"../outside/pwned\": it climbs out of the root with \"..\""), std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
    message = refusal({ file("a/../../outside/pwned", "x") });
    EXPECT_NE(message.find("\"a/../../outside/pwned\""), std::string::npos) << message;
}

TEST_F(LayerUnpacker, RefusesAbsolutePaths)
{
    auto name = sentinel() + "/pwned";
    auto message = refusal({ file(name, "x") });
    EXPECT_NE(message.find("refused entry \"" + name + "\": it is an absolute path"), std::string::npos) << message;
}

TEST_F(LayerUnpacker, RefusesWritingThroughASymlink)
{
    auto message = refusal({ symlink_to("link", sentinel()), file("link/evil", "x") });
    EXPECT_NE(message.find("refused entry \"link/evil\": its parent \"link\" is a symlink"), std::string::npos) << message;

    fs::remove_all(destination());
    fs::create_directory(destination());
    message = refusal({ directory("d"), symlink_to("d/up", "../../outside"), directory("d/up/sub"), file("d/up/sub/evil", "x") });
    EXPECT_NE(message.find("\"d/up/sub/\": its parent \"d/up\" is a symlink"), std::string::npos) << message;

    fs::remove_all(destination());
    fs::create_directory(destination());
    message = refusal({ symlink_to("link", sentinel()), file("link/.wh..wh..opq", "") });
    EXPECT_NE(message.find("\"link/.wh..wh..opq\""), std::string::npos) << message;
    EXPECT_EQ(getxattr(sentinel().c_str(), "trusted.overlay.opaque", nullptr, 0), -1);

    fs::remove_all(destination());
    fs::create_directory(destination());
    message = refusal({ symlink_to("link", sentinel()), hardlink_to("x", "link/victim") });
    EXPECT_NE(message.find("\"x\""), std::string::npos) << message;
}

TEST_F(LayerUnpacker, SymlinkOverFileIsNotFollowedByLaterEntries)
{
    // The symlink replaces a file; a later file of the same name replaces the symlink itself.
    auto result = unpack({ file("victim", "mine"), symlink_to("victim", sentinel() + "/victim"), file("victim", "replaced") });
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(content_of(at("victim")), "replaced");
    expect_sentinel_untouched();
}

TEST_F(LayerUnpacker, RefusesHardlinksOutOfTheLayer)
{
    auto message = refusal({ hardlink_to("h", "../outside/victim") });
    EXPECT_NE(message.find("refused entry \"h\": its hardlink target \"../outside/victim\" is outside the layer"), std::string::npos)
        << message;
    message = refusal({ hardlink_to("h", sentinel() + "/victim") });
    EXPECT_NE(message.find("refused entry \"h\""), std::string::npos) << message;
    message = refusal({ hardlink_to("h", "missing") });
    EXPECT_NE(message.find("refused entry \"h\": its hardlink target \"missing\" is not an earlier entry"), std::string::npos)
        << message;
    message = refusal({ directory("dir"), hardlink_to("h", "dir") });
    EXPECT_NE(message.find("refused entry \"h\": its hardlink target \"dir\" is a directory"), std::string::npos) << message;
}

TEST_F(LayerUnpacker, RefusesDeviceNodes)
{
    auto message = refusal({ special("dev/sda", AE_IFBLK, 0600, 8, 0) });
    EXPECT_NE(message.find("refused entry \"dev/sda\": it is a block device node 8:0"), std::string::npos) << message;
    message = refusal({ special("dev/mem", AE_IFCHR, 0600, 1, 1) });
    EXPECT_NE(message.find("refused entry \"dev/mem\": it is a character device node 1:1"), std::string::npos) << message;
    message = refusal({ special("fake-whiteout", AE_IFCHR, 0, 0, 0) });
    EXPECT_NE(message.find("refused entry \"fake-whiteout\""), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(at("dev/sda")));
    EXPECT_FALSE(fs::exists(at("dev/mem")));
}

TEST_F(LayerUnpacker, RefusesEmptyAndOddNames)
{
    auto tar = raw_ustar_entry("", '0', "x") + std::string(1024, '\0');
    auto message = refusal_of_bytes(tar);
    EXPECT_NE(message.find("layer"), std::string::npos) << message;
    message = refusal({ file(".wh.", "") });
    EXPECT_NE(message.find("refused entry \".wh.\""), std::string::npos) << message;
    message = refusal({ file(".wh...", "") });
    EXPECT_NE(message.find("refused entry \".wh...\""), std::string::npos) << message;
    message = refusal({ file(std::string(300, 'x'), "") });
    EXPECT_NE(message.find("longer than 255 bytes"), std::string::npos) << message;
    message = refusal({ file("evil\nname/../x", "") });
    EXPECT_NE(message.find("refused entry \"evil\\x0aname/../x\""), std::string::npos) << message;
}

TEST_F(LayerUnpacker, RefusesCorruptArchives)
{
    auto tar = make_tar(sample_layer());
    auto gzip = compress(tar, Compression::Gzip);
    auto message = refusal_of_bytes(gzip.substr(0, gzip.size() / 2));
    EXPECT_NE(message.find("layer "), std::string::npos) << message;

    auto zstd = compress(tar, Compression::Zstd);
    refusal_of_bytes(zstd.substr(0, zstd.size() - 10));

    // Cut inside a file's data.
    auto big = make_tar({ file("big", std::string(100'000, 'b')) });
    refusal_of_bytes(big.substr(0, 50'000));

    std::string garbage;
    for (int index = 0; index < 5000; ++index)
        garbage += char(index * 7919 % 251);
    refusal_of_bytes(garbage);
    refusal_of_bytes("");
}

TEST_F(LayerUnpacker, ErrorsNameTheLayerByItsDigest)
{
    auto hex = std::string(64, 'a');
    auto blob = write_blob(make_tar({ file("../x", "") }), "layer/sha256/" + hex);
    auto result = unpack_layer(blob, destination());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(), "layer sha256:aaaaaaaaaaaa: refused entry \"../x\": it climbs out of the root with \"..\"");
}

TEST_F(LayerUnpacker, KeepsUtf8NamesFromPaxHeaders)
{
    // What Go's archive/tar (docker, buildkit) writes for a non-ASCII name: a pax "path" record in
    // UTF-8 with no hdrcharset, whatever the locale of the process reading it.
    std::string name = "caf\xc3\xa9/na\xc3\xafve.txt";
    std::string record = " path=" + name + "\n";
    record = std::to_string(record.size() + 2) + record;
    auto tar = raw_ustar_entry("PaxHeaders/x", 'x', record) + raw_ustar_entry("x", '0', "utf-8") + std::string(1024, '\0');
    auto result = unpack_layer(write_blob(tar), destination());
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(content_of(at(name)), "utf-8");
}

TEST_F(LayerUnpacker, MissingBlobIsAnError)
{
    auto result = unpack_layer(m_root + "/absent", destination());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(), "layer " + m_root + "/absent: opening " + m_root + "/absent: No such file or directory");
}

TEST_F(LayerUnpacker, BoundsTheDepthOfPaths)
{
    std::string deep;
    for (int level = 0; level < 255; ++level)
        deep += "d/";
    auto result = unpack({ file(deep + "f", "bottom"), file("d", "replaces the whole tree") });
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_EQ(content_of(at("d")), "replaces the whole tree");

    fs::remove_all(destination());
    fs::create_directory(destination());
    auto message = refusal({ file(deep + "d/f", "") });
    EXPECT_NE(message.find("it is nested deeper than 256 directories"), std::string::npos) << message;
}
