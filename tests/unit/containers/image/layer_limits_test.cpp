// The caps of image_limits.h on one layer: a bomb stops at the cap, before what would pass it is
// written.
#include "containers/image/layer_unpacker.h"

#include "tests/support/oci_image_builder.h"
#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace vmlet::image;
using vmlet::test::Compression;
using vmlet::test::TarEntry;

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMiB = 1 << 20;

class LayerLimits : public ::testing::Test {
protected:
    void SetUp() override { fs::create_directory(destination()); }

    std::string destination() const { return m_dir.file("dest"); }

    // The error unpacking `blob` under `limits` gives ("" if it is accepted).
    std::string refusal(const std::string& blob, const ImageLimits& limits)
    {
        std::ofstream(m_dir.file("layer"), std::ios::binary) << blob;
        auto result = unpack_layer(m_dir.file("layer"), destination(), limits);
        return result.ok() ? "" : result.error().message();
    }

    // How many bytes the unpacked files take.
    uint64_t written() const
    {
        uint64_t total = 0;
        for (const auto& entry : fs::recursive_directory_iterator(destination())) {
            if (entry.is_regular_file())
                total += entry.file_size();
        }
        return total;
    }

    vmlet::test::TemporaryDirectory m_dir;
};

std::string zeros_layer(uint64_t size)
{
    return vmlet::test::make_tar({ { "zeros", TarEntry::Kind::File, std::string(size, '\0') } });
}

}

// 64 MiB of zeros gzip to some 64 KiB: over a 1 MiB cap nothing of the file is written.
TEST_F(LayerLimits, AGzipBombStopsAtTheCap)
{
    auto bomb = vmlet::test::compress(zeros_layer(64 * kMiB), Compression::Gzip);
    ASSERT_LT(bomb.size(), kMiB);
    auto message = refusal(bomb, { .layer_bytes = kMiB });
    EXPECT_NE(message.find("its files come to more than 1048576 bytes, the cap VMLET_MAX_LAYER_SIZE sets"), std::string::npos) << message;
    EXPECT_EQ(written(), 0u);
    EXPECT_EQ(refusal(bomb, {}), "") << "the default cap takes it";
}

// The same zeros after the tar's end, which the diff_id covers but no file holds, and in zstd.
TEST_F(LayerLimits, DecompressionStopsAtTheCapWhateverTheStreamHolds)
{
    auto bomb = vmlet::test::compress(vmlet::test::make_tar({ { "a", TarEntry::Kind::File, "1" } }) + std::string(64 * kMiB, '\0'),
        Compression::Zstd);
    auto message = refusal(bomb, { .layer_bytes = kMiB });
    EXPECT_NE(message.find("it decompresses to more than 1048576 bytes, the cap VMLET_MAX_LAYER_SIZE sets"), std::string::npos) << message;
}

// A sparse entry is a few bytes of tar and its whole size on disk: it counts at its size.
TEST_F(LayerLimits, ASparseEntryCountsAtItsFullSize)
{
    auto sparse = vmlet::test::make_tar({ { "hole", TarEntry::Kind::SparseFile, "head", 64 * kMiB } });
    ASSERT_LT(sparse.size(), kMiB);
    auto message = refusal(sparse, { .layer_bytes = kMiB });
    EXPECT_NE(message.find("its files come to more than 1048576 bytes"), std::string::npos) << message;
    EXPECT_EQ(written(), 0u);
}

// Sizes add up over entries: two files of 600 KiB pass a 1 MiB cap alone, not together.
TEST_F(LayerLimits, TheCapIsOnTheSumOfTheFiles)
{
    std::string half(600 << 10, 'x');
    auto layer = vmlet::test::make_tar({ { "a", TarEntry::Kind::File, half }, { "b", TarEntry::Kind::File, half } });
    ImageLimits limits { .layer_bytes = 2 * kMiB };
    ASSERT_EQ(refusal(layer, limits), "");
    fs::remove_all(destination());
    fs::create_directory(destination());
    limits.layer_bytes = kMiB;
    auto message = refusal(layer, limits);
    EXPECT_NE(message.find("its files come to more than"), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(destination() + "/b"));
}

TEST_F(LayerLimits, TooManyEntriesAreRefusedAtTheFirstOverTheCap)
{
    std::vector<TarEntry> entries;
    for (int i = 0; i < 101; ++i)
        entries.push_back({ fmt::format("f{}", i), TarEntry::Kind::File, "" });
    auto layer = vmlet::test::make_tar(entries);
    EXPECT_EQ(refusal(layer, { .layer_entries = 101 }), "");
    fs::remove_all(destination());
    fs::create_directory(destination());
    auto message = refusal(layer, { .layer_entries = 100 });
    EXPECT_NE(message.find("it holds more than 100 entries, the cap VMLET_MAX_LAYER_ENTRIES sets"), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(destination() + "/f100"));
}
