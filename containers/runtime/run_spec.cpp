#include "containers/runtime/run_spec.h"

#include <fmt/format.h>

#include <algorithm>

namespace vmlet {

namespace {


std::string_view key_of(std::string_view variable)
{
    return variable.substr(0, variable.find('='));
}

// Sets `variable` in `env`, replacing one of the same name where it stands.
void set(std::vector<std::string>& env, std::string variable)
{
    auto key = key_of(variable);
    auto same = std::find_if(env.begin(), env.end(), [&](const std::string& existing) { return key_of(existing) == key; });
    if (same != env.end())
        *same = std::move(variable);
    else
        env.push_back(std::move(variable));
}

}

Result<void> apply_environment_overrides(std::vector<std::string>& env, const std::vector<std::string>& overrides, const HostEnvironment& host)
{
    for (const auto& variable : overrides) {
        if (variable.empty() || variable.front() == '=')
            return make_error("invalid environment variable '{}'", variable);
        if (variable.find('=') != std::string::npos) {
            set(env, variable);
        } else if (auto value = host(variable)) {
            set(env, fmt::format("{}={}", variable, *value));
        }
    }
    return {};
}

std::string path_variable(const std::vector<std::string>& env)
{
    for (auto it = env.rbegin(); it != env.rend(); ++it) {
        if (it->starts_with("PATH="))
            return it->substr(5);
    }
    return std::string(kDefaultPath);
}

Result<ContainerSpec> resolve_run_spec(const image::ImageConfig& config, const RunOptions& options, const std::string& container_id,
    const HostEnvironment& host_environment)
{
    ContainerSpec spec;
    std::vector<std::string> entrypoint = config.entrypoint;
    std::vector<std::string> command = config.cmd;
    if (options.entrypoint) {
        entrypoint = options.entrypoint->empty() ? std::vector<std::string> {} : std::vector<std::string> { *options.entrypoint };
        command.clear();
    }
    if (!options.command.empty())
        command = options.command;
    spec.args = entrypoint;
    spec.args.insert(spec.args.end(), command.begin(), command.end());
    if (spec.args.empty())
        return make_error("no command specified: the image has no Entrypoint or Cmd, and none was given");

    spec.hostname = options.hostname.empty() ? container_id.substr(0, 12) : options.hostname;
    set(spec.env, "PATH=" + std::string(kDefaultPath));
    set(spec.env, fmt::format("HOSTNAME={}", spec.hostname));
    if (options.tty)
        set(spec.env, "TERM=xterm");
    for (const auto& variable : config.env)
        set(spec.env, variable);
    TRY(apply_environment_overrides(spec.env, options.env_file, host_environment));
    TRY(apply_environment_overrides(spec.env, options.env, host_environment));

    const std::string& working_dir = options.working_dir ? *options.working_dir : config.working_dir;
    if (!working_dir.empty() && !working_dir.starts_with('/'))
        return make_error("the working directory '{}' is invalid: it needs to be an absolute path", working_dir);
    spec.working_dir = working_dir.empty() ? std::string("/") : working_dir;
    spec.user = options.user.value_or(config.user);
    if (options.tty)
        spec.terminal = TerminalSize {}; // the caller knows its terminal's size
    TRY(check_process_strings(spec));
    return spec;
}

Result<void> check_process_strings(const ContainerSpec& spec)
{
    auto has_nul = [](std::string_view text) { return text.find('\0') != std::string_view::npos; };
    for (const auto& arg : spec.args) {
        if (has_nul(arg))
            return make_error("the command has a NUL byte in an argument");
    }
    for (const auto& variable : spec.env) {
        if (has_nul(variable))
            return make_error("the environment has a NUL byte in {}", variable.substr(0, variable.find('\0')));
    }
    for (auto [name, value] : { std::pair { "working directory", &spec.working_dir }, std::pair { "user", &spec.user }, std::pair { "hostname", &spec.hostname } }) {
        if (has_nul(*value))
            return make_error("the {} has a NUL byte", name);
    }
    return {};
}

Result<std::vector<std::string>> parse_env_file(std::string_view text)
{
    std::vector<std::string> variables;
    size_t number = 0;
    while (!text.empty()) {
        number++;
        auto end = text.find('\n');
        auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        auto first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#')
            continue;
        line.remove_prefix(first);
        if (line.front() == '=' || key_of(line).find_first_of(" \t") != std::string_view::npos)
            return make_error("line {}: '{}' is not KEY=VALUE", number, line);
        variables.emplace_back(line);
    }
    return variables;
}

}
