// `vmlet cp` both ways, for each isolation, on the run tests' image and store (run_test.h): docker
// cp's rules for files, directories, "DIR/." and tar streams, and that a symlink the container
// plants never leads cp to the host's files (in a VM, the guest's tar runs in the container's
// root, and what it sends the host is unpacked by the same checks as a process container's).
#include "tests/integration/run_test.h"

#include "tests/support/command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path)
{
    std::ifstream file(path);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& path, const std::string& text)
{
    std::ofstream(path) << text;
}

size_t line_count(const std::string& text)
{
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// What the container planted before it said "ready": a tree, and symlinks that on the host would
// lead to the host's /etc, one absolute and one relative.
const char* kPlanting = "mkdir -p /data/sub && echo inside > /data/sub/f && echo top > /data/top && ln -s /etc /hostetc && "
                        "ln -s ../../../../../../etc /data/rel && echo ready && exec sleep 600";

}

TEST_P(RunTest, CpCopiesBothWaysByDockersRules)
{
    ASSERT_EQ(run({ "-d", "--name", "box", "app:1", "sh", "-c", kPlanting }).exit_code, 0);
    for (int attempt = 0; attempt < 300 && vmlet({ "logs", "box" }).out != "ready\n"; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(vmlet({ "logs", "box" }).out, "ready\n");
    TemporaryDirectory host;

    // Out: a file to a new name, into a directory; a directory into one, as itself, or its contents.
    ASSERT_EQ(vmlet({ "cp", "box:/data/sub/f", host.file("out.txt") }).exit_code, 0);
    EXPECT_EQ(read_text(host.file("out.txt")), "inside\n");
    fs::create_directory(host.file("into"));
    ASSERT_EQ(vmlet({ "cp", "box:/data/top", host.file("into") }).exit_code, 0);
    EXPECT_EQ(read_text(host.file("into/top")), "top\n");
    ASSERT_EQ(vmlet({ "cp", "box:/data", host.file("into") + "/" }).exit_code, 0);
    EXPECT_EQ(read_text(host.file("into/data/sub/f")), "inside\n");
    ASSERT_EQ(vmlet({ "cp", "box:/data", host.file("copy") }).exit_code, 0);
    EXPECT_EQ(read_text(host.file("copy/sub/f")), "inside\n");
    ASSERT_EQ(vmlet({ "cp", "box:/data/.", host.file("into") }).exit_code, 0);
    EXPECT_EQ(read_text(host.file("into/sub/f")), "inside\n");
    // The container's symlinks come out as symlinks, unfollowed.
    EXPECT_TRUE(fs::is_symlink(host.file("copy/rel")));
    EXPECT_EQ(fs::read_symlink(host.file("copy/rel")), "../../../../../../etc");
    // To standard output, a tar of it under its own name.
    auto listed = run_command({ "bash", "-c", "\"$0\" --root \"$1\" cp box:/data/sub - | tar -tf -", vmlet_binary(), s_store->root() });
    EXPECT_EQ(listed.out, "sub/\nsub/f\n") << listed.err;

    // In: a file to a new name, a directory into one, a tar from standard input.
    write_text(host.file("in.txt"), "from the host\n");
    ASSERT_EQ(vmlet({ "cp", host.file("in.txt"), "box:/tmp/in.txt" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "exec", "box", "cat", "/tmp/in.txt" }).out, "from the host\n");
    ASSERT_EQ(vmlet({ "cp", host.file("copy"), "box:/tmp/" }).exit_code, 0);
    EXPECT_EQ(vmlet({ "exec", "box", "cat", "/tmp/copy/sub/f" }).out, "inside\n");
    auto piped = run_command({ "bash", "-c", "cd \"$2\" && tar -cf - in.txt into | \"$0\" --root \"$1\" cp - box:/srv", vmlet_binary(), s_store->root(), host.path() });
    EXPECT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_EQ(vmlet({ "exec", "box", "cat", "/srv/in.txt", "/srv/into/top" }).out, "from the host\ntop\n");

    // Bad input: one line, exit 125.
    for (const auto& arguments : std::vector<std::vector<std::string>> { { "cp", "box:/no/such", host.file("x") }, { "cp", host.file("in.txt"), host.file("y") },
             { "cp", "box:/data", host.file("in.txt") }, { "cp", "nobox:/data", host.file("z") }, { "cp", "box:/data/top", host.file("none") + "/" } }) {
        auto failed = vmlet(arguments);
        EXPECT_EQ(failed.exit_code, 125) << arguments[1];
        EXPECT_EQ(line_count(failed.err), 1u) << failed.err;
    }
    EXPECT_FALSE(fs::exists(host.file("x")) || fs::exists(host.file("y")) || fs::exists(host.file("z")) || fs::exists(host.file("none")));
}

TEST_P(RunTest, CpNeverFollowsTheContainersSymlinksToTheHost)
{
    ASSERT_EQ(run({ "-d", "--name", "planted", "app:1", "sh", "-c", kPlanting }).exit_code, 0);
    for (int attempt = 0; attempt < 300 && vmlet({ "logs", "planted" }).out != "ready\n"; attempt++)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    TemporaryDirectory host;
    auto containers_passwd = vmlet({ "exec", "planted", "cat", "/etc/passwd" }).out;
    ASSERT_NE(containers_passwd.find("app:x:1000"), std::string::npos);
    ASSERT_NE(containers_passwd, read_text("/etc/passwd"));
    // Reading through either link gives the container's /etc/passwd.
    for (const char* through : { "planted:/hostetc/passwd", "planted:/data/rel/passwd" }) {
        fs::remove(host.file("passwd"));
        ASSERT_EQ(vmlet({ "cp", through, host.file("passwd") }).exit_code, 0) << through;
        EXPECT_EQ(read_text(host.file("passwd")), containers_passwd) << through;
    }
    // Writing through them lands in the container's /etc, and the host's has no such file.
    auto marker = "vmlet-cp-marker-" + std::to_string(::getpid());
    write_text(host.file(marker), "planted\n");
    for (const char* through : { "planted:/hostetc/", "planted:/data/rel/" }) {
        auto copied = vmlet({ "cp", host.file(marker), through });
        EXPECT_EQ(copied.exit_code, 0) << copied.err;
        EXPECT_FALSE(fs::exists("/etc/" + marker)) << through;
        EXPECT_EQ(vmlet({ "exec", "planted", "cat", "/etc/" + marker }).out, "planted\n") << through;
        EXPECT_EQ(vmlet({ "exec", "planted", "rm", "/etc/" + marker }).exit_code, 0);
    }
    // A tar whose entry goes through the container's symlink is refused, not followed.
    const std::string make_tar = "import io, sys, tarfile\n"
                                 "out = tarfile.open(fileobj=sys.stdout.buffer, mode='w|')\n"
                                 "data = b'through the link\\n'\n"
                                 "entry = tarfile.TarInfo('hostetc/' + sys.argv[1]); entry.size = len(data)\n"
                                 "out.addfile(entry, io.BytesIO(data)); out.close()\n";
    auto tarred = run_command({ "bash", "-c", "python3 -c \"$2\" \"$3\" | \"$0\" --root \"$1\" cp - planted:/", vmlet_binary(), s_store->root(), make_tar, marker });
    EXPECT_FALSE(fs::exists("/etc/" + marker));
    if (GetParam() == "process") {
        EXPECT_EQ(tarred.exit_code, 125) << tarred.err;
        EXPECT_NE(tarred.err.find("symlink"), std::string::npos) << tarred.err;
        EXPECT_NE(vmlet({ "exec", "planted", "ls", "/etc/" + marker }).exit_code, 0);
    } else {
        // The guest's tar unpacks in the container's root, where the link leads to its own /etc.
        EXPECT_EQ(tarred.exit_code, 0) << tarred.err;
        EXPECT_EQ(vmlet({ "exec", "planted", "cat", "/etc/" + marker }).out, "through the link\n");
    }
    // A stopped process container's files are copied from and to its writable layer, through the
    // same checks; a stopped VM container's are on its VM's disk: a one-line refusal.
    ASSERT_EQ(vmlet({ "stop", "-t", "1", "planted" }, { .timeout = std::chrono::seconds(60) }).exit_code, 0);
    auto stopped = vmlet({ "cp", "planted:/data", host.file("after") });
    if (GetParam() == "vm") {
        EXPECT_EQ(stopped.exit_code, 125);
        EXPECT_EQ(line_count(stopped.err), 1u) << stopped.err;
        EXPECT_FALSE(fs::exists(host.file("after")));
        return;
    }
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(read_text(host.file("after/sub/f")), "inside\n");
    EXPECT_EQ(fs::read_symlink(host.file("after/rel")), "../../../../../../etc");
    ASSERT_EQ(vmlet({ "cp", host.file(marker), "planted:/hostetc/" }).exit_code, 0);
    EXPECT_FALSE(fs::exists("/etc/" + marker));
    EXPECT_EQ(vmlet({ "cp", "planted:/etc/" + marker, host.file("back") }).exit_code, 0);
    EXPECT_EQ(read_text(host.file("back")), "planted\n");
    // Nothing of the copy's stays mounted on the host.
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(s_store->root() + "/containers/"), std::string::npos);
}

}
