#pragma once

#include "containers/runtime/rotating_file.h"
#include "containers/runtime/sandbox.h"
#include "vmm/base/result.h"
#include "vmm/base/unique_fd.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace vmlet {

// A container's output as `vmlet logs` shows it, kept in <container dir>/container.log in the CRI
// logging format that Kubernetes' kubelet and containerd write (one entry a line):
//     2026-12-07T02:38:49.123456789Z stdout F a line the container wrote
// the time it arrived (RFC 3339, UTC, always 9 fractional digits, so that text order is time order),
// the stream, F for a full line or P for a piece whose line goes on in the next entry of that
// stream, and the bytes without their newline.
inline constexpr std::string_view kContainerLogFile = "container.log";
// The most generations of it `logs` reads, and so the most --log-opt max-file may keep.
inline constexpr unsigned kMaxLogGenerations = 20;
// The smallest --log-opt max-size: room for an entry with a line of some length in every file.
inline constexpr uint64_t kMinContainerLogBytes = 1024;

// The writing side: the container writes to pipes, and a thread for each stream appends entries to
// the log and, for a foreground container, copies the bytes as they are to vmlet's own stdout or
// stderr. When that copy fails (a reader that left: EPIPE), the thread stops reading, so that the
// container's next write gets its EPIPE and SIGPIPE, as in a shell pipeline.
class ContainerLogWriter {
public:
    // `screen_out` and `screen_err` are vmlet's streams for a foreground container, -1 for none.
    // The log rotates by `limits` (rotating_file.h); `logs` reads on across rotations.
    static Result<std::unique_ptr<ContainerLogWriter>> open(const std::string& directory, RotationLimits limits, int screen_out, int screen_err);
    // Waits until the container's side of both pipes is closed (the container and everything it
    // started have exited), so that nothing it wrote is lost.
    ~ContainerLogWriter();
    ContainerLogWriter(const ContainerLogWriter&) = delete;
    ContainerLogWriter& operator=(const ContainerLogWriter&) = delete;

    // The container's stdio: the pipes' write ends, and `in`.
    StdioFds stdio(int in) const { return { in, m_out.get(), m_err.get() }; }
    // The sandbox holds its own copies now: ours go, so that the pipes end with the container.
    void release_container_side();

private:
    ContainerLogWriter() = default;

    UniqueFd m_out, m_err; // the write ends
    std::thread m_out_copier, m_err_copier;
};

// What `vmlet logs` asks for (docker logs' flags).
struct LogQuery {
    std::optional<size_t> tail {};     // --tail N: only the last N lines
    std::optional<std::string> since {}; // --since, as a log timestamp (parse_log_since)
    bool timestamps { false };         // -t: each line starts with its time
    bool follow { false };             // -f: then new lines, until `still_running` says no
};

// The log timestamp of a --since value, as docker logs takes it: an RFC 3339 time (with or without
// fraction and zone; no zone is UTC), a date (YYYY-MM-DD), Unix seconds ("1700000000.5"), or a
// duration before `now` ("90s", "10m", "1h30m").
Result<std::string> parse_log_since(std::string_view text, std::time_t now);

// Copies the log of the container in `directory` as `query` says: stdout's lines to `out`, stderr's
// to `err` (-1: left out). With follow, polls for more until `still_running` returns false, then copies the rest.
Result<void> copy_container_log(const std::string& directory, const LogQuery& query, int out, int err,
    const std::function<bool()>& still_running);

}
