#include "containers/cli/cp_command.h"

#include "containers/runtime/container_copy.h"

#include <signal.h>

#include <memory>
#include <optional>
#include <string>

namespace vmlet {

namespace {

struct CpOptions {
    std::string source, destination;
};

// "NAME:PATH" names a container's path; a local path with a colon is written ./a:b, as Docker asks.
std::optional<std::pair<std::string, std::string>> container_part(const std::string& argument)
{
    auto colon = argument.find(':');
    if (colon == std::string::npos || colon == 0 || argument.starts_with("/") || argument.starts_with("."))
        return std::nullopt;
    return std::pair { argument.substr(0, colon), argument.substr(colon + 1) };
}

Result<void> copy(const std::string& root, const CpOptions& options)
{
    auto from = container_part(options.source), to = container_part(options.destination);
    if (from && to)
        return make_error("copying between containers is not supported: one of SRC and DEST must be a local path");
    if (!from && !to)
        return make_error("one of SRC and DEST must name a container: CONTAINER:PATH");
    const auto& [name, path] = from ? *from : *to;
    if (path.empty())
        return make_error("give a path in the container: {}:PATH", name);
    auto store = TRY(ContainerStore::open(root));
    auto record = TRY(store.find(name));
    // A failed side of the copy closes its pipe: the other sees EPIPE and says so, rather than
    // vmlet dying of SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    if (from)
        return copy_from_container(root, record, path, options.destination);
    return copy_to_container(root, record, options.source, path);
}

}

Command add_cp_command(CLI::App& app, const GlobalOptions& global)
{
    auto options = std::make_shared<CpOptions>();
    auto* command = app.add_subcommand("cp", "Copy files between a container and the host (a tar stream with -)");
    command->add_option("source", options->source, "CONTAINER:SRC_PATH, or a host path, or - for a tar on standard input")->required();
    command->add_option("destination", options->destination, "A host path, or - for a tar on standard output, or CONTAINER:DEST_PATH")->required();
    return { command, [options, &global] {
                auto copied = copy(global.root, *options);
                return copied.ok() ? 0 : fail(copied.error().message());
            } };
}

}
