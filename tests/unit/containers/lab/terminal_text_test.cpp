#include "containers/lab/terminal_text.h"

#include <gtest/gtest.h>

using namespace vmlet::lab;
using Lines = std::vector<std::string>;

TEST(ReportTerminalText, WrapsAtSpacesAndInsideWordsLongerThanALine)
{
    EXPECT_EQ(wrap("denied: Operation not permitted", 22), (Lines { "denied: Operation not", "permitted" }));
    EXPECT_EQ(wrap("abcdefghij k", 4), (Lines { "abcd", "efgh", "ij k" }));
    EXPECT_EQ(wrap("", 5), (Lines { "" }));
    // An indent stays; a code point is never split, and counts one column.
    EXPECT_EQ(wrap("  read 64 MiB", 20), (Lines { "  read 64 MiB" }));
    EXPECT_EQ(wrap("µµµµµ", 2), (Lines { "µµ", "µµ", "µ" }));
    EXPECT_EQ(display_width("2150 µs"), 7u);
}

TEST(ReportTerminalText, NoControlCharacterReachesTheTerminal)
{
    EXPECT_EQ(printable("a\x1b[2Jb\x07"), "a?[2Jb?");
    EXPECT_EQ(printable("line\nnext\ttab"), "line next tab");
    // U+009B, the one-byte CSI some terminals honour, encoded in UTF-8; U+00E9 stays.
    EXPECT_EQ(printable("x\xc2\x9b" "31my \xc3\xa9"), "x?31my \xc3\xa9");
}

TEST(ReportTerminalText, LaysOutColumnsUnderARuleWithoutTrailingSpaces)
{
    EXPECT_EQ(lay_out_columns({ 4, 6 }, { { "a", "b" }, { "long word", "x" } }), "a     b\n------------\nlong  x\nword\n");
}
