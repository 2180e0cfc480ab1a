#include "containers/cli/image_pull_output.h"

#include "containers/cli/human_units.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace vmlet {

PullOutput::PullOutput(std::FILE* stream)
    : m_stream(stream)
    , m_terminal(::isatty(::fileno(stream)))
{
}

void PullOutput::downloading(const image::Descriptor& blob)
{
    // Docker shows layers only, not the config.
    m_shown = blob.media_type.find("config") == std::string::npos;
    m_name = std::string(blob.digest.short_hex());
}

void PullOutput::progress(uint64_t done, uint64_t total)
{
    if (!m_shown || !m_terminal)
        return;
    constexpr uint64_t kWidth = 40;
    uint64_t filled = total ? std::min(kWidth, done * kWidth / total) : 0;
    auto bar = std::string(filled, '=') + (filled < kWidth ? ">" : "") + std::string(kWidth - std::min(kWidth, filled + 1), ' ');
    fmt::print(m_stream, "\r{}: Downloading [{}] {}/{}\x1b[K", m_name, bar, human_size(done), human_size(total));
    std::fflush(m_stream);
}

void PullOutput::downloaded(const image::Descriptor& blob)
{
    if (!m_shown)
        return;
    if (m_terminal)
        fmt::print(m_stream, "\r{}: Pull complete\x1b[K\n", m_name);
    else
        fmt::print(m_stream, "{}: Pull complete ({})\n", m_name, human_size(blob.size));
    std::fflush(m_stream);
}

}
