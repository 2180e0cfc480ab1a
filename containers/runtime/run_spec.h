#pragma once

#include "vmm/base/result.h"
#include "containers/image/image_config.h"
#include "containers/runtime/container_spec.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// Docker's PATH for an image that sets none (moby daemon/oci/defaults.go: DefaultPathEnv).
inline constexpr std::string_view kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The PATH an environment's last PATH= gives, or Docker's default.
std::string path_variable(const std::vector<std::string>& env);

// What `vmlet run` was told about the process, before the image's config is applied.
struct RunOptions {
    std::optional<std::string> entrypoint {}; // --entrypoint ("" clears the image's)
    std::vector<std::string> command {};    // CMD ARGS... after the image name
    std::vector<std::string> env {};        // -e KEY=VALUE, or -e KEY to pass the host's value
    std::vector<std::string> env_file {};     // the lines of --env-file files, in order
    std::optional<std::string> working_dir {}; // -w
    std::optional<std::string> user {};       // -u
    std::string hostname {};                 // --hostname; empty means the short container id
    bool tty { false };                     // -t
};

// Looks up a variable of vmlet's own environment (std::getenv in production).
using HostEnvironment = std::function<std::optional<std::string>(const std::string& name)>;

// The process a container runs, by Docker's rules (docker run reference, "ENTRYPOINT", "CMD",
// "ENV"; OCI image spec config.md): argv is the entrypoint followed by the command; arguments
// after the image replace the image's Cmd; --entrypoint replaces its Entrypoint and drops its Cmd;
// -e and --env-file override the image's Env by name, later ones winning; PATH gets Docker's
// default when the image sets none, HOSTNAME names the container and TERM=xterm comes with -t;
// -w and -u replace WorkingDir and User. Fails, as `docker run` does, when no command is left or
// the working directory is relative.
Result<ContainerSpec> resolve_run_spec(const image::ImageConfig& config, const RunOptions& options, const std::string& container_id,
    const HostEnvironment& host_environment);

// A process's strings (arguments, environment, working directory, user, hostname) reach execve(2)
// and the guest agent's NUL-terminated fields: one with a NUL byte in it, which an image's JSON can
// hold ("\u0000"), would be cut there or smuggle in another field. Refused, naming which.
Result<void> check_process_strings(const ContainerSpec& spec);

// Applies -e values to `env` by name, in order: KEY=VALUE sets, KEY alone passes the host's value
// (and nothing when the host has none).
Result<void> apply_environment_overrides(std::vector<std::string>& env, const std::vector<std::string>& overrides,
    const HostEnvironment& host);

// The lines of an --env-file (docker run reference, "--env-file"): KEY=VALUE or KEY, with blank
// lines and lines starting with '#' skipped.
Result<std::vector<std::string>> parse_env_file(std::string_view text);

}
