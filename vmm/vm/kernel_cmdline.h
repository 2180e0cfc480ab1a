#pragma once

#include "vmm/base/result.h"

#include <string>
#include <vector>

namespace vmlet {

// The kernel passes at most CONFIG_INIT_ENV_ARG_LIMIT (32) arguments to init, argv[0] included.
constexpr size_t kMaxInitArguments = 31;

enum class HostKind {
    Kvm,
    Pvm, // needs the guest flags in pvm_guest_flags()
};

// Flags a Linux guest needs on a PVM host: keep it off instructions the host's emulator cannot run
// and tell our kernel patches to step around the rest (shared/ENVIRONMENT.md, guest/kernel/patches).
std::string_view pvm_guest_flags();

// Percent-encodes one argument for init's argv: the kernel splits its command line on spaces and
// interprets quotes and '=', so every byte outside [A-Za-z0-9._/:,+@-] becomes %XX
// (guest/init decodes it).
std::string encode_init_argument(std::string_view argument);

// The guest command line: vmlet's console and reboot settings, the host's flags, the user's extra
// text, then "-- " and the encoded command for init.
Result<std::string> build_kernel_command_line(HostKind host, const std::string& extra, const std::vector<std::string>& command);

}
