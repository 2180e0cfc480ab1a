#pragma once

#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet {

// How much of a container's output is kept: the file and, once it is full, up to max_files - 1
// older generations of it (PATH.1 the newest), as kubelet rotates CRI container logs
// (containerLogMaxSize 10 MiB, containerLogMaxFiles) and Docker's json-file driver with --log-opt
// max-size and max-file. A container writes as much as it likes; the host keeps a bounded amount.
struct RotationLimits {
    uint64_t max_bytes { 10 << 20 };
    unsigned max_files { 2 };
};

// A log file that rotates itself by those limits; appends from several threads are whole.
class RotatingFile {
public:
    static Result<std::unique_ptr<RotatingFile>> open(std::string path, RotationLimits limits, mode_t mode);

    // Appends `bytes` whole, as one piece against other threads' appends. What would take the file
    // past max_bytes goes on in a fresh one, split after the last newline that fits (a line longer
    // than a whole file is cut where the file is full). Errors are dropped: the container's output
    // never waits for, or fails because of, its log.
    void append(std::string_view bytes);

private:
    RotatingFile(std::string path, RotationLimits limits, mode_t mode, UniqueFd fd, uint64_t size);
    void rotate();

    const std::string m_path;
    const RotationLimits m_limits;
    const mode_t m_mode;
    std::mutex m_mutex;
    UniqueFd m_fd;
    uint64_t m_size;
};

// PATH's generations, oldest first, that exist: PATH.<n-1> ... PATH.1, PATH.
std::vector<std::string> rotated_generations(const std::string& path, unsigned max_files);

}
