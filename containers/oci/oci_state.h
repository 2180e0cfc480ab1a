#pragma once

#include "containers/runtime/container_store.h"

#include <nlohmann/json.hpp>

#include <string_view>

namespace vmlet::oci {

// A container's status as the OCI runtime spec names it (runtime.md "State"), with runc's
// "paused": created (its process waits for `start`), running, paused, or stopped.
enum class OciStatus { Created, Running, Paused, Stopped };

std::string_view oci_status_name(OciStatus status);

// What `record` is now: a created one whose container process has died is stopped, as is a
// running one whose monitor has (the store reads that as exited).
OciStatus oci_status(const ContainerStore& store, const ContainerRecord& record);

// `vmlet-runtime state`'s JSON: the spec's ociVersion, id, status, pid (while created or running:
// the container process, the one the --pid-file named), bundle and config.json's annotations,
// and runc's rootfs (root.path, absolute), created and owner, which go-runc (containerd's shim)
// reads too.
nlohmann::json oci_state_json(const ContainerStore& store, const ContainerRecord& record);

}
