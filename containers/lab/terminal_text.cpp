#include "containers/lab/terminal_text.h"

#include <algorithm>

namespace vmlet::lab {

namespace {

bool is_continuation(unsigned char byte)
{
    return (byte & 0xc0) == 0x80;
}

// The longest prefix of `text` that fits `width` columns, ending on a code point boundary.
size_t prefix_bytes(std::string_view text, size_t width)
{
    size_t columns = 0;
    for (size_t i = 0; i < text.size(); i++) {
        if (is_continuation(static_cast<unsigned char>(text[i])))
            continue;
        if (columns == width)
            return i;
        columns++;
    }
    return text.size();
}

std::vector<std::string> split_words(std::string_view text)
{
    std::vector<std::string> words;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find(' ', start);
        if (end == std::string_view::npos)
            end = text.size();
        if (end > start)
            words.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    return words;
}

void trim_right(std::string& line)
{
    line.erase(line.find_last_not_of(' ') + 1);
}

}

std::string printable(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); i++) {
        auto byte = static_cast<unsigned char>(text[i]);
        // C1 controls are U+0080..U+009F, in UTF-8 0xC2 then 0x80..0x9F: some terminals take
        // U+009B as the start of an escape sequence, as they take ESC [.
        if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f
            && is_continuation(static_cast<unsigned char>(text[i + 1]))) {
            out += '?';
            i++;
        } else if (byte == '\n' || byte == '\t' || byte == '\r') {
            out += ' ';
        } else if (byte < 0x20 || byte == 0x7f) {
            out += '?';
        } else {
            out += static_cast<char>(byte);
        }
    }
    return out;
}

size_t display_width(std::string_view text)
{
    return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation(static_cast<unsigned char>(c)); }));
}

std::vector<std::string> wrap(std::string_view text, size_t width)
{
    width = std::max<size_t>(width, 1);
    // A leading indent is kept on the first line: a row's label may be indented under another's.
    size_t used = std::min({ text.find_first_not_of(' '), text.size(), width - 1 });
    std::string line(used, ' ');
    bool has_words = false;
    std::vector<std::string> lines;
    for (std::string_view word : split_words(text)) {
        if (has_words && used + 1 + display_width(word) > width) {
            lines.push_back(std::move(line));
            line.clear();
            used = 0;
            has_words = false;
        }
        if (has_words) {
            line += ' ';
            used++;
        }
        // A word longer than a line fills lines of its own, its tail left to start the next.
        while (used + display_width(word) > width) {
            size_t fits = prefix_bytes(word, width - used);
            lines.push_back(line + std::string(word.substr(0, fits)));
            word.remove_prefix(fits);
            line.clear();
            used = 0;
        }
        line += word;
        used += display_width(word);
        has_words = true;
    }
    if (has_words || lines.empty())
        lines.push_back(std::move(line));
    return lines;
}

std::string lay_out_columns(const std::vector<size_t>& widths, const std::vector<std::vector<std::string>>& rows)
{
    std::string out;
    for (size_t row = 0; row < rows.size(); row++) {
        std::vector<std::vector<std::string>> cells;
        size_t height = 1;
        for (size_t column = 0; column < widths.size(); column++) {
            std::string_view text = column < rows[row].size() ? std::string_view(rows[row][column]) : std::string_view();
            cells.push_back(wrap(printable(text), widths[column]));
            height = std::max(height, cells.back().size());
        }
        for (size_t line_index = 0; line_index < height; line_index++) {
            std::string line;
            for (size_t column = 0; column < widths.size(); column++) {
                std::string_view cell = line_index < cells[column].size() ? std::string_view(cells[column][line_index]) : std::string_view();
                line += cell;
                line.append(widths[column] - display_width(cell) + 2, ' ');
            }
            trim_right(line);
            out += line + "\n";
        }
        if (row == 0) {
            size_t total = 0;
            for (size_t width : widths)
                total += width + 2;
            out += std::string(total - 2, '-') + "\n";
        }
    }
    return out;
}

}
