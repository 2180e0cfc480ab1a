#include "containers/cli/foreground_container.h"

#include "containers/cli/raw_terminal.h"
#include "vmm/base/exit_status.h"

#include <unistd.h>

#include <optional>

namespace vmlet {

int run_in_foreground(Container& container, bool interactive, bool tty)
{
    std::optional<RawTerminal> raw;
    if (tty && interactive)
        raw.emplace();
    AttachOptions attach { .interactive = interactive, .terminal_size = {} };
    if (tty)
        attach.terminal_size = [] { return RawTerminal::size(); };
    auto status = container.run_attached(attach);
    raw.reset();
    if (!status.ok())
        return fail(status.error().message());
    return status.value();
}

int run_in_background(Container& container, const std::string& shown)
{
    auto started = container.run_detached();
    if (!started.ok())
        return fail(started.error().message());
    if (auto failure = started.value().start_failure) {
        (void)container.logs({}, -1, STDERR_FILENO);
        return *failure;
    }
    fmt::print("{}\n", shown);
    return 0;
}

}
