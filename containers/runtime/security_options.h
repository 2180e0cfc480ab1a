#pragma once

#include "vmm/base/result.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// Which seccomp filter a container's processes run under.
enum class SeccompMode {
    Default,    // Docker's default profile (process/seccomp_default.h)
    Unconfined, // none: --security-opt seccomp=unconfined, --privileged
    Profile,    // SecurityOptions::seccomp_profile
};

// What a container's processes may do, beyond Docker's defaults or short of them (docker run
// reference, "Runtime privilege and Linux capabilities" and "--security-opt"). Carried from
// ContainerConfig to ContainerSpec and kept in the container's record, so that `vmlet exec`
// applies the same to every process it starts there.
struct SecurityOptions {
    bool privileged { false };             // --privileged
    std::vector<std::string> cap_add {};   // --cap-add: Docker's names, as given (NET_ADMIN, cap_net_admin, ALL)
    std::vector<std::string> cap_drop {};  // --cap-drop
    // no_new_privs (prctl(2), PR_SET_NO_NEW_PRIVS): unset means vmlet's default, which is to set it
    // (unlike Docker's); --security-opt no-new-privileges=false clears it.
    std::optional<bool> no_new_privileges {};
    SeccompMode seccomp { SeccompMode::Default };
    std::string seccomp_profile {};        // with SeccompMode::Profile: the profile's JSON, read at creation as Docker does
    bool read_only_rootfs { false };       // --read-only

    bool operator==(const SecurityOptions&) const = default;
};

// Reads a file's text: how apply_security_opt reads a seccomp profile (the caller's choice of
// limit and error).
using ProfileReader = std::function<Result<std::string>(const std::string& path)>;

// Applies one --security-opt value: seccomp=unconfined, seccomp=FILE (a profile in moby's JSON
// format), no-new-privileges, no-new-privileges=true|false; also in Docker's older KEY:VALUE form.
// Anything else (apparmor=, label=, systempaths=) is refused: vmlet has no such support.
Result<void> apply_security_opt(SecurityOptions& options, std::string_view value, const ProfileReader& read_profile);

// vm isolation's answer to the options: the VM is the boundary there, and the guest agent applies
// none of them. What only grants what a VM's container has anyway (its root keeps every capability,
// no filter, the VM's devices) is accepted: --privileged, --cap-add, seccomp=unconfined,
// no-new-privileges=false. A restriction the VM would not apply (--cap-drop, --read-only, a
// seccomp profile, no-new-privileges) is a one-line error rather than silently ignored.
Result<void> check_vm_security(const SecurityOptions& options);

}
