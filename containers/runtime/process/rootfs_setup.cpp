#include "containers/runtime/process/rootfs_setup.h"

#include "vmm/base/file.h"
#include "containers/runtime/process/masked_paths.h"
#include "containers/runtime/run_spec.h"
#include "containers/runtime/rootfs_path.h"
#include "containers/runtime/sysctl_spec.h"
#include "containers/runtime/user_lookup.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>

namespace vmlet {

namespace {

constexpr size_t max_etc_file = 1 << 20;

bool has_variable(const std::vector<std::string>& env, std::string_view name)
{
    return std::any_of(env.begin(), env.end(),
        [&](const std::string& variable) { return variable.starts_with(name) && variable.size() > name.size() && variable[name.size()] == '='; });
}

Result<void> write_state_files(const ContainerSpec& spec, const std::string& hostname)
{
    TRY(replace_file(spec.rootfs.state_dir + "/hostname", hostname + "\n"));
    TRY(replace_file(spec.rootfs.state_dir + "/hosts", spec.etc_hosts));
    TRY(replace_file(spec.rootfs.state_dir + "/resolv.conf", spec.etc_resolv_conf));
    return {};
}

// /dev as Docker and runc lay it out: a small tmpfs with the safe host devices bound in, a private devpts
// instance, shared memory, and the usual links (OCI runtime spec, "Default Devices" and "Default Filesystems").
// Unlike theirs, the tmpfs is nodev, as every other mount of the container but devpts: each bound device
// is a mount of its own, which keeps the host's /dev's flags, and no other node there can be opened.
void add_dev_steps(std::vector<InitStep>& steps, const std::string& dev)
{
    steps.push_back(mount_step("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=755,size=65536k", "mount tmpfs on /dev"));
    for (const char* name : { "null", "zero", "full", "random", "urandom", "tty" }) {
        auto target = fmt::format("{}/{}", dev, name);
        steps.push_back(simple_step(InitStep::Kind::MakeFile, {}, target, fmt::format("create /dev/{}", name)));
        steps.push_back(mount_step(fmt::format("/dev/{}", name), target, "", MS_BIND, "", fmt::format("bind /dev/{}", name)));
    }
    steps.push_back(simple_step(InitStep::Kind::MakeDirectory, {}, dev + "/pts", "create /dev/pts"));
    steps.push_back(mount_step("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620,gid=5", "mount devpts on /dev/pts"));
    steps.push_back(simple_step(InitStep::Kind::Symlink, "pts/ptmx", dev + "/ptmx", "link /dev/ptmx"));
    steps.push_back(simple_step(InitStep::Kind::MakeDirectory, {}, dev + "/shm", "create /dev/shm"));
    steps.push_back(mount_step("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k",
        "mount tmpfs on /dev/shm"));
    for (auto [link, target] : { std::pair { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
             { "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" } })
        steps.push_back(simple_step(InitStep::Kind::Symlink, target, fmt::format("{}/{}", dev, link), fmt::format("link /dev/{}", link)));
}

Result<std::string> host_directory(int root_fd, std::string_view path)
{
    auto fd = TRY(make_directories_in_root(root_fd, path, 0755));
    return host_path_of(fd.get());
}

Result<std::string> host_file(int root_fd, std::string_view path)
{
    auto fd = TRY(make_file_in_root(root_fd, path));
    return host_path_of(fd.get());
}

unsigned long mount_flags(const MountSpec& mount)
{
    return (mount.read_only ? MS_RDONLY : 0) | (mount.no_exec ? MS_NOEXEC : 0) | (mount.no_suid ? MS_NOSUID : 0);
}

// -v, --mount and --tmpfs, mounted over the root once /proc, /sys, /dev and /etc's files are in place.
// Each mount point is made in the container's own layer, resolved in its root (rootfs_path.h);
// Container::create has refused targets that one of these mounts would hide (check_mount_targets).
Result<void> add_volume_steps(std::vector<InitStep>& steps, int root_fd, const std::vector<MountSpec>& mounts)
{
    for (const auto& mount : mounts) {
        auto what = fmt::format("mount {} on {}", mount.kind == MountSpec::Kind::Tmpfs ? std::string("a tmpfs") : mount.host_path, mount.target);
        if (mount.kind == MountSpec::Kind::Tmpfs) {
            auto target = TRY(host_directory(root_fd, mount.target));
            auto data = fmt::format("mode={:o}", mount.tmpfs_mode.value_or(01777));
            if (mount.tmpfs_size)
                data += fmt::format(",size={}", *mount.tmpfs_size);
            steps.push_back(mount_step("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | mount_flags(mount), data, what));
            continue;
        }
        struct stat status {};
        if (::stat(mount.host_path.c_str(), &status) < 0)
            return errno_error(fmt::format("bind source {}", mount.host_path));
        auto target = S_ISDIR(status.st_mode) ? TRY(host_directory(root_fd, mount.target)) : TRY(host_file(root_fd, mount.target));
        // nodev as every mount of the container but its /dev's nodes (issue 13); ro, noexec and
        // nosuid when asked.
        auto step = simple_step(InitStep::Kind::Bind, mount.host_path, target, what);
        step.flags = MS_NODEV | mount_flags(mount);
        steps.push_back(std::move(step));
    }
    return {};
}

}

Result<InitPlan> prepare_container(const ContainerSpec& spec, const std::string& id, const std::string& rootfs)
{
    if (spec.args.empty() || spec.args.front().empty())
        return make_error("no command to run");
    auto working_dir = spec.working_dir.empty() ? std::string("/") : spec.working_dir;
    if (working_dir.front() != '/')
        return make_error("the working directory {} is not an absolute path", working_dir);

    auto root = TRY(open_file(rootfs, O_PATH | O_DIRECTORY));
    auto passwd = TRY(read_file_in_root(root.get(), "/etc/passwd", max_etc_file));
    auto group = TRY(read_file_in_root(root.get(), "/etc/group", max_etc_file));
    auto user = TRY(resolve_exec_user(spec.user, passwd, group));

    InitPlan plan;
    plan.rootfs = rootfs;
    plan.read_only_root = spec.security.read_only_rootfs;
    plan.hostname = spec.hostname.empty() ? id.substr(0, 12) : spec.hostname;
    plan.tty = spec.terminal.has_value();
    plan.terminal_size = spec.terminal.value_or(TerminalSize {});
    plan.uid = user.uid;
    plan.gid = user.gid;
    plan.supplementary_gids.assign(user.supplementary_gids.begin(), user.supplementary_gids.end());
    plan.security = TRY(resolve_process_security(spec.security));
    plan.working_dir = working_dir;
    plan.args = spec.args;
    plan.env = spec.env;
    if (!has_variable(plan.env, "HOME"))
        plan.env.push_back("HOME=" + user.home);
    plan.command = spec.args.front();
    plan.path_search = plan.command.find('/') == std::string::npos;
    if (plan.path_search) {
        auto path = path_variable(spec.env);
        size_t start = 0;
        while (start <= path.size()) {
            auto end = std::min(path.find(':', start), path.size());
            if (end > start)
                plan.exec_candidates.push_back(fmt::format("{}/{}", path.substr(start, end - start), plan.command));
            start = end + 1;
        }
    } else {
        plan.exec_candidates.push_back(plan.command);
    }
    plan.not_found = fmt::format("exec: \"{}\": executable file not found in $PATH", plan.command);
    plan.command = fmt::format("exec: \"{}\"", plan.command);
    finish_init_plan(plan);

    bool own_etc_files = spec.rootfs.bundle_root.empty();
    if (own_etc_files)
        TRY(write_state_files(spec, plan.hostname));
    // The working directory is created as Docker does, owned by root (moby SetupWorkingDirectory).
    TRY_CONTEXT(make_directories_in_root(root.get(), working_dir, 0755), "the working directory");

    auto proc = TRY(host_directory(root.get(), "/proc"));
    auto sys = TRY(host_directory(root.get(), "/sys"));
    auto dev = TRY(host_directory(root.get(), "/dev"));
    plan.steps.push_back(mount_step("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "mount proc on /proc"));
    // Before the masks make /proc/sys read-only; the container's init is in its namespaces already.
    for (const auto& [name, value] : spec.sysctls) {
        auto step = simple_step(InitStep::Kind::WriteFile, {}, TRY(sysctl_file(proc, name)), fmt::format("set sysctl {}", name));
        step.data = value;
        plan.steps.push_back(std::move(step));
    }
    // sysfs shows the new network namespace's devices; where the kernel refuses it, a read-only bind of the
    // host's (without its submounts: /sys/fs/cgroup must stay out of reach).
    auto sysfs = mount_step("sysfs", sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "", "mount sysfs on /sys");
    sysfs.fallback_source = "/sys";
    plan.steps.push_back(std::move(sysfs));
    if (!spec.security.privileged) {
        auto protections = path_protection_steps(proc, sys);
        plan.steps.insert(plan.steps.end(), protections.begin(), protections.end());
    }
    add_dev_steps(plan.steps, dev);
    // With --read-only these are read-only too, as Docker's (moby container.NetworkMounts: writable
    // unless ReadonlyRootfs).
    for (const char* name : { "hosts", "hostname", "resolv.conf" }) {
        if (!own_etc_files)
            break;
        auto target = TRY(host_file(root.get(), fmt::format("/etc/{}", name)));
        auto source = fmt::format("{}/{}", spec.rootfs.state_dir, name);
        auto what = fmt::format("bind /etc/{}", name);
        if (spec.security.read_only_rootfs) {
            auto step = simple_step(InitStep::Kind::BindReadOnly, source, target, what);
            step.flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
            plan.steps.push_back(std::move(step));
        } else {
            plan.steps.push_back(mount_step(source, target, "", MS_BIND, "", what));
        }
    }
    TRY(add_volume_steps(plan.steps, root.get(), spec.mounts));
    return plan;
}

}
