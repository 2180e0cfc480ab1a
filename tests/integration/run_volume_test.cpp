// Volumes, for each isolation: host directories (-v HOST:PATH, --mount type=bind), named volumes
// and tmpfs reach the container; what it writes is on the host with its uid; read-only refuses
// writes; a volume one isolation wrote the other reads; symlinks in a shared directory never lead
// to a host file outside it; and bad mount options are one-line errors that leave nothing behind.
#include "tests/integration/run_test.h"

#include "tests/support/temporary_directory.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_text(const std::string& path, const std::string& text)
{
    std::ofstream(path) << text;
}

// The other isolation than the test's, for "what one wrote, the other reads".
std::string other_isolation(const std::string& isolation)
{
    return isolation == "vm" ? "process" : "vm";
}

}

TEST_P(RunTest, AHostDirectoryIsSharedBothWaysWithTheWritersUid)
{
    TemporaryDirectory host;
    auto shared = host.file("shared");
    fs::create_directory(shared);
    write_text(shared + "/from-host.txt", "written by the host\n");
    auto ran = run({ "--rm", "-u", "1234:1234", "-v", shared + ":/data", "app:1", "sh", "-c",
        "cat /data/from-host.txt && echo 'written by the container' > /data/mine/from-container.txt" },
        { .timeout = std::chrono::seconds(240) });
    // The container's user may not write in a directory of root's: the host's permissions hold.
    EXPECT_NE(ran.exit_code, 0);
    EXPECT_NE(ran.out.find("written by the host"), std::string::npos) << ran.out << ran.err;

    fs::create_directory(shared + "/mine");
    ASSERT_EQ(::chown((shared + "/mine").c_str(), 1234, 1234), 0);
    ran = run({ "--rm", "-u", "1234:1234", "--mount", "type=bind,source=" + shared + ",target=/data", "app:1", "sh", "-c",
        "echo 'written by the container' > /data/mine/from-container.txt" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(read_text(shared + "/mine/from-container.txt"), "written by the container\n");
    struct stat status {};
    ASSERT_EQ(::stat((shared + "/mine/from-container.txt").c_str(), &status), 0);
    EXPECT_EQ(status.st_uid, 1234u);
    EXPECT_EQ(status.st_gid, 1234u);

    auto read_only = run({ "--rm", "-v", shared + ":/data:ro", "app:1", "sh", "-c", "cat /data/from-host.txt; echo no > /data/from-host.txt" },
        { .timeout = std::chrono::seconds(240) });
    EXPECT_NE(read_only.exit_code, 0);
    EXPECT_NE(read_only.out.find("written by the host"), std::string::npos) << read_only.err;
    EXPECT_NE(read_only.err.find("Read-only file system"), std::string::npos) << read_only.err;
    EXPECT_EQ(read_text(shared + "/from-host.txt"), "written by the host\n");
}

// A symlink in a shared directory is the container's to follow in its own root: neither a
// relative one that climbs out nor an absolute one reaches the host's file beside the share.
TEST_P(RunTest, SymlinksInASharedDirectoryNeverLeadToTheHost)
{
    TemporaryDirectory host;
    auto shared = host.file("shared");
    fs::create_directory(shared);
    write_text(host.file("secret"), "the host's secret\n");
    fs::create_symlink("../secret", shared + "/climbs");
    fs::create_symlink(host.file("secret"), shared + "/absolute");
    fs::create_directory_symlink("/", shared + "/root");
    auto ran = run({ "--rm", "-v", shared + ":/data", "app:1", "sh", "-c",
        "cat /data/climbs /data/absolute /data/root" + host.file("secret") + " 2>&1; echo changed > /data/climbs; echo changed > /data/absolute;"
        " echo changed > /data/root" + host.file("secret") + "; cat /data/../secret 2>&1; true" },
        { .timeout = std::chrono::seconds(240) });
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(ran.out.find("the host's secret"), std::string::npos) << ran.out;
    EXPECT_EQ(read_text(host.file("secret")), "the host's secret\n");
    // The links are still links, to where they pointed.
    EXPECT_EQ(fs::read_symlink(shared + "/climbs"), "../secret");
    EXPECT_TRUE(fs::is_symlink(shared + "/absolute"));
}

// A named volume outlives its containers, and what one isolation wrote the other reads; `volume
// rm` refuses it while a container (stopped ones too) uses it.
TEST_P(RunTest, ANamedVolumeKeepsItsDataForTheOtherIsolation)
{
    if (!kvm_available())
        GTEST_SKIP() << "needs both isolations: no /dev/kvm";
    auto wrote = run({ "--name", "writer", "-v", "shared-data:/keep", "app:1", "sh", "-c", "echo kept by " + GetParam() + " > /keep/note; id -u > /keep/uid" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(wrote.exit_code, 0) << wrote.err;
    auto refused = vmlet({ "volume", "rm", "shared-data" });
    EXPECT_EQ(refused.exit_code, 125);
    EXPECT_NE(refused.err.find("volume shared-data is in use by container writer"), std::string::npos) << refused.err;
    EXPECT_EQ(vmlet({ "rm", "writer" }).exit_code, 0);

    auto read = vmlet({ "run", "--rm", "--isolation", other_isolation(GetParam()), "--mount", "type=volume,source=shared-data,target=/here,readonly",
                          "app:1", "cat", "/here/note", "/here/uid" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(read.exit_code, 0) << read.err;
    EXPECT_EQ(read.out, "kept by " + GetParam() + "\n0\n");

    auto listed = vmlet({ "volume", "ls" });
    EXPECT_NE(listed.out.find("shared-data"), std::string::npos) << listed.out;
    auto inspected = vmlet({ "volume", "inspect", "shared-data" });
    ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
    auto json = nlohmann::json::parse(inspected.out);
    EXPECT_EQ(json[0]["Name"], "shared-data");
    EXPECT_EQ(read_text(json[0]["Mountpoint"].get<std::string>() + "/note"), "kept by " + GetParam() + "\n");
    EXPECT_EQ(vmlet({ "volume", "rm", "shared-data" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "volume", "inspect", "shared-data" }).exit_code, 125);
}

// --tmpfs and an anonymous volume: the tmpfs has the mode asked for and its files are nowhere on
// the host; the anonymous volume goes with its --rm container, a named one stays.
TEST_P(RunTest, TmpfsAndAnonymousVolumes)
{
    auto ran = run({ "--rm", "--tmpfs", "/scratch:size=1m,mode=0770", "-v", "/anonymous", "-v", "named-one:/named", "app:1", "sh", "-c",
        "stat -c %a /scratch; echo x > /scratch/f; df -k /scratch | tail -1 | awk '{print $2}'; touch /anonymous/a /named/n" },
        { .timeout = std::chrono::seconds(240) });
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(ran.out, "770\n1024\n");
    auto listed = vmlet({ "volume", "ls" });
    EXPECT_EQ(listed.out, "DRIVER     VOLUME NAME\nlocal      named-one\n");
    EXPECT_EQ(vmlet({ "volume", "prune" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "volume", "ls" }).out, "DRIVER     VOLUME NAME\n");
}

TEST_P(RunTest, MountOptionsAreChecked)
{
    TemporaryDirectory host;
    for (const auto& [arguments, message] : std::vector<std::pair<std::vector<std::string>, std::string>> {
             { { "-v", "bad name:/x" }, "-v: 'bad name' is not a volume name" },
             { { "-v", "/a:/b:rx" }, "-v: unknown option 'rx'" },
             { { "-v", host.file("missing") + ":/x" }, "bind source path does not exist: " + host.file("missing") },
             { { "--mount", "type=nfs,target=/x" }, "--mount: unknown type 'nfs'" },
             { { "--mount", "type=bind,target=/x" }, "--mount: a bind needs source=" },
             { { "--tmpfs", "/t:exec" }, "--tmpfs: unknown option 'exec'" },
             { { "-v", host.path() + ":relative" }, "mount target 'relative' is not an absolute path" },
             { { "-v", host.path() + ":/x", "-v", "v1:/x/" }, "duplicate mount point: /x" },
             { { "-v", host.path() + ":/proc/x" }, "mount target /proc/x: nothing can be mounted under /proc" },
             { { "-v", host.path() + ":/a", "--tmpfs", "/a/b" }, "mount target /a/b is inside mount target /a" },
         }) {
        auto arguments_with_image = arguments;
        arguments_with_image.insert(arguments_with_image.end(), { "app:1", "true" });
        auto refused = run(arguments_with_image);
        EXPECT_EQ(refused.exit_code, 125) << message;
        EXPECT_NE(refused.err.find(message), std::string::npos) << refused.err;
        EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
    }
    EXPECT_EQ(vmlet({ "ps", "-a", "-q" }).out, "");
    EXPECT_EQ(vmlet({ "volume", "ls" }).out, "DRIVER     VOLUME NAME\n");
}

}
