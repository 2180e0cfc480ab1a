#include "tests/integration/oci/runtime_driver.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace vmlet::test {

using namespace std::chrono_literals;

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

void RuntimeDriver::SetUpTestSuite()
{
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void RuntimeDriver::SetUp()
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "containers need root (namespaces, cgroups)";
}

void RuntimeDriver::TearDown()
{
    if (::geteuid() != 0)
        return;
    for (const auto& id : m_ids)
        runtime({ "delete", "--force", id });
    // Nothing of a container is left on the host: no cgroup, no mount of its root.
    for (const auto& cgroup : vmlet_cgroups())
        ADD_FAILURE() << "cgroup left behind: " << cgroup;
    EXPECT_EQ(read_text("/proc/self/mountinfo").find(m_root.path()), std::string::npos);
}

ProcessResult RuntimeDriver::runtime(std::vector<std::string> arguments, ProcessOptions options)
{
    arguments.insert(arguments.begin(), { "--root", m_root.path() });
    options.binary = vmlet_runtime_binary();
    options.timeout = 300s;
    options.environment["VMLET_ROOT"] = m_vm_store.path();
    return run_vmlet(arguments, options);
}

int RuntimeDriver::create(const std::string& id, const OciBundle& bundle, const std::string& input)
{
    m_ids.push_back(id);
    std::ofstream(m_files.file("in")) << input;
    std::vector<std::string> arguments { vmlet_runtime_binary(), "--root", m_root.path(), "create", "--bundle", bundle.path(), "--pid-file", pid_file(), id };
    pid_t child = ::fork();
    if (child == 0) {
        ::dup2(::open(m_files.file("in").c_str(), O_RDONLY), 0);
        ::dup2(::open(out_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
        ::dup2(::open(err_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
        ::setenv("VMLET_ROOT", m_vm_store.path().c_str(), 1);
        std::vector<char*> argv;
        for (auto& word : arguments)
            argv.push_back(word.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    // A VM's first create builds its template: minutes under nested KVM.
    auto status = wait_exit(child, 600s);
    EXPECT_TRUE(status.has_value()) << "create did not return";
    return status.value_or(-1);
}

nlohmann::json RuntimeDriver::state(const std::string& id)
{
    auto result = runtime({ "state", id });
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out, nullptr, false);
}

pid_t RuntimeDriver::container_process()
{
    auto text = read_text(pid_file());
    EXPECT_FALSE(text.empty()) << "no pid file; create said: " << read_text(err_path());
    return text.empty() ? 0 : static_cast<pid_t>(std::stoi(text));
}

bool RuntimeDriver::output_shows(const std::string& text)
{
    for (int tries = 0; tries < 3000; ++tries) {
        if (read_text(out_path()).find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

}
