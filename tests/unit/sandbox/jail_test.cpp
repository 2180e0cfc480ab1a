// The monitor's jail, entered for real by a forked child (it needs root): the child reports what it
// can still see, write, reach and do, and the parent compares that with what the jail promises.
#include "tests/support/temporary_directory.h"
#include "vmm/sandbox/jail.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace vmlet;

namespace {

namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;

// "ok", or the errno's name, of a call that returned `result`.
std::string outcome(long result)
{
    if (result >= 0)
        return "ok";
    return strerrorname_np(errno);
}

// What a jailed process can do, one line each, in the child after enter_jail.
std::string observe(const std::string& scratch, int opened_before)
{
    std::string report;
    auto line = [&](const std::string& what, const std::string& seen) { report += what + ": " + seen + "\n"; };
    line("user", std::to_string(::getuid()) + ":" + std::to_string(::getgid()) + " groups " + std::to_string(::getgroups(0, nullptr)));
    char directory[4096] = {};
    line("working directory", ::getcwd(directory, sizeof directory) ? directory : "(none)");
    line("read shown", outcome(::access((scratch + "/shown/file").c_str(), R_OK)));
    line("write shown", outcome(::open((scratch + "/shown/new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)));
    line("write writable", outcome(::open((scratch + "/writable/new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)));
    line("hidden", outcome(::access((scratch + "/hidden/file").c_str(), F_OK)));
    line("/etc", outcome(::access("/etc/passwd", F_OK)));
    line("write root", outcome(::mkdir("/new", 0700)));
    char byte = 0;
    auto read = outcome(::pread(opened_before, &byte, 1, 0));
    line("opened before", read + " " + byte);
    int inet = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in loopback { .sin_family = AF_INET, .sin_port = htons(22), .sin_addr = { htonl(INADDR_LOOPBACK) }, .sin_zero = {} };
    line("connect loopback", outcome(::connect(inet, reinterpret_cast<sockaddr*>(&loopback), sizeof loopback)));
    line("mount", outcome(::mount("none", "/", "tmpfs", 0, nullptr)));
    line("become root", outcome(::setuid(0)));
    return report;
}

class Jail : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "the jail needs root";
        for (const char* name : { "shown", "writable", "hidden" }) {
            fs::create_directory(m_scratch.file(name));
            std::ofstream(m_scratch.file(name) + "/file") << "x";
        }
        ASSERT_EQ(::chown(m_scratch.file("writable").c_str(), kNobody, kNobody), 0);
    }

    // The report of a child that enters the jail in the scratch directory.
    std::string jailed_report()
    {
        int opened = ::open(m_scratch.file("hidden/file").c_str(), O_RDONLY | O_CLOEXEC);
        int report[2];
        EXPECT_EQ(::pipe2(report, O_CLOEXEC), 0);
        pid_t child = ::fork();
        if (child == 0) {
            ::close(report[0]);
            std::string text;
            if (::chdir(m_scratch.path().c_str()) < 0) {
                text = "chdir failed";
            } else {
                auto entered = enter_jail({ .uid = kNobody, .gid = kNobody,
                    .mounts = { { .path = m_scratch.file("shown"), .writable = false }, { .path = m_scratch.file("writable"), .writable = true } } });
                text = entered.ok() ? observe(m_scratch.path(), opened) : "enter_jail: " + entered.error().message();
            }
            (void)!::write(report[1], text.data(), text.size());
            ::_exit(0);
        }
        ::close(report[1]);
        ::close(opened);
        std::string text;
        char buffer[512];
        for (ssize_t count; (count = ::read(report[0], buffer, sizeof buffer)) > 0;)
            text.append(buffer, size_t(count));
        ::close(report[0]);
        int status = 0;
        EXPECT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
        return text;
    }

    vmlet::test::TemporaryDirectory m_scratch;
};

}

TEST_F(Jail, ShowsOnlyItsMountsToAnUnprivilegedUserWithoutANetwork)
{
    EXPECT_EQ(jailed_report(),
        "user: 65534:65534 groups 0\n"
        "working directory: " + m_scratch.path() + "\n"
        "read shown: ok\n"
        "write shown: EROFS\n"
        "write writable: ok\n"
        "hidden: ENOENT\n"
        "/etc: ENOENT\n"
        "write root: EROFS\n"
        "opened before: ok x\n"
        "connect loopback: ENETUNREACH\n"
        "mount: EPERM\n"
        "become root: EPERM\n");
    // The writable mount was the host's directory itself.
    EXPECT_TRUE(fs::exists(m_scratch.file("writable/new")));
    EXPECT_FALSE(fs::exists(m_scratch.file("shown/new")));
}
