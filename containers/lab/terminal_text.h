#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vmlet::lab {

// Text for a terminal, from strings a workload may have written: the image under test is not
// trusted, and an escape sequence in a probe's error must not reach the user's terminal.

// Control characters (C0, DEL, C1) become spaces (whitespace) or '?'; everything else is kept.
std::string printable(std::string_view text);

// Columns on a terminal: one per code point (UTF-8 continuation bytes take none).
size_t display_width(std::string_view text);

// Lines of at most `width` columns, broken at spaces, and inside a word longer than a line.
std::vector<std::string> wrap(std::string_view text, size_t width);

// Rows of cells laid out in columns of the given widths, two spaces apart, each cell wrapped to
// its column after printable(); a rule under the first row (the header). Lines carry no
// trailing spaces.
std::string lay_out_columns(const std::vector<size_t>& widths, const std::vector<std::vector<std::string>>& rows);

}
