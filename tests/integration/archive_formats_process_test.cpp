// The archive format tests with --isolation=process (needs root), and the refusals of `vmlet load`
// for what manifest.json may not name, end to end.
#include "tests/integration/archive_formats_test.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace vmlet::test {

INSTANTIATE_TEST_SUITE_P(Process, ArchiveFormats, ::testing::Values("process"));

namespace {

// A `docker save` archive whose manifest.json names config.json and `layer`, beside `members`.
std::string hostile_archive(const std::string& layer, std::vector<TarEntry> members)
{
    nlohmann::json manifest = nlohmann::json::array({ { { "Config", "config.json" }, { "RepoTags", { "hostile:1" } }, { "Layers", { layer } } } });
    members.push_back({ "config.json", TarEntry::Kind::File, "{}" });
    members.push_back({ "manifest.json", TarEntry::Kind::File, manifest.dump() });
    return make_tar(members);
}

}

TEST(ArchiveRefusals, ManifestNamesThatLeaveTheArchiveOrEndAnywhereButAFileAreOneLineErrors)
{
    using Kind = TarEntry::Kind;
    struct Case {
        std::string tar;
        std::string error;
    };
    std::vector<Case> cases {
        { hostile_archive("id/layer.tar", { { "id/layer.tar", Kind::Symlink, "../../outside.tar" } }),
            "manifest.json names 'id/layer.tar': 'id/layer.tar' is a symbolic link out of the archive ('../../outside.tar')" },
        { hostile_archive("a.tar", { { "a.tar", Kind::Symlink, "b.tar" }, { "b.tar", Kind::Symlink, "a.tar" } }),
            "manifest.json names 'a.tar': 'a.tar' leads through more than 16 symbolic links (a loop?)" },
        { hostile_archive("layer.tar", { { "id/VERSION", Kind::File, "1.0" }, { "layer.tar", Kind::Symlink, "id" } }),
            "manifest.json names 'layer.tar': 'id' is a directory" },
        { hostile_archive("layer.tar", { { "layer.tar", Kind::Symlink, "/etc/passwd" } }),
            "manifest.json names 'layer.tar': 'layer.tar' is a symbolic link to the absolute path '/etc/passwd'" },
        { hostile_archive("../outside.tar", {}), "manifest.json names '../outside.tar': '../outside.tar' climbs out with '..'" },
        { hostile_archive("/etc/passwd", {}), "manifest.json names '/etc/passwd': '/etc/passwd' is an absolute path" },
        { hostile_archive("layer.tar", { { "../escaped", Kind::File, "x" } }), "it holds '../escaped', a name outside the archive" },
    };
    TemporaryDirectory scratch;
    std::ofstream(scratch.file("outside.tar")) << "outside";
    for (size_t i = 0; i < cases.size(); i++) {
        auto archive = scratch.file("hostile" + std::to_string(i) + ".tar");
        std::ofstream(archive, std::ios::binary) << cases[i].tar;
        auto result = run_vmlet({ "--root", scratch.file("root"), "load", "-i", archive }, { .timeout = std::chrono::seconds(60) });
        EXPECT_EQ(result.exit_code, 125) << result.out;
        EXPECT_EQ(result.err, "vmlet: " + archive + ": " + cases[i].error + "\n");
        auto images = run_vmlet({ "--root", scratch.file("root"), "images", "-q" });
        EXPECT_EQ(images.out, "");
        EXPECT_TRUE(std::filesystem::is_empty(scratch.file("root/tmp")));
    }
    EXPECT_FALSE(std::filesystem::exists(scratch.file("escaped")));
}

}
