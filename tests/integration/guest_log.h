#pragma once

#include <chrono>
#include <string>

namespace vmlet::test {

// The whole of a file: a background guest's console log.
std::string read_text(const std::string& path);

// Waits until the file at `path` holds `text` (a guest's console log), up to `timeout`.
bool wait_for_text(const std::string& path, const std::string& text, std::chrono::seconds timeout);

}
