#include "containers/runtime/exec_request.h"

#include "containers/runtime/run_spec.h"

#include <algorithm>
#include <cstdlib>

namespace vmlet {

Result<ContainerSpec> exec_process(const ContainerRecord& record, const ExecRequest& request, const ExecUser& user)
{
    if (request.args.empty())
        return make_error("exec: give a command to run in {}", record.name);
    ContainerSpec process;
    process.args = request.args;
    process.env = record.env;
    TRY(apply_environment_overrides(process.env, request.env, [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
    }));
    auto has = [&](std::string_view name) {
        return std::any_of(process.env.begin(), process.env.end(), [&](const std::string& v) { return v.starts_with(name); });
    };
    if (!has("HOME="))
        process.env.push_back("HOME=" + user.home);
    if (request.terminal && !has("TERM="))
        process.env.push_back("TERM=xterm");
    process.working_dir = request.working_dir.value_or(record.working_dir.empty() ? "/" : record.working_dir);
    if (!process.working_dir.starts_with('/'))
        return make_error("the working directory '{}' is invalid: it needs to be an absolute path", process.working_dir);
    process.user = request.user.value_or(record.user);
    TRY(check_process_strings(process));
    return process;
}

}
