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

void OciBundle::add_bind(const std::string& source, const std::string& destination, std::vector<std::string> options)
{
    m_config["mounts"].push_back({ { "destination", destination }, { "type", "bind" }, { "source", source }, { "options", std::move(options) } });
}

void OciBundle::save() const
{
    write_text(m_directory.file("config.json"), m_config.dump(2));
}

void bind_runnable_twice(OciBundle& bundle, const std::string& directory)
{
    write_text(directory + "/run", "#!/bin/sh\necho ran\n");
    std::filesystem::permissions(directory + "/run", std::filesystem::perms(0755));
    bundle.add_bind(directory, "/noexec", { "rbind", "noexec", "nosuid" });
    bundle.add_bind(directory, "/exec", { "rbind" });
    bundle.save();
}

void expect_mount_options_held(const std::string& output)
{
    // 126: the shell found the file and could not execute it.
    EXPECT_NE(output.find("refused=126\nran\n"), std::string::npos) << output;
    auto options_of = [&](const std::string& target) {
        auto line = output.find("\n" + target + " ");
        return line == std::string::npos ? std::string() : output.substr(line, output.find('\n', line + 1) - line);
    };
    auto no_exec = options_of("/noexec"), exec = options_of("/exec");
    EXPECT_NE(no_exec.find("noexec"), std::string::npos) << output;
    EXPECT_NE(no_exec.find("nosuid"), std::string::npos) << output;
    EXPECT_FALSE(exec.empty()) << output;
    EXPECT_EQ(exec.find("noexec"), std::string::npos) << output;
    EXPECT_EQ(exec.find("nosuid"), std::string::npos) << output;
}

std::string OciBundle::rootfs_tar() const
{
    auto tar = m_directory.file("rootfs.tar");
    auto made = run_command({ "tar", "-C", rootfs(), "-cf", tar, "." });
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return tar;
}

}
