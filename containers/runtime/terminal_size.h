#pragma once

#include <cstdint>

namespace vmlet {

// A terminal's size in characters (struct winsize, without the pixels nobody sets).
struct TerminalSize {
    uint16_t rows { 0 }, cols { 0 }; // 0 when unknown
};

// The size of the terminal `fd` is (TIOCGWINSZ); 0 x 0 when it is none.
TerminalSize terminal_size(int fd);

}
