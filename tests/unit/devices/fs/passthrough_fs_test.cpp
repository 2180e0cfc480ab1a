#include "devices/fs/credentials.h"
#include "devices/fs/passthrough_fs.h"
#include "tests/unit/devices/fs/fuse_client.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace vmlet;
using namespace vmlet::fs;
using namespace vmlet::fs::testing;
namespace stdfs = std::filesystem;

namespace {

constexpr uint64_t kRoot = FUSE_ROOT_ID;

// A host tree: ROOT/outside/secret (what no guest may reach) and ROOT/share, the export, with a
// file, a directory, and links that point out of it (absolute and relative).
class PassthroughFsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char name[] = "/tmp/vmlet-fs-XXXXXX";
        ASSERT_NE(::mkdtemp(name), nullptr);
        root = name;
        stdfs::create_directories(root / "outside");
        stdfs::create_directories(root / "share" / "dir");
        write_file(root / "outside" / "secret", "secret");
        write_file(root / "share" / "file.txt", "hello");
        // Whatever umask this thread has now (a server gives the thread it runs on its own, 0).
        stdfs::permissions(root / "share" / "file.txt", stdfs::perms(0644));
        write_file(root / "share" / "dir" / "inner", "inner");
        stdfs::create_symlink("/", root / "share" / "abs");
        stdfs::create_symlink("../outside", root / "share" / "rel");
    }
    void TearDown() override { stdfs::remove_all(root); }

    static void write_file(const stdfs::path& path, std::string_view text) { std::ofstream(path) << text; }
    static std::string read_file(const stdfs::path& path)
    {
        std::ifstream file(path);
        return { std::istreambuf_iterator<char>(file), {} };
    }

    FuseClient& start(std::vector<ExportConfig> exports)
    {
        auto opened = open_exports(exports);
        EXPECT_TRUE(opened.ok());
        auto fs = PassthroughFs::create(opened.release_value());
        EXPECT_TRUE(fs.ok());
        server = std::make_unique<FuseServer>(fs.release_value(), may_switch_credentials());
        client = std::make_unique<FuseClient>(*server);
        EXPECT_EQ(client->init(), 0);
        return *client;
    }
    FuseClient& start_share(bool read_only = false) { return start({ { (root / "share").string(), "", read_only } }); }

    stdfs::path root;
    std::unique_ptr<FuseServer> server;
    std::unique_ptr<FuseClient> client;
};

}

TEST_F(PassthroughFsTest, ReadsAHostFile)
{
    auto& fuse = start_share();
    auto entry = fuse.entry(kRoot, "file.txt");
    EXPECT_TRUE(S_ISREG(entry.attr.mode));
    EXPECT_EQ(entry.attr.size, 5u);
    auto [handle, error] = fuse.open(entry.nodeid, O_RDONLY);
    ASSERT_EQ(error, 0);
    auto answer = fuse.read(handle, 1, 100);
    EXPECT_EQ(answer.error, 0);
    EXPECT_EQ(std::string(answer.payload.begin(), answer.payload.end()), "ello");
}

TEST_F(PassthroughFsTest, OneHostFileHasOneNodeId)
{
    auto& fuse = start_share();
    EXPECT_EQ(fuse.entry(kRoot, "file.txt").nodeid, fuse.entry(kRoot, "file.txt").nodeid);
}

TEST_F(PassthroughFsTest, CreatesAndWritesFiles)
{
    auto& fuse = start_share();
    auto created = fuse.create(kRoot, "new.txt", O_WRONLY | O_CREAT, S_IFREG | 0640);
    ASSERT_EQ(created.error, 0);
    auto open = fuse_open_out {};
    std::memcpy(&open, created.payload.data() + sizeof(fuse_entry_out), sizeof(open));
    auto written = fuse.write(open.fh, 0, "guest bytes");
    ASSERT_EQ(written.error, 0);
    EXPECT_EQ(written.as<fuse_write_out>().size, 11u);
    EXPECT_EQ(read_file(root / "share" / "new.txt"), "guest bytes");
    EXPECT_EQ(stdfs::status(root / "share" / "new.txt").permissions(), stdfs::perms(0640));
}

TEST_F(PassthroughFsTest, ListsADirectory)
{
    auto& fuse = start_share();
    auto [handle, error] = fuse.open(kRoot, O_RDONLY, true);
    ASSERT_EQ(error, 0);
    for (bool plus : { false, true }) {
        auto answer = fuse.read(handle, 0, 4096, plus ? FUSE_READDIRPLUS : FUSE_READDIR);
        ASSERT_EQ(answer.error, 0);
        auto names = FuseClient::dirent_names(answer.payload, plus);
        std::sort(names.begin(), names.end());
        EXPECT_EQ(names, (std::vector<std::string> { ".", "..", "abs", "dir", "file.txt", "rel" }));
    }
}

TEST_F(PassthroughFsTest, ASmallListingGoesOnWhereItStopped)
{
    auto& fuse = start_share();
    auto [handle, error] = fuse.open(kRoot, O_RDONLY, true);
    ASSERT_EQ(error, 0);
    std::vector<std::string> all;
    uint64_t offset = 0;
    for (int round = 0; round < 20; ++round) {
        auto answer = fuse.read(handle, offset, 40, FUSE_READDIR);
        ASSERT_EQ(answer.error, 0);
        if (answer.payload.empty())
            break;
        fuse_dirent last {};
        for (size_t at = 0; at < answer.payload.size();) {
            std::memcpy(&last, answer.payload.data() + at, FUSE_NAME_OFFSET);
            all.emplace_back(reinterpret_cast<const char*>(answer.payload.data() + at + FUSE_NAME_OFFSET), last.namelen);
            at += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + last.namelen);
        }
        offset = last.off;
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, (std::vector<std::string> { ".", "..", "abs", "dir", "file.txt", "rel" }));
}

TEST_F(PassthroughFsTest, DotDotAndSlashesAreRefused)
{
    auto& fuse = start_share();
    EXPECT_EQ(fuse.lookup(kRoot, "..").second, EINVAL);
    EXPECT_EQ(fuse.lookup(kRoot, ".").second, EINVAL);
    EXPECT_EQ(fuse.lookup(kRoot, "dir/inner").second, EINVAL);
    EXPECT_EQ(fuse.lookup(kRoot, "../outside").second, EINVAL);
    auto dir = fuse.entry(kRoot, "dir");
    EXPECT_EQ(fuse.lookup(dir.nodeid, "..").second, EINVAL);
    EXPECT_EQ(fuse.call(FUSE_MKDIR, kRoot, FuseClient::args(fuse_mkdir_in { 0755, 0 }, { "../escape" })).error, EINVAL);
    EXPECT_FALSE(stdfs::exists(root / "escape"));
}

TEST_F(PassthroughFsTest, AnAbsoluteLinkIsALinkAndLeadsNowhere)
{
    auto& fuse = start_share();
    auto link = fuse.entry(kRoot, "abs");
    EXPECT_TRUE(S_ISLNK(link.attr.mode));
    auto target = fuse.call(FUSE_READLINK, link.nodeid, {});
    EXPECT_EQ(std::string(target.payload.begin(), target.payload.end()), "/");
    // Nothing is looked up, opened or listed through it on the host.
    EXPECT_EQ(fuse.lookup(link.nodeid, "etc").second, ENOTDIR);
    EXPECT_EQ(fuse.open(link.nodeid, O_RDONLY, true).second, ENOTDIR);
    EXPECT_EQ(fuse.open(link.nodeid, O_RDONLY).second, EACCES);
}

TEST_F(PassthroughFsTest, ARelativeLinkOutIsNotFollowed)
{
    auto& fuse = start_share();
    auto link = fuse.entry(kRoot, "rel");
    EXPECT_TRUE(S_ISLNK(link.attr.mode));
    EXPECT_EQ(fuse.lookup(link.nodeid, "secret").second, ENOTDIR);
    // Nor through a change of its attributes or a hard link to it.
    fuse_setattr_in truncate {};
    truncate.valid = FATTR_SIZE;
    EXPECT_NE(fuse.call(FUSE_SETATTR, link.nodeid, FuseClient::args(truncate)).error, 0);
    EXPECT_EQ(read_file(root / "outside" / "secret"), "secret");
}

TEST_F(PassthroughFsTest, ALinkSwappedInForADirectoryIsNotFollowed)
{
    auto& fuse = start_share();
    auto dir = fuse.entry(kRoot, "dir");
    // The host replaces the directory by a link out between two lookups.
    stdfs::rename(root / "share" / "dir", root / "share" / "moved");
    stdfs::create_symlink(root / "outside", root / "share" / "dir");
    auto again = fuse.entry(kRoot, "dir");
    EXPECT_TRUE(S_ISLNK(again.attr.mode));
    EXPECT_NE(again.nodeid, dir.nodeid);
    EXPECT_EQ(fuse.lookup(again.nodeid, "secret").second, ENOTDIR);
    // The node looked up before still names the real directory, whatever its name now.
    EXPECT_EQ(fuse.lookup(dir.nodeid, "secret").second, ENOENT);
    EXPECT_EQ(fuse.lookup(dir.nodeid, "inner").second, 0);
}

TEST_F(PassthroughFsTest, CreatingThroughALinkNeverWritesOutside)
{
    auto& fuse = start_share();
    auto link = fuse.entry(kRoot, "rel");
    EXPECT_EQ(fuse.create(link.nodeid, "planted", O_WRONLY, S_IFREG | 0644).error, ENOTDIR);
    // A link planted where the guest creates: O_CREAT never follows it.
    stdfs::create_symlink(root / "outside" / "made", root / "share" / "trap");
    EXPECT_NE(fuse.create(kRoot, "trap", O_WRONLY, S_IFREG | 0644).error, 0);
    EXPECT_FALSE(stdfs::exists(root / "outside" / "made"));
    EXPECT_FALSE(stdfs::exists(root / "outside" / "planted"));
}

TEST_F(PassthroughFsTest, AReadOnlyExportRefusesEveryChange)
{
    auto& fuse = start_share(true);
    auto file = fuse.entry(kRoot, "file.txt");
    EXPECT_EQ(fuse.create(kRoot, "new", O_WRONLY, S_IFREG | 0644).error, EROFS);
    EXPECT_EQ(fuse.call(FUSE_MKDIR, kRoot, FuseClient::args(fuse_mkdir_in { 0755, 0 }, { "d" })).error, EROFS);
    EXPECT_EQ(fuse.call(FUSE_UNLINK, kRoot, FuseClient::names({ "file.txt" })).error, EROFS);
    EXPECT_EQ(fuse.call(FUSE_RMDIR, kRoot, FuseClient::names({ "dir" })).error, EROFS);
    EXPECT_EQ(fuse.call(FUSE_SYMLINK, kRoot, FuseClient::names({ "l", "x" })).error, EROFS);
    EXPECT_EQ(fuse.call(FUSE_RENAME, kRoot, FuseClient::args(fuse_rename_in { kRoot }, { "file.txt", "b" })).error, EROFS);
    EXPECT_EQ(fuse.call(FUSE_LINK, kRoot, FuseClient::args(fuse_link_in { file.nodeid }, { "hard" })).error, EROFS);
    fuse_setattr_in chmod {};
    chmod.valid = FATTR_MODE;
    chmod.mode = 0777;
    EXPECT_EQ(fuse.call(FUSE_SETATTR, file.nodeid, FuseClient::args(chmod)).error, EROFS);
    EXPECT_EQ(fuse.open(file.nodeid, O_WRONLY).second, EROFS);
    EXPECT_EQ(fuse.open(file.nodeid, O_RDONLY | O_TRUNC).second, EROFS);
    auto [handle, error] = fuse.open(file.nodeid, O_RDONLY);
    ASSERT_EQ(error, 0);
    EXPECT_EQ(fuse.write(handle, 0, "x").error, EROFS);
    fuse_access_in access { W_OK, 0 };
    EXPECT_EQ(fuse.call(FUSE_ACCESS, file.nodeid, FuseClient::args(access)).error, EROFS);
    EXPECT_EQ(read_file(root / "share" / "file.txt"), "hello");
    EXPECT_EQ(stdfs::status(root / "share" / "file.txt").permissions(), stdfs::perms(0644));
}

TEST_F(PassthroughFsTest, UnknownNodesAndHandlesAreRefused)
{
    auto& fuse = start_share();
    EXPECT_EQ(fuse.lookup(12345, "file.txt").second, ENOENT);
    EXPECT_EQ(fuse.call(FUSE_GETATTR, 0, FuseClient::args(fuse_getattr_in {})).error, ENOENT);
    EXPECT_EQ(fuse.call(FUSE_GETATTR, ~uint64_t(0), FuseClient::args(fuse_getattr_in {})).error, ENOENT);
    EXPECT_EQ(fuse.open(999, O_RDONLY).second, ENOENT);
    EXPECT_EQ(fuse.read(77, 0, 10).error, EBADF);
    EXPECT_EQ(fuse.write(77, 0, "x").error, EBADF);
    EXPECT_EQ(fuse.call(FUSE_RELEASE, 0, FuseClient::args(fuse_release_in { 77, 0, 0, 0 })).error, EBADF);
    // A forgotten node is gone; the root is never forgotten.
    auto file = fuse.entry(kRoot, "file.txt");
    EXPECT_EQ(fuse.call(FUSE_FORGET, file.nodeid, FuseClient::args(fuse_forget_in { 1 })).error, -1);
    EXPECT_EQ(fuse.call(FUSE_GETATTR, file.nodeid, FuseClient::args(fuse_getattr_in {})).error, ENOENT);
    EXPECT_EQ(fuse.call(FUSE_FORGET, kRoot, FuseClient::args(fuse_forget_in { 100 })).error, -1);
    EXPECT_EQ(fuse.call(FUSE_GETATTR, kRoot, FuseClient::args(fuse_getattr_in {})).error, 0);
}

TEST_F(PassthroughFsTest, BatchForgetStopsAtItsArguments)
{
    auto& fuse = start_share();
    auto file = fuse.entry(kRoot, "file.txt");
    fuse_batch_forget_in batch { 1000000, 0 };
    auto bytes = FuseClient::args(batch);
    fuse_forget_one one { file.nodeid, 1 };
    auto more = FuseClient::args(one);
    bytes.insert(bytes.end(), more.begin(), more.end());
    EXPECT_EQ(fuse.call(FUSE_BATCH_FORGET, 0, bytes).error, -1);
    EXPECT_EQ(fuse.lookup(kRoot, "dir").second, 0);
    EXPECT_EQ(fuse.call(FUSE_GETATTR, file.nodeid, FuseClient::args(fuse_getattr_in {})).error, ENOENT);
}

TEST_F(PassthroughFsTest, OversizeLengthsAreBounded)
{
    auto& fuse = start_share();
    auto file = fuse.entry(kRoot, "file.txt");
    auto [handle, error] = fuse.open(file.nodeid, O_RDWR);
    ASSERT_EQ(error, 0);
    // A read larger than the reply buffers is cut to them.
    auto answer = fuse.call(FUSE_READ, 0, FuseClient::args(fuse_read_in { handle, 0, UINT32_MAX, 0, 0, 0, 0 }), {}, sizeof(fuse_out_header) + 3);
    EXPECT_EQ(answer.error, 0);
    EXPECT_EQ(answer.payload.size(), 3u);
    // A write whose size is not its payload, or beyond the largest, is refused.
    fuse_write_in write {};
    write.fh = handle;
    write.size = 100;
    EXPECT_EQ(fuse.call(FUSE_WRITE, 0, FuseClient::args(write), { 'a', 'b' }).error, EINVAL);
    write.size = FuseServer::kMaxWrite + 1;
    EXPECT_EQ(fuse.call(FUSE_WRITE, 0, FuseClient::args(write), std::vector<uint8_t>(write.size)).error, EINVAL);
    // Offsets past what off_t holds.
    EXPECT_EQ(fuse.read(handle, UINT64_MAX, 10).error, EINVAL);
    EXPECT_EQ(fuse.write(handle, UINT64_MAX, "x").error, EINVAL);
    fuse_setattr_in grow {};
    grow.valid = FATTR_SIZE;
    grow.size = UINT64_MAX;
    EXPECT_EQ(fuse.call(FUSE_SETATTR, file.nodeid, FuseClient::args(grow)).error, EFBIG);
    // Arguments shorter than their struct.
    EXPECT_EQ(fuse.call(FUSE_READ, 0, { 1, 2, 3 }).error, EINVAL);
    EXPECT_EQ(fuse.call(FUSE_SETATTR, file.nodeid, { 1 }).error, EINVAL);
    // A reply that does not fit its buffers.
    EXPECT_EQ(fuse.call(FUSE_LOOKUP, kRoot, FuseClient::names({ "file.txt" }), {}, sizeof(fuse_out_header) + 8).error, ERANGE);
    EXPECT_EQ(fuse.call(FUSE_LOOKUP, kRoot, FuseClient::names({ "file.txt" }), {}, 4).error, -1);
}

TEST_F(PassthroughFsTest, RequestsOutsideASessionAndUnknownOpcodes)
{
    auto opened = open_exports({ { (root / "share").string(), "", false } });
    ASSERT_TRUE(opened.ok());
    FuseServer fresh(PassthroughFs::create(opened.release_value()).release_value(), false);
    FuseClient fuse(fresh);
    EXPECT_EQ(fuse.lookup(kRoot, "file.txt").second, EIO);
    ASSERT_EQ(fuse.init(), 0);
    EXPECT_TRUE(fresh.session_active());
    EXPECT_EQ(fuse.call(4242, kRoot, {}).error, ENOSYS);
    EXPECT_EQ(fuse.call(FUSE_GETXATTR, kRoot, {}).error, ENOSYS);
    EXPECT_EQ(fuse.call(FUSE_DESTROY, 0, {}).error, 0);
    EXPECT_FALSE(fresh.session_active());
    EXPECT_EQ(fuse.lookup(kRoot, "file.txt").second, EIO);
    fuse_init_in old {};
    old.major = 6;
    EXPECT_EQ(fuse.call(FUSE_INIT, 0, FuseClient::args(old)).error, EPROTO);
}

TEST_F(PassthroughFsTest, NamedExportsSitUnderASyntheticRoot)
{
    stdfs::create_directories(root / "second");
    write_file(root / "second" / "two", "2");
    auto& fuse = start({ { (root / "share").string(), "one", false }, { (root / "second").string(), "two", true } });
    auto [handle, error] = fuse.open(kRoot, O_RDONLY, true);
    ASSERT_EQ(error, 0);
    auto listing = fuse.read(handle, 0, 4096, FUSE_READDIRPLUS);
    EXPECT_EQ(FuseClient::dirent_names(listing.payload, true), (std::vector<std::string> { ".", "..", "one", "two" }));
    auto one = fuse.entry(kRoot, "one");
    EXPECT_EQ(fuse.lookup(one.nodeid, "file.txt").second, 0);
    auto two = fuse.entry(kRoot, "two");
    EXPECT_EQ(fuse.create(two.nodeid, "x", O_WRONLY, S_IFREG | 0644).error, EROFS);
    EXPECT_EQ(fuse.create(one.nodeid, "x", O_WRONLY, S_IFREG | 0644).error, 0);
    // The synthetic root itself cannot change, and a rename between exports is refused.
    EXPECT_EQ(fuse.call(FUSE_MKDIR, kRoot, FuseClient::args(fuse_mkdir_in { 0755, 0 }, { "three" })).error, EROFS);
    EXPECT_EQ(fuse.call(FUSE_RENAME, one.nodeid, FuseClient::args(fuse_rename_in { two.nodeid }, { "x", "y" })).error, EROFS);
    EXPECT_EQ(fuse.lookup(kRoot, "three").second, ENOENT);
}

TEST_F(PassthroughFsTest, AShareWithNoExportIsAnEmptyRoot)
{
    auto& fuse = start({});
    auto [handle, error] = fuse.open(kRoot, O_RDONLY, true);
    ASSERT_EQ(error, 0);
    auto listing = fuse.read(handle, 0, 4096, FUSE_READDIR);
    EXPECT_EQ(FuseClient::dirent_names(listing.payload, false), (std::vector<std::string> { ".", ".." }));
    EXPECT_EQ(fuse.lookup(kRoot, "anything").second, ENOENT);
    EXPECT_EQ(fuse.call(FUSE_GETATTR, kRoot, FuseClient::args(fuse_getattr_in {})).error, 0);
}

TEST_F(PassthroughFsTest, FilesAreOwnedByTheGuestCaller)
{
    if (!may_switch_credentials())
        GTEST_SKIP() << "needs CAP_SETUID and CAP_SETGID";
    stdfs::permissions(root / "share", stdfs::perms(0777));
    auto& fuse = start_share();
    fuse.uid = 1234;
    fuse.gid = 1234;
    ASSERT_EQ(fuse.create(kRoot, "mine", O_WRONLY, S_IFREG | 0644).error, 0);
    ASSERT_EQ(fuse.call(FUSE_MKDIR, kRoot, FuseClient::args(fuse_mkdir_in { 0755, 0 }, { "mydir" })).error, 0);
    struct stat status {};
    ASSERT_EQ(::stat((root / "share" / "mine").c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 1234u);
    EXPECT_EQ(status.st_gid, 1234u);
    ASSERT_EQ(::stat((root / "share" / "mydir").c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 1234u);
    // The host checks the caller's rights: root's 0644 file is not user 1234's to write.
    auto file = fuse.entry(kRoot, "file.txt");
    EXPECT_EQ(fuse.open(file.nodeid, O_WRONLY).second, EACCES);
    fuse_access_in access { W_OK, 0 };
    EXPECT_EQ(fuse.call(FUSE_ACCESS, file.nodeid, FuseClient::args(access)).error, EACCES);
    // And the thread is itself again afterwards.
    EXPECT_EQ(::setfsuid(uid_t(-1)), int(::geteuid()));
}

TEST_F(PassthroughFsTest, RenamesLinksAndRemoves)
{
    auto& fuse = start_share();
    EXPECT_EQ(fuse.call(FUSE_RENAME, kRoot, FuseClient::args(fuse_rename_in { kRoot }, { "file.txt", "renamed" })).error, 0);
    EXPECT_TRUE(stdfs::exists(root / "share" / "renamed"));
    fuse_rename2_in noreplace { kRoot, RENAME_NOREPLACE, 0 };
    EXPECT_EQ(fuse.call(FUSE_RENAME2, kRoot, FuseClient::args(noreplace, { "renamed", "dir" })).error, EEXIST);
    fuse_rename2_in whiteout { kRoot, RENAME_WHITEOUT, 0 };
    EXPECT_EQ(fuse.call(FUSE_RENAME2, kRoot, FuseClient::args(whiteout, { "renamed", "w" })).error, EINVAL);
    auto file = fuse.entry(kRoot, "renamed");
    auto linked = fuse.call(FUSE_LINK, kRoot, FuseClient::args(fuse_link_in { file.nodeid }, { "hard" }));
    ASSERT_EQ(linked.error, 0);
    EXPECT_EQ(linked.as<fuse_entry_out>().nodeid, file.nodeid);
    EXPECT_EQ(stdfs::hard_link_count(root / "share" / "hard"), 2u);
    auto symlinked = fuse.call(FUSE_SYMLINK, kRoot, FuseClient::names({ "sym", "/etc/passwd" }));
    ASSERT_EQ(symlinked.error, 0);
    EXPECT_EQ(stdfs::read_symlink(root / "share" / "sym"), "/etc/passwd");
    EXPECT_EQ(fuse.call(FUSE_UNLINK, kRoot, FuseClient::names({ "sym" })).error, 0);
    EXPECT_EQ(fuse.call(FUSE_RMDIR, kRoot, FuseClient::names({ "dir" })).error, ENOTEMPTY);
    EXPECT_FALSE(stdfs::is_symlink(root / "share" / "sym"));
}

TEST_F(PassthroughFsTest, MakesFifosButNoDeviceNodes)
{
    auto& fuse = start_share();
    EXPECT_EQ(fuse.call(FUSE_MKNOD, kRoot, FuseClient::args(fuse_mknod_in { S_IFIFO | 0644, 0, 0, 0 }, { "pipe" })).error, 0);
    EXPECT_TRUE(stdfs::is_fifo(root / "share" / "pipe"));
    EXPECT_EQ(fuse.call(FUSE_MKNOD, kRoot, FuseClient::args(fuse_mknod_in { S_IFBLK | 0666, 0x0800, 0, 0 }, { "sda" })).error, EPERM);
    EXPECT_EQ(fuse.call(FUSE_MKNOD, kRoot, FuseClient::args(fuse_mknod_in { S_IFCHR | 0666, 0x0101, 0, 0 }, { "mem" })).error, EPERM);
    EXPECT_FALSE(stdfs::exists(root / "share" / "sda"));
    // A FIFO is the guest's to open in its own kernel; the server never opens it on the host.
    auto pipe = fuse.entry(kRoot, "pipe");
    EXPECT_EQ(fuse.open(pipe.nodeid, O_RDONLY).second, EACCES);
}
