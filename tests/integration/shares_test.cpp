// virtio-fs shares seen from a real guest on KVM: host files read in the guest, guest writes on
// the host with the caller's owner, a read-only share refusing writes, and links planted on the
// host that lead out of the share reaching nothing outside it.
#include "tests/integration/real_guest.h"
#include "tests/support/temporary_directory.h"

#include <fmt/format.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace vmlet::test {

namespace {

std::string read_text(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// DIR/outside/secret, which no guest may reach, and DIR/share with a file and links out of it.
class Shares : public RealGuest {
protected:
    void SetUp() override
    {
        RealGuest::SetUp();
        if (IsSkipped())
            return;
        share = directory.file("share");
        outside = directory.file("outside");
        std::filesystem::create_directories(share);
        std::filesystem::create_directories(outside);
        // Open to every guest user: the host decides with the caller's own IDs.
        std::filesystem::permissions(share, std::filesystem::perms::all);
        std::filesystem::permissions(directory.path(), std::filesystem::perms(0755));
        write_text(share + "/from-host.txt", "host-bytes-for-the-guest");
        write_text(outside + "/secret", "host-secret-outside-the-share");
        std::filesystem::create_symlink("/", share + "/escape");
        std::filesystem::create_symlink("../outside", share + "/rel");
    }

    TemporaryDirectory directory;
    std::string share, outside;
};

}

TEST_F(Shares, AGuestReadsAndWritesAShareAsItsCallerAndNeverLeavesIt)
{
    // Jailed, as vmlet runs VM containers: the server keeps a file server's capabilities only.
    auto script = fmt::format(
        "mkdir -p /share && mount -t virtiofs data /share && cat /share/from-host.txt && echo; "
        "printf guest-wrote-these-bytes > /share/from-guest.txt; "
        "echo 'u:x:1234:1234::/:/bin/sh' >> /etc/passwd; "
        "su -s /bin/sh u -c 'printf by-user > /share/by-user.txt; echo user-append >> /share/from-host.txt'; "
        "cat /share/rel/secret /share/escape{0}/secret /share/../secret; "
        "echo planted > /share/rel/planted; ls /share/escape{0}; "
        "echo end-of-share-test",
        outside);
    auto result = boot({ "--jail", "--share", share + ":data", "--", "sh", "-c", script });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("host-bytes-for-the-guest"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("end-of-share-test"), std::string::npos) << result.out;
    EXPECT_EQ(read_text(share + "/from-guest.txt"), "guest-wrote-these-bytes");
    struct stat status {};
    ASSERT_EQ(::stat((share + "/by-user.txt").c_str(), &status), 0) << result.out;
    EXPECT_EQ(status.st_uid, 1234u);
    EXPECT_EQ(status.st_gid, 1234u);
    EXPECT_EQ(read_text(share + "/by-user.txt"), "by-user");
    // Root's 0644 file is not user 1234's to change: the host checked with the caller's IDs.
    EXPECT_EQ(read_text(share + "/from-host.txt"), "host-bytes-for-the-guest");
    // Nothing outside the share was read or written.
    EXPECT_EQ(result.out.find("host-secret-outside-the-share"), std::string::npos) << result.out;
    EXPECT_FALSE(std::filesystem::exists(outside + "/planted"));
    EXPECT_EQ(std::filesystem::read_symlink(share + "/escape"), "/");
}

TEST_F(Shares, AReadOnlyShareRefusesWritesAndNamedExportsSitSideBySide)
{
    auto other = directory.file("other");
    std::filesystem::create_directories(other);
    write_text(other + "/two.txt", "second-export");
    auto script =
        "mkdir -p /ro /named && mount -t virtiofs frozen /ro && mount -t virtiofs named /named && cat /ro/from-host.txt && echo; "
        "echo x > /ro/new.txt || echo create-refused; echo x >> /ro/from-host.txt || echo append-refused; "
        "rm /ro/from-host.txt || echo remove-refused; mkdir /ro/d || echo mkdir-refused; "
        "ls /named; cat /named/two/two.txt; echo; echo x > /named/two/more.txt || echo named-ro-refused; "
        "printf into-one > /named/one/written.txt && echo end-of-ro-test";
    auto result = boot({ "--share", share + ":frozen,ro", "--share", share + ":named,name=one", "--share", other + ":named,ro,name=two", "--", "sh", "-c",
        script });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    for (const char* refused : { "create-refused", "append-refused", "remove-refused", "mkdir-refused", "named-ro-refused", "second-export",
             "end-of-ro-test" })
        EXPECT_NE(result.out.find(refused), std::string::npos) << refused << "\n" << result.out;
    EXPECT_EQ(read_text(share + "/from-host.txt"), "host-bytes-for-the-guest");
    EXPECT_FALSE(std::filesystem::exists(share + "/new.txt"));
    EXPECT_FALSE(std::filesystem::exists(other + "/more.txt"));
    EXPECT_EQ(read_text(share + "/written.txt"), "into-one");
}

}
