#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

// Running the outside tools tests lean on (skopeo, docker-registry). Every child dies with the
// test process (PR_SET_PDEATHSIG), so a crashed test leaves no registry behind.
namespace vmlet::test {

struct CommandResult {
    int exit_code { -1 }; // -1 when killed by the timeout; 128 + signal when killed by one
    std::string out;
    std::string err;
};

// Runs `argv` (argv[0] looked up in PATH) to completion, capturing its output; kills it after
// `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(120));

// A child left running with its stdout and stderr appended to `log_path`; killed (SIGTERM, then
// SIGKILL after 5 s) and reaped on destruction.
class BackgroundProcess {
public:
    BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path);
    ~BackgroundProcess();
    BackgroundProcess(const BackgroundProcess&) = delete;
    BackgroundProcess& operator=(const BackgroundProcess&) = delete;

    // False once the child has exited (and then it is reaped).
    bool running();
    pid_t pid() const { return m_pid; }

private:
    pid_t m_pid { -1 };
};

}
