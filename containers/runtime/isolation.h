#pragma once

#include "vmm/base/result.h"

#include <string_view>

namespace vmlet {

// How a container is isolated, as Windows' `docker run --isolation=hyperv|process`: a microVM of its
// own with its own kernel, or namespaces and cgroups on the host's kernel. Chosen in one place
// (sandbox_factory.h); everything else asks the record.
enum class Isolation { Process, Vm };

// "process" or "vm", as the command line, the records and `ps` spell them.
std::string_view isolation_name(Isolation isolation);

// The reverse; an error that names the flag and the choices.
Result<Isolation> parse_isolation(std::string_view name);

// VMLET_ISOLATION when set, else vm: the safer one is the default.
Result<Isolation> default_isolation();

}
