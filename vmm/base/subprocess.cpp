#include "vmm/base/subprocess.h"
#include "vmm/base/exit_status.h"
#include "vmm/base/file.h"

#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace vmlet {

Result<pid_t> spawn_process(const std::vector<std::string>& argv, const SpawnOptions& options)
{
    for (int fd : options.inherited_fds) {
        if (fd <= STDERR_FILENO)
            return make_error("cannot pass descriptor {} on to {}: 0-2 are its standard streams", fd, argv.front());
    }
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int sources[3] = { options.stdin_fd, options.stdout_fd, options.stderr_fd };
    for (int target = 0; target < 3; target++)
        posix_spawn_file_actions_adddup2(&actions, sources[target] >= 0 ? sources[target] : null.get(), target);
    // posix_spawn_file_actions_adddup2(3): with the same descriptor on both sides it clears
    // FD_CLOEXEC in the child only (POSIX.1-2017, glibc 2.29), leaving the caller's flag alone.
    for (int fd : options.inherited_fds)
        posix_spawn_file_actions_adddup2(&actions, fd, fd);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (options.own_process_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attributes, 0);
    }
    posix_spawnattr_setflags(&attributes, flags);
    std::vector<char*> pointers;
    for (const auto& arg : argv)
        pointers.push_back(const_cast<char*>(arg.c_str()));
    pointers.push_back(nullptr);
    pid_t pid = 0;
    int error = ::posix_spawnp(&pid, pointers[0], &actions, &attributes, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0)
        return errno_error(fmt::format("cannot run {}", argv.front()), error);
    return pid;
}

Result<int> wait_process(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return errno_error("waitpid");
    }
    return exit_status_from_wait_status(status);
}

Result<void> run_tool(const std::vector<std::string>& argv)
{
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) < 0)
        return errno_error("pipe");
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    auto pid = TRY(spawn_process(argv, { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = write_end.get(), .own_process_group = false }));
    write_end.reset();
    auto read = read_to_end(read_end.get(), 65536);
    auto errors = read.ok() ? read.release_value() : std::string();
    auto status = TRY(wait_process(pid));
    if (status == 0)
        return {};
    while (!errors.empty() && errors.back() == '\n')
        errors.pop_back();
    auto last = errors.rfind('\n');
    return make_error("{} failed (exit status {}){}{}", argv.front(), status, errors.empty() ? "" : ": ",
        last == std::string::npos ? errors : errors.substr(last + 1));
}

}
