#include "containers/runtime/layer_files.h"

#include "tests/support/temporary_directory.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <fstream>

using namespace vmlet;

namespace {

// Two unpacked layers, topmost first as overlayfs' lowerdir= lists them, each with an etc/.
struct Layers {
    test::TemporaryDirectory directory;
    std::string top = directory.file("top"), bottom = directory.file("bottom");

    Layers()
    {
        std::filesystem::create_directories(top + "/etc");
        std::filesystem::create_directories(bottom + "/etc");
        std::ofstream(bottom + "/etc/passwd") << "app:x:1000:1000::/home/app:/bin/sh\n";
    }
    std::vector<std::string> dirs() const { return { top, bottom }; }
};

}

TEST(LayerFiles, TheTopmostLayerWithThePathDecides)
{
    Layers layers;
    auto lower = read_file_in_layers(layers.dirs(), "/etc/passwd", 4096);
    ASSERT_TRUE(lower.ok());
    EXPECT_EQ(lower.value(), "app:x:1000:1000::/home/app:/bin/sh\n"); // only the bottom has it
    std::ofstream(layers.top + "/etc/passwd") << "root:x:0:0::/root:/bin/sh\n";
    EXPECT_EQ(read_file_in_layers(layers.dirs(), "/etc/passwd", 4096).value(), "root:x:0:0::/root:/bin/sh\n");
}

// A FIFO at the top (a hostile image's) is the image's /etc/passwd: it is never read, and it hides
// the lower layer's file, as the container's overlay would, rather than uncovering it.
TEST(LayerFiles, AFifoHidesTheLowerFileAndIsNotRead)
{
    Layers layers;
    ASSERT_EQ(::mkfifo((layers.top + "/etc/passwd").c_str(), 0644), 0);
    auto read = read_file_in_layers(layers.dirs(), "/etc/passwd", 4096);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_FALSE(read.value().has_value());
    auto user = resolve_user_in_layers(layers.dirs(), "app");
    EXPECT_FALSE(user.ok());
}
