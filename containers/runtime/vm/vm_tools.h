#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <string>

namespace vmlet {

// `vmlet cp` and `vmlet top` in a running VM container: requests to its agent's TOOLS port
// (guest/agent/agent_protocol.h, "Tools"), whose paths are absolute in the container's root. The
// host makes docker cp's decisions (container_copy.cpp) and reads and writes the tar streams;
// the guest only tells what a path is and runs tar in its root; for top it sends its processes'
// /proc files. A stream the guest stops reading or sending fails after a minute rather than hang
// vmlet.
class VmTools {
public:
    explicit VmTools(std::string agent_socket)
        : m_socket(std::move(agent_socket))
    {
    }

    enum class Kind { Directory, Other, Missing };
    // What is at `path` in the container; `follow`: through a symlink at its end.
    Result<Kind> kind(const std::string& path, bool follow) const;
    // A connection the tar of DIR/NAME comes in on, until it ends.
    Result<UniqueFd> tar_out(const std::string& directory, const std::string& name) const;
    // A connection to write a tar to, unpacked in DIR; then finish_tar_in.
    Result<UniqueFd> tar_in(const std::string& directory) const;
    // The tar is written: the agent's tar finishes, and says how.
    static Result<void> finish_tar_in(int connection);
    // A connection the container's processes come in on (agent_protocol.h, 'p'; read by
    // container_processes.h).
    Result<UniqueFd> processes() const;

private:
    Result<UniqueFd> request(char op, const std::string& first, const std::string* second) const;
    std::string m_socket;
};

}
