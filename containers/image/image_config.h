#pragma once

#include "vmm/base/result.h"
#include "containers/image/digest.h"

#include <string>
#include <string_view>
#include <vector>

namespace vmlet::image {

// The parts of an image configuration (OCI image spec config.md) that decide how a container
// runs and which layers make its root file system.
struct ImageConfig {
    std::string architecture;
    std::string os;
    std::string variant;
    std::string created;
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::vector<std::string> env;
    std::string working_dir;
    std::string user;
    std::vector<std::string> exposed_ports; // "80/tcp"
    std::vector<Digest> diff_ids;           // rootfs.diff_ids, bottom layer first

    static Result<ImageConfig> parse(std::string_view json);
};

}
