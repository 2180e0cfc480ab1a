#include "containers/oci/oci_state.h"

#include "containers/runtime/container_pause.h"

namespace vmlet::oci {

std::string_view oci_status_name(OciStatus status)
{
    switch (status) {
    case OciStatus::Created:
        return "created";
    case OciStatus::Running:
        return "running";
    case OciStatus::Paused:
        return "paused";
    case OciStatus::Stopped:
        return "stopped";
    }
    return "stopped";
}

OciStatus oci_status(const ContainerStore& store, const ContainerRecord& record)
{
    switch (record.state) {
    case ContainerState::Created:
        return monitor_alive(record) ? OciStatus::Created : OciStatus::Stopped;
    case ContainerState::Running:
        return container_paused(store, record) ? OciStatus::Paused : OciStatus::Running;
    case ContainerState::Exited:
        return OciStatus::Stopped;
    }
    return OciStatus::Stopped;
}

nlohmann::json oci_state_json(const ContainerStore& store, const ContainerRecord& record)
{
    auto status = oci_status(store, record);
    nlohmann::json state {
        { "ociVersion", "1.0.2" },
        { "id", record.name },
        { "status", std::string(oci_status_name(status)) },
        { "pid", status == OciStatus::Stopped ? 0 : record.monitor_pid },
        { "bundle", record.bundle },
        { "rootfs", record.bundle_root },
        { "created", record.created },
        { "owner", "" },
        { "annotations", record.annotations },
    };
    return state;
}

}
