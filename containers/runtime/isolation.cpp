#include "containers/runtime/isolation.h"

#include <cstdlib>

namespace vmlet {

std::string_view isolation_name(Isolation isolation)
{
    switch (isolation) {
    case Isolation::Process:
        return "process";
    case Isolation::Vm:
        return "vm";
    }
    return "unknown";
}

Result<Isolation> parse_isolation(std::string_view name)
{
    if (name == "vm")
        return Isolation::Vm;
    if (name == "process")
        return Isolation::Process;
    return make_error("--isolation must be vm or process, not '{}'", name);
}

Result<Isolation> default_isolation()
{
    const char* chosen = std::getenv("VMLET_ISOLATION");
    if (!chosen)
        return Isolation::Vm;
    return TRY_CONTEXT(parse_isolation(chosen), "VMLET_ISOLATION");
}

}
