#pragma once

#include "vmm/base/result.h"
#include "containers/runtime/security_options.h"

#include <cstdint>
#include <optional>
#include <string_view>

// What root inside a container may do: Docker's default capability set, changed by --cap-add,
// --cap-drop and --privileged, applied to the first process (container_init) and to `vmlet
// exec`'s (process_exec) alike. Masks are over CAP_* numbers (capabilities(7)).
namespace vmlet {

// Docker's default capability set (moby oci/caps/defaults.go).
uint64_t default_container_capabilities();

// CAP_SYS_ADMIN's number for "CAP_SYS_ADMIN"; nullopt for a name Linux does not have.
std::optional<int> capability_number(std::string_view name);

// The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap).
Result<int> last_capability();

// What a container can be given: the capabilities this kernel knows that vmlet's own process
// holds (capget(2)'s permitted set; a host may withhold some even from root, as this one does
// CAP_SYS_RESOURCE).
Result<uint64_t> available_capabilities();

// The container's set, by Docker's rules (moby oci/caps TweakCapabilities): --privileged gives all;
// else ALL in --cap-add gives all but --cap-drop's, ALL in --cap-drop gives only --cap-add's, and
// otherwise the defaults lose --cap-drop's and gain --cap-add's. Names are Docker's: any case,
// with or without CAP_. An unknown name, or one added that is not `available`, is an error;
// "all" and the defaults are taken within `available`.
Result<uint64_t> container_capabilities(const SecurityOptions& options, uint64_t available);

// Drops from the bounding set every capability up to `last` that `mask` lacks, so that no later
// execve(2) of a file capability can bring one back. System calls only: safe after fork.
bool drop_bounding_capabilities(uint64_t mask, int last);

// Sets the effective and permitted sets to `mask` and empties the inheritable and ambient ones,
// so that nothing passes to a program by inheritance (capabilities(7), "Transformation of
// capabilities during execve()"). Root keeps the container's set; for another uid the caller
// passes 0, what setuid(2) left anyway. System calls only: safe after fork.
bool set_capabilities(uint64_t mask);

}
