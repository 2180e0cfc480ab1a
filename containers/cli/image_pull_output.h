#pragma once

#include "containers/registry/image_puller.h"

#include <cstdio>
#include <string>

namespace vmlet {

// Docker's pull output: one line per layer, a live bar while it downloads when `stream` is a
// terminal, and plain lines otherwise (logs, pipes, CI). `pull` writes it to standard output,
// `run` (pulling a missing image) to standard error, away from the container's output.
class PullOutput final : public image::PullObserver {
public:
    explicit PullOutput(std::FILE* stream);

    void downloading(const image::Descriptor& blob) override;
    void progress(uint64_t done, uint64_t total) override;
    void downloaded(const image::Descriptor& blob) override;

private:
    std::FILE* m_stream;
    bool m_terminal;
    bool m_shown { false };
    std::string m_name;
};

}
