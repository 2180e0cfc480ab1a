#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/process/container_init.h"
#include "containers/runtime/container_spec.h"

#include <string>

namespace vmlet {

// The parent's share of starting a container, done while nothing runs in it yet: it writes the state
// directory's hosts, hostname and resolv.conf, creates the mount points and the working directory inside
// the (mounted) rootfs, resolves the user in the image's /etc/passwd, and describes in an InitPlan every
// step the child will take, so that the child only makes system calls. Descriptors are left to the caller.
Result<InitPlan> prepare_container(const ContainerSpec& spec, const std::string& id, const std::string& rootfs);

}
