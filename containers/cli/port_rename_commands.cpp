#include "containers/cli/port_rename_commands.h"

#include "containers/runtime/container_store.h"
#include "vmm/base/exit_status.h"

#include <fmt/format.h>

#include <memory>
#include <string>

namespace vmlet {

namespace {

std::string protocol_name(PortMapping::Protocol protocol)
{
    return protocol == PortMapping::Protocol::Udp ? "udp" : "tcp";
}

// Docker's lines: "80/tcp -> 0.0.0.0:8080", or with a port asked for, "0.0.0.0:8080". A stopped
// container has no ports published (Docker shows none either).
Result<void> show_ports(const std::string& root, const std::string& name, const std::string& asked)
{
    auto store = TRY(ContainerStore::open(root));
    auto record = TRY(store.find(name));
    std::string wanted = asked;
    if (!wanted.empty() && wanted.find('/') == std::string::npos)
        wanted += "/tcp";
    std::string lines;
    if (record.state == ContainerState::Running && record.config) {
        for (const auto& port : record.config->ports) {
            auto private_port = fmt::format("{}/{}", port.container_port, protocol_name(port.protocol));
            if (wanted.empty())
                lines += fmt::format("{} -> {}:{}\n", private_port, port.host_ip, port.host_port);
            else if (private_port == wanted)
                lines += fmt::format("{}:{}\n", port.host_ip, port.host_port);
        }
    }
    if (!wanted.empty() && lines.empty())
        return make_error("no public port '{}' published for {}", wanted, record.name);
    fmt::print("{}", lines);
    return {};
}

Result<void> rename(const std::string& root, const std::string& name, const std::string& new_name)
{
    auto store = TRY(ContainerStore::open(root));
    auto record = TRY(store.find(name));
    return store.rename(record, new_name);
}

}

std::vector<Command> add_port_rename_commands(CLI::App& app, const GlobalOptions& global)
{
    auto port_args = std::make_shared<std::pair<std::string, std::string>>();
    auto* port = app.add_subcommand("port", "List a running container's published ports, or the one a private port is published on");
    port->add_option("container", port_args->first, "Container name or id")->required();
    port->add_option("private-port", port_args->second, "PORT[/tcp|/udp]");
    auto rename_args = std::make_shared<std::pair<std::string, std::string>>();
    auto* rename_command = app.add_subcommand("rename", "Rename a container");
    rename_command->add_option("container", rename_args->first, "Container name or id")->required();
    rename_command->add_option("new-name", rename_args->second, "Its new name")->required();
    return {
        { port, [port_args, &global] {
             auto shown = show_ports(global.root, port_args->first, port_args->second);
             return shown.ok() ? 0 : fail(shown.error().message());
         } },
        { rename_command, [rename_args, &global] {
             auto renamed = rename(global.root, rename_args->first, rename_args->second);
             return renamed.ok() ? 0 : fail(renamed.error().message());
         } },
    };
}

}
