#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"
#include "containers/runtime/sandbox.h"

#include <memory>
#include <string>
#include <thread>

namespace vmlet {

// A foreground container's output, kept for `vmlet logs` as Docker's json-file driver keeps it:
// the container writes to pipes, and a thread for each copies what arrives to vmlet's own stdout
// or stderr and appends it to stdout.log or stderr.log in the container's directory (where a
// detached container's monitor writes directly).
class OutputLog {
public:
    static Result<std::unique_ptr<OutputLog>> open(const std::string& directory);
    // Waits until the container's side of both pipes is closed (the container and everything it
    // started have exited), so that nothing it wrote is lost.
    ~OutputLog();
    OutputLog(const OutputLog&) = delete;
    OutputLog& operator=(const OutputLog&) = delete;

    // The container's stdio: the pipes' write ends, and `in`.
    StdioFds stdio(int in) const { return { in, m_out.get(), m_err.get() }; }
    // The sandbox holds its own copies now: vmlet's go, so that the pipes end with the container.
    void release_container_side();

private:
    OutputLog() = default;

    UniqueFd m_out, m_err; // the write ends
    std::thread m_out_copier, m_err_copier;
};

}
