#include "vmm/vm/console_input.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <vector>

namespace vmlet {

constexpr uint8_t kEscape = 0x01;      // Ctrl-A
constexpr uint8_t kEndOfInput = 0x04;  // Ctrl-D

ConsoleInput ConsoleInput::attach(int fd)
{
    termios saved {};
    if (!::isatty(fd) || ::tcgetattr(fd, &saved) < 0)
        return ConsoleInput(fd, std::nullopt);
    termios raw = saved;
    ::cfmakeraw(&raw);
    raw.c_oflag = saved.c_oflag; // keep output processing: guest output goes to the same terminal
    if (::tcsetattr(fd, TCSANOW, &raw) < 0)
        return ConsoleInput(fd, std::nullopt);
    return ConsoleInput(fd, saved);
}

ConsoleInput::ConsoleInput(ConsoleInput&& other) noexcept
    : m_fd(other.m_fd)
    , m_saved(std::exchange(other.m_saved, std::nullopt))
    , m_escape_pending(other.m_escape_pending)
{
}

ConsoleInput::~ConsoleInput()
{
    if (m_saved)
        ::tcsetattr(m_fd, TCSANOW, &*m_saved);
}

ConsoleInput::Outcome ConsoleInput::forward(ConsoleSink& sink)
{
    std::array<uint8_t, 256> buffer;
    size_t room = std::min(buffer.size(), sink.input_space());
    if (room == 0)
        return Outcome::Continue;
    ssize_t count = ::read(m_fd, buffer.data(), room);
    if (count <= 0) {
        if (!m_saved)
            sink.push_input(std::span(&kEndOfInput, 1));
        return Outcome::Closed;
    }
    if (!m_saved) {
        sink.push_input(std::span(buffer.data(), size_t(count)));
        return Outcome::Continue;
    }
    std::vector<uint8_t> bytes;
    for (ssize_t index = 0; index < count; ++index) {
        uint8_t byte = buffer[size_t(index)];
        if (m_escape_pending) {
            m_escape_pending = false;
            if (byte == 'x')
                return Outcome::Quit;
            if (byte != kEscape)
                bytes.push_back(kEscape);
        } else if (byte == kEscape) {
            m_escape_pending = true;
            continue;
        }
        bytes.push_back(byte);
    }
    sink.push_input(bytes);
    return Outcome::Continue;
}

}
