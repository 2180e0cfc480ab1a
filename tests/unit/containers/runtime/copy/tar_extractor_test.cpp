#include "containers/runtime/copy/tar_extractor.h"
#include "containers/runtime/copy/tree_tar_writer.h"

#include "tests/support/temporary_directory.h"
#include "vmm/base/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace vmlet;
using vmlet::test::TemporaryDirectory;

namespace {

// The tar of `directory`'s contents, extracted beneath `destination` under `limits`.
Result<void> copy_contents(const std::string& directory, const std::string& destination, const ExtractLimits& limits)
{
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) < 0)
        return errno_error("pipe2");
    UniqueFd read_end(ends[0]), write_end(ends[1]);
    UniqueFd parent(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::thread writer([&] {
        (void)write_tree_as_tar({ .parent_fd = parent.get(), .name = ".", .archive_name = ".", .contents_only = true }, write_end.get());
        write_end.reset();
    });
    UniqueFd into(::open(destination.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto extracted = extract_tar_beneath(read_end.get(), into.get(), limits);
    read_end.reset();
    writer.join();
    return extracted;
}

}

// A tar that should hold one entry (a guest's, of the path vmlet cp asked for) cannot write beside it.
TEST(TarExtractor, OnlyUnderKeepsEntriesBelowTheirTopName)
{
    TemporaryDirectory source, destination;
    std::filesystem::create_directory(source.file("data"));
    std::ofstream(source.file("data/x")) << "x\n";
    std::ofstream(source.file("zz-sibling")) << "not the guest's to write\n";
    auto refused = copy_contents(source.path(), destination.path(), { .max_bytes = UINT64_MAX, .max_entries = UINT64_MAX, .only_under = "data" });
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find("zz-sibling is not under data"), std::string::npos) << refused.error().message();
    EXPECT_FALSE(std::filesystem::exists(destination.file("zz-sibling")));
    // Without the rule the same tar is whole.
    TemporaryDirectory again;
    ASSERT_TRUE(copy_contents(source.path(), again.path(), {}).ok());
    EXPECT_TRUE(std::filesystem::exists(again.file("zz-sibling")));
    EXPECT_TRUE(std::filesystem::exists(again.file("data/x")));
}
