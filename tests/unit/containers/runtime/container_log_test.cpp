#include "containers/runtime/container_log.h"

#include "tests/support/temporary_directory.h"
#include "vmm/base/file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace vmlet;

namespace {

// What copy_container_log prints, stdout and stderr apart.
struct Shown {
    std::string out, err;
};

Shown show(const std::string& directory, const LogQuery& query)
{
    int out[2], err[2];
    EXPECT_EQ(::pipe(out), 0);
    EXPECT_EQ(::pipe(err), 0);
    auto copied = copy_container_log(directory, query, out[1], err[1], [] { return false; });
    EXPECT_TRUE(copied.ok()) << copied.error().message();
    ::close(out[1]);
    ::close(err[1]);
    Shown shown;
    char buffer[4096];
    for (ssize_t count; (count = ::read(out[0], buffer, sizeof buffer)) > 0;)
        shown.out.append(buffer, size_t(count));
    for (ssize_t count; (count = ::read(err[0], buffer, sizeof buffer)) > 0;)
        shown.err.append(buffer, size_t(count));
    ::close(out[0]);
    ::close(err[0]);
    return shown;
}

class ContainerLog : public ::testing::Test {
protected:
    void write_log(const std::string& text)
    {
        std::ofstream(m_directory.file(std::string(kContainerLogFile))) << text;
    }
    test::TemporaryDirectory m_directory;
};

}

TEST_F(ContainerLog, PiecesOfALineAreJoinedAndStreamsKeptApart)
{
    write_log("2026-12-07T10:00:00.000000001Z stdout P hel\n"
              "2026-12-07T10:00:00.000000002Z stderr F oops\n"
              "2026-12-07T10:00:00.000000003Z stdout F lo\n"
              "2026-12-07T10:00:01.000000000Z stdout F \n"
              "2026-12-07T10:00:02.000000000Z stdout P no newline at the end");
    auto shown = show(m_directory.path(), {});
    EXPECT_EQ(shown.out, "hello\n\n");
    EXPECT_EQ(shown.err, "oops\n");
    // The last entry has no newline of its own: a writer that is still at it. It is not shown yet.
    write_log("2026-12-07T10:00:02.000000000Z stdout P cut short\n");
    EXPECT_EQ(show(m_directory.path(), {}).out, "cut short");
}

TEST_F(ContainerLog, TailSinceAndTimestamps)
{
    write_log("2026-12-07T10:00:00.000000000Z stdout F one\n"
              "2026-12-07T10:00:01.000000000Z stderr F two\n"
              "2026-12-07T10:00:02.000000000Z stdout F three\n");
    auto last = show(m_directory.path(), { .tail = 2 });
    EXPECT_EQ(last.out, "three\n");
    EXPECT_EQ(last.err, "two\n");
    EXPECT_EQ(show(m_directory.path(), { .tail = 0 }).out, "");
    auto since = show(m_directory.path(), { .since = "2026-12-07T10:00:01.000000000Z" });
    EXPECT_EQ(since.out, "three\n");
    EXPECT_EQ(since.err, "two\n");
    EXPECT_EQ(show(m_directory.path(), { .tail = 1, .timestamps = true }).out, "2026-12-07T10:00:02.000000000Z three\n");
}

TEST_F(ContainerLog, LinesTheFormatDoesNotMakeAreSkipped)
{
    write_log("garbage\n"
              "2026-12-07T10:00:00.000000000Z stdin F nope\n"
              "2026-12-07T10:00:00.000000000Z stdout X nope\n"
              "2026-12-07T10:00:00.000000000Z stdout F kept\n");
    EXPECT_EQ(show(m_directory.path(), {}).out, "kept\n");
    EXPECT_EQ(show("/nonexistent", {}).out, "");
}

TEST(ContainerLogSince, DockersForms)
{
    std::time_t now = 1796640000; // 2026-12-07T10:40:00Z
    EXPECT_EQ(parse_log_since("2026-12-07T10:00:00Z", now).value(), "2026-12-07T10:00:00.000000000Z");
    EXPECT_EQ(parse_log_since("2026-12-07T11:00:00.5+01:00", now).value(), "2026-12-07T10:00:00.500000000Z");
    EXPECT_EQ(parse_log_since("2026-12-07", now).value(), "2026-12-07T00:00:00.000000000Z");
    EXPECT_EQ(parse_log_since("1796637600", now).value(), "2026-12-07T10:00:00.000000000Z");
    EXPECT_EQ(parse_log_since("1796637600.25", now).value(), "2026-12-07T10:00:00.250000000Z");
    EXPECT_EQ(parse_log_since("10m", now).value(), "2026-12-07T10:30:00.000000000Z");
    EXPECT_EQ(parse_log_since("1h30m", now).value(), "2026-12-07T09:10:00.000000000Z");
    for (const char* bad : { "yesterday", "10x", "2026-13", "" })
        EXPECT_FALSE(parse_log_since(bad, now).ok()) << bad;
}

TEST_F(ContainerLog, OlderGenerationsComeFirst)
{
    std::ofstream(m_directory.file("container.log.2")) << "2026-12-07T10:00:00.000000000Z stdout F one\n";
    std::ofstream(m_directory.file("container.log.1")) << "2026-12-07T10:00:01.000000000Z stdout P tw\n";
    write_log("2026-12-07T10:00:02.000000000Z stdout F o\n"
              "2026-12-07T10:00:03.000000000Z stdout F three\n");
    EXPECT_EQ(show(m_directory.path(), {}).out, "one\ntwo\nthree\n");
    EXPECT_EQ(show(m_directory.path(), { .tail = 1 }).out, "three\n");
}

// `logs -f` goes on reading when the writer rotates: the rest of the file it was reading (now
// container.log.1) first, then the new container.log, nothing twice and nothing lost.
TEST_F(ContainerLog, AFollowerReadsOnAcrossARotation)
{
    write_log("2026-12-07T10:00:00.000000000Z stdout F before\n");
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    int calls = 0;
    auto rotate = [&] {
        if (++calls == 1) {
            std::ofstream(m_directory.file(std::string(kContainerLogFile)), std::ios::app) << "2026-12-07T10:00:01.000000000Z stdout F last of the old\n";
            std::filesystem::rename(m_directory.file(std::string(kContainerLogFile)), m_directory.file("container.log.1"));
            write_log("2026-12-07T10:00:02.000000000Z stdout F first of the new\n");
        }
        return calls == 1;
    };
    auto copied = copy_container_log(m_directory.path(), { .follow = true }, out[1], -1, rotate);
    EXPECT_TRUE(copied.ok());
    ::close(out[1]);
    std::string shown;
    char buffer[4096];
    for (ssize_t count; (count = ::read(out[0], buffer, sizeof buffer)) > 0;)
        shown.append(buffer, size_t(count));
    ::close(out[0]);
    EXPECT_EQ(shown, "before\nlast of the old\nfirst of the new\n");
}

// A container that writes without end is kept to max_files files of max_bytes each, the newest
// output in container.log and the one before it in container.log.1.
TEST(RotatingFileTest, KeepsAtMostItsGenerations)
{
    test::TemporaryDirectory directory;
    auto path = directory.file("out.log");
    auto file = RotatingFile::open(path, { .max_bytes = 100, .max_files = 3 }, 0640);
    ASSERT_TRUE(file.ok());
    std::string all;
    for (int number = 0; number < 20; number++) {
        auto line = fmt::format("{:038}\n", number); // 39 bytes: two to a file
        file.value()->append(line);
        all += line;
    }
    std::string kept;
    for (const auto& name : rotated_generations(path, 10)) {
        std::ifstream in(name);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_LE(text.size(), 100u) << name;
        kept += text;
    }
    EXPECT_EQ(rotated_generations(path, 10).size(), 3u);
    EXPECT_FALSE(std::filesystem::exists(path + ".3"));
    EXPECT_EQ(kept.size(), 6u * 39);
    EXPECT_TRUE(all.ends_with(kept));
}

// One append holding more than a whole file (a container that filled its pipe before the log
// caught up) is kept as its newest whole lines, never cut short and never split between files.
TEST(RotatingFileTest, AnAppendLargerThanAFileKeepsItsNewestLinesWhole)
{
    test::TemporaryDirectory directory;
    auto path = directory.file("out.log");
    auto file = RotatingFile::open(path, { .max_bytes = 100, .max_files = 2 }, 0640);
    ASSERT_TRUE(file.ok());
    std::string all;
    for (int number = 0; number < 20; number++)
        all += fmt::format("{:029}\n", number); // 30 bytes: three to a file
    file.value()->append(all);
    std::string kept;
    for (const auto& name : rotated_generations(path, 10)) {
        std::ifstream in(name);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_LE(text.size(), 100u) << name;
        EXPECT_EQ(text.size() % 30, 0u) << name;
        kept += text;
    }
    // The six files it took: three lines each, the last two in the newest.
    EXPECT_EQ(kept, all.substr(all.size() - 5 * 30));
}

// A container's line longer than a log file goes into pieces that each fit in one, and what it
// wrote last is what `logs --tail 1` shows.
TEST_F(ContainerLog, ALineLongerThanAFileIsKeptInPiecesThatFit)
{
    {
        auto writer = ContainerLogWriter::open(m_directory.path(), { .max_bytes = 4096, .max_files = 2 }, -1, -1);
        ASSERT_TRUE(writer.ok()) << writer.error().message();
        std::string output(100 << 10, 'x');
        output += "\nlast\n";
        ASSERT_TRUE(write_all(writer.value()->stdio(-1).out, std::span(reinterpret_cast<const uint8_t*>(output.data()), output.size())).ok());
        writer.value()->release_container_side();
    }
    for (const auto& name : rotated_generations(m_directory.file(std::string(kContainerLogFile)), 10))
        EXPECT_LE(std::filesystem::file_size(name), 4096u) << name;
    EXPECT_EQ(show(m_directory.path(), { .tail = 1 }).out, "last\n");
    EXPECT_FALSE(ContainerLogWriter::open(m_directory.path(), { .max_bytes = 100, .max_files = 2 }, -1, -1).ok());
}
