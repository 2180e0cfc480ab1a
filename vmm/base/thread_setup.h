#pragma once

#include "vmm/base/result.h"

#include <functional>

namespace vmlet {

// What a thread of the VM runs first, before anything the guest can reach: vmm/sandbox installs
// the thread's seccomp filter there. A thread whose setup fails runs nothing of the VM.
using ThreadSetup = std::function<Result<void>()>;

}
