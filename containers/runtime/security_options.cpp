#include "containers/runtime/security_options.h"

namespace vmlet {

namespace {

// "KEY=VALUE", or Docker's older "KEY:VALUE" (still accepted by the docker CLI); no value: "KEY".
std::pair<std::string_view, std::optional<std::string_view>> split_option(std::string_view text)
{
    auto separator = text.find_first_of("=:");
    if (separator == std::string_view::npos)
        return { text, std::nullopt };
    return { text.substr(0, separator), text.substr(separator + 1) };
}

}

Result<void> apply_security_opt(SecurityOptions& options, std::string_view value, const ProfileReader& read_profile)
{
    auto [key, argument] = split_option(value);
    if (key == "no-new-privileges") {
        if (!argument || *argument == "true")
            options.no_new_privileges = true;
        else if (*argument == "false")
            options.no_new_privileges = false;
        else
            return make_error("invalid --security-opt {}: no-new-privileges takes true or false", value);
        return {};
    }
    if (key == "seccomp") {
        if (!argument || argument->empty())
            return make_error("invalid --security-opt {}: give seccomp=unconfined or seccomp=PROFILE.json", value);
        if (*argument == "unconfined") {
            options.seccomp = SeccompMode::Unconfined;
            options.seccomp_profile.clear();
            return {};
        }
        options.seccomp_profile = TRY_CONTEXT(read_profile(std::string(*argument)), "--security-opt seccomp");
        options.seccomp = SeccompMode::Profile;
        return {};
    }
    if (key == "apparmor" || key == "label" || key == "systempaths" || key == "mask" || key == "unmask")
        return make_error("--security-opt {} is not supported by vmlet (seccomp= and no-new-privileges are)", key);
    return make_error("invalid --security-opt {}: vmlet knows seccomp= and no-new-privileges", value);
}

Result<void> check_vm_security(const SecurityOptions& options)
{
    auto refuse = [](std::string_view what) {
        return make_error("vm isolation does not apply {} (the VM is the container's boundary there): use --isolation=process", what);
    };
    if (!options.cap_drop.empty())
        return refuse("--cap-drop");
    if (options.read_only_rootfs)
        return refuse("--read-only");
    if (options.seccomp == SeccompMode::Profile)
        return refuse("a seccomp profile");
    if (options.no_new_privileges.value_or(false))
        return refuse("no-new-privileges");
    return {};
}

}
