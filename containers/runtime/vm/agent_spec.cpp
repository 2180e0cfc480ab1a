#include "containers/runtime/vm/agent_spec.h"

#include <fmt/format.h>

#include <algorithm>

namespace vmlet {

namespace {

void field(std::string& out, char tag, std::string_view value)
{
    out += tag;
    out += value;
    out += '\0';
}

}

std::string encode_agent_spec(const ContainerSpec& spec, const ExecUser& user, const AgentSpecOptions& options)
{
    std::string fields;
    for (const auto& arg : spec.args)
        field(fields, 'a', arg);
    bool has_home = std::any_of(spec.env.begin(), spec.env.end(), [](const std::string& v) { return v.starts_with("HOME="); });
    for (const auto& variable : spec.env)
        field(fields, 'e', variable);
    // HOME from the image's /etc/passwd when the environment has none, as Docker does.
    if (!has_home)
        field(fields, 'e', "HOME=" + user.home);
    field(fields, 'w', spec.working_dir.empty() ? "/" : spec.working_dir);
    field(fields, 'u', fmt::format("{}:{}", user.uid, user.gid));
    for (auto gid : user.supplementary_gids)
        field(fields, 'g', std::to_string(gid));
    if (!spec.hostname.empty())
        field(fields, 'h', spec.hostname);
    if (spec.limits.pids_max)
        field(fields, 'p', std::to_string(*spec.limits.pids_max));
    if (options.stdin_attached)
        field(fields, 'i', "");
    if (options.loopback)
        field(fields, 'n', "");
    if (options.stream_port)
        field(fields, 'o', std::to_string(*options.stream_port));
    if (options.terminal)
        field(fields, 't', fmt::format("{}:{}", options.terminal->rows, options.terminal->cols));
    auto length = static_cast<uint32_t>(fields.size());
    std::string message;
    for (int shift = 0; shift < 32; shift += 8)
        message += static_cast<char>((length >> shift) & 0xff);
    return message + fields;
}

}
