#include "tests/integration/oci/oci_bundle.h"

#include "tests/support/command.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vmlet::test {

namespace {

void write_text(const std::string& path, const std::string& text)
{
    std::ofstream(path) << text;
}

}

OciBundle::OciBundle(std::vector<std::string> args, const std::string& isolation)
{
    namespace fs = std::filesystem;
    auto root = rootfs();
    for (const char* directory : { "bin", "etc", "proc", "sys", "dev", "tmp", "root" })
        fs::create_directories(root + "/" + directory);
    fs::copy_file("/bin/busybox", root + "/bin/busybox");
    auto applets = run_command({ "/bin/busybox", "--list" });
    std::istringstream names(applets.out);
    for (std::string name; std::getline(names, name);)
        if (!name.empty() && name != "busybox")
            fs::create_symlink("busybox", root + "/bin/" + name);
    write_text(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    write_text(root + "/etc/group", "root:x:0:\n");
    m_config = {
        { "ociVersion", "1.0.2" },
        { "process", { { "terminal", false }, { "user", { { "uid", 0 }, { "gid", 0 } } }, { "args", args },
                         { "env", { "PATH=/bin", "TERM=xterm" } }, { "cwd", "/" },
                         { "capabilities", { { "bounding", { "CAP_KILL", "CAP_CHOWN" } }, { "effective", { "CAP_KILL", "CAP_CHOWN" } },
                                               { "permitted", { "CAP_KILL", "CAP_CHOWN" } } } },
                         { "noNewPrivileges", true } } },
        { "root", { { "path", "rootfs" }, { "readonly", false } } },
        { "hostname", "oci-test" },
        { "mounts", { { { "destination", "/proc" }, { "type", "proc" }, { "source", "proc" } },
                        { { "destination", "/dev" }, { "type", "tmpfs" }, { "source", "tmpfs" } } } },
        { "annotations", { { "io.vmlet.isolation", isolation } } },
        { "linux", { { "namespaces", { { { "type", "pid" } }, { { "type", "network" } }, { { "type", "ipc" } }, { { "type", "uts" } },
                                          { { "type", "mount" } } } } } },
    };
    save();
}

void OciBundle::save() const
{
    write_text(m_directory.file("config.json"), m_config.dump(2));
}

std::string OciBundle::rootfs_tar() const
{
    auto tar = m_directory.file("rootfs.tar");
    auto made = run_command({ "tar", "-C", rootfs(), "-cf", tar, "." });
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return tar;
}

}
