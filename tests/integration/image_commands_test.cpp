// `vmlet load`, `images`, `inspect`, `tag` and `rmi` on real image layouts and archives made from
// busybox-static, in a store under a temporary --root. No KVM needed.
#include "tests/integration/vmlet_process.h"
#include "tests/support/command.h"
#include "tests/support/oci_image_builder.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

ImageSpec app_spec()
{
    ImageSpec spec;
    spec.entrypoint = { "/bin/sh", "-c" };
    spec.cmd = { "echo hello from app" };
    spec.env.push_back("GREETING=hi");
    spec.working_dir = "/srv";
    spec.user = "app";
    spec.exposed_ports = { "80/tcp" };
    spec.extra_files = { { "/srv/index.html", "<h1>app</h1>\n", 0644 } };
    return spec;
}

class ImageCommands : public ::testing::Test {
protected:
    ProcessResult vmlet(std::vector<std::string> arguments)
    {
        arguments.insert(arguments.begin(), { "--root", root() });
        return run_vmlet(arguments, { .timeout = std::chrono::seconds(120) });
    }
    // Runs a command that must succeed and returns its standard output.
    std::string ok(std::vector<std::string> arguments)
    {
        auto result = vmlet(arguments);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.out;
    }
    // Runs a command that must fail with one line naming `expected`, exit status 125.
    void fails(std::vector<std::string> arguments, const std::string& expected)
    {
        auto result = vmlet(arguments);
        EXPECT_EQ(result.exit_code, 125) << result.out;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "not one line: " << result.err;
        EXPECT_NE(result.err.find(expected), std::string::npos) << "expected '" << expected << "' in: " << result.err;
    }

    std::string root() const { return m_scratch.file("root"); }
    std::string scratch(const std::string& name) const { return m_scratch.file(name); }
    std::string layer_file(const image::Digest& diff_id, const std::string& path) const
    {
        return root() + "/layers/" + std::string(diff_id.hex()) + "/diff" + path;
    }
    size_t entries(const std::string& directory) const
    {
        std::error_code error;
        return static_cast<size_t>(std::distance(fs::directory_iterator(root() + "/" + directory, error), fs::directory_iterator()));
    }
    // After a failed load: no image, nothing half-stored, nothing left in tmp/.
    void expect_empty_store()
    {
        EXPECT_EQ(ok({ "images", "-q" }), "");
        EXPECT_EQ(entries("images"), 0u);
        EXPECT_EQ(entries("layers"), 0u);
        EXPECT_EQ(entries("blobs/sha256"), 0u);
        EXPECT_EQ(entries("tmp"), 0u);
    }

    TemporaryDirectory m_scratch;
};

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

}

TEST_F(ImageCommands, LoadsAnOciLayoutDirectoryAndUnpacksItsLayers)
{
    auto written = write_oci_layout(scratch("layout"), app_spec(), "latest");
    // index.json names it only by a tag, "latest", which names no repository: docker loads it untagged.
    EXPECT_EQ(ok({ "load", "--dir", scratch("layout") }), "Loaded image ID: " + written.config.string() + "\n");
    ASSERT_EQ(written.diff_ids.size(), 2u);
    EXPECT_EQ(read_text(layer_file(written.diff_ids[1], "/srv/index.html")), "<h1>app</h1>\n");
    struct stat status { };
    ASSERT_EQ(::stat(layer_file(written.diff_ids[0], "/bin/busybox").c_str(), &status), 0);
    EXPECT_TRUE(status.st_mode & S_IXUSR);

    EXPECT_EQ(ok({ "tag", std::string(written.config.short_hex()), "localhost:5000/app:1" }), "");
    auto listing = ok({ "images" });
    EXPECT_NE(listing.find("REPOSITORY"), std::string::npos) << listing;
    EXPECT_NE(listing.find("localhost:5000/app"), std::string::npos) << listing;
    EXPECT_NE(listing.find(std::string(written.config.short_hex())), std::string::npos) << listing;
}

TEST_F(ImageCommands, LoadsADockerSaveArchiveWithItsNameAndConfig)
{
    auto id = write_docker_save_archive(scratch("app.tar"), app_spec(), "app:2");
    EXPECT_EQ(ok({ "load", "-i", scratch("app.tar") }), "Loaded image: app:2\n");

    auto inspected = json::parse(ok({ "inspect", "app:2" }));
    ASSERT_TRUE(inspected.is_array());
    ASSERT_EQ(inspected.size(), 1u);
    auto& image = inspected[0];
    EXPECT_EQ(image["Id"], id.string());
    EXPECT_EQ(image["RepoTags"], json::array({ "app:2" }));
    EXPECT_EQ(image["Platform"], "linux/amd64");
    EXPECT_EQ(image["Config"]["Entrypoint"], json::array({ "/bin/sh", "-c" }));
    EXPECT_EQ(image["Config"]["WorkingDir"], "/srv");
    EXPECT_EQ(image["Config"]["User"], "app");
    EXPECT_TRUE(image["Config"]["ExposedPorts"].contains("80/tcp"));
    EXPECT_EQ(image["RootFS"]["Layers"].size(), 2u);

    auto line = json::parse(ok({ "images", "--format", "json" }));
    EXPECT_EQ(line["Repository"], "app");
    EXPECT_EQ(line["Tag"], "2");
    EXPECT_EQ(line["ID"], std::string(id.short_hex()));
}

TEST_F(ImageCommands, LoadsAGzippedOciArchiveAndChoosesThePlatform)
{
    ImageSpec amd64, arm64;
    arm64.architecture = "arm64";
    arm64.extra_files = { { "/etc/arch", "arm64\n", 0644 } };
    auto written = write_multi_arch_layout(scratch("multi"), amd64, arm64, "latest");
    auto tar = run_command({ "tar", "-C", scratch("multi"), "-czf", scratch("multi.tar.gz"), "." });
    ASSERT_EQ(tar.exit_code, 0) << tar.err;

    EXPECT_EQ(ok({ "load", "-i", scratch("multi.tar.gz") }), "Loaded image ID: " + written.amd64.config.string() + "\n");
    EXPECT_EQ(ok({ "load", "-i", scratch("multi.tar.gz"), "--platform", "linux/arm64" }),
        "Loaded image ID: " + written.arm64.config.string() + "\n");
    auto arm = json::parse(ok({ "inspect", written.arm64.config.string() }));
    EXPECT_EQ(arm[0]["Platform"], "linux/arm64/v8");
    fails({ "load", "-i", scratch("multi.tar.gz"), "--platform", "linux/s390x" }, "no image for platform linux/s390x (the image has: linux/amd64, linux/arm64/v8)");
    // Both images share busybox's layer: it is stored once.
    EXPECT_EQ(entries("layers"), 2u);
}

TEST_F(ImageCommands, RmiUntagsThenDeletesAndKeepsSharedLayers)
{
    auto first = write_docker_save_archive(scratch("one.tar"), app_spec(), "one:latest");
    ImageSpec plain;
    auto second = write_docker_save_archive(scratch("two.tar"), plain, "two:latest");
    ok({ "load", "-i", scratch("one.tar") });
    ok({ "load", "-i", scratch("two.tar") });
    ok({ "tag", "one", "also-one:1" });
    EXPECT_EQ(entries("layers"), 2u);

    EXPECT_EQ(ok({ "rmi", "also-one:1" }), "Untagged: docker.io/library/also-one:1\n");
    EXPECT_EQ(ok({ "rmi", "one" }), "Untagged: docker.io/library/one:latest\nDeleted: " + first.string() + "\n");
    fails({ "inspect", "one" }, "no such image: one");
    // The busybox layer stays for `two`; app's own layer, config and manifest went with `one`.
    EXPECT_EQ(entries("layers"), 1u);
    EXPECT_EQ(entries("blobs/sha256"), 2u);
    ok({ "rmi", std::string(second.short_hex()) });
    expect_empty_store();
}

TEST_F(ImageCommands, RmiByIdOfAnImageWithSeveralNamesNeedsForce)
{
    auto id = write_docker_save_archive(scratch("app.tar"), app_spec(), "app:1");
    ok({ "load", "-i", scratch("app.tar") });
    ok({ "tag", "app:1", "app:2" });
    fails({ "rmi", std::string(id.short_hex()) }, "has 2 names");
    ok({ "rmi", "--force", std::string(id.short_hex()) });
    expect_empty_store();
}

TEST_F(ImageCommands, ConcurrentLoadsBothLand)
{
    write_docker_save_archive(scratch("a.tar"), app_spec(), "a:1");
    ImageSpec plain;
    write_docker_save_archive(scratch("b.tar"), plain, "b:1");
    ProcessResult a, b;
    std::thread other([&] { b = vmlet({ "load", "-i", scratch("b.tar") }); });
    a = vmlet({ "load", "-i", scratch("a.tar") });
    other.join();
    EXPECT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(b.exit_code, 0) << b.err;
    auto listing = ok({ "images" });
    EXPECT_NE(listing.find("a "), std::string::npos) << listing;
    EXPECT_NE(listing.find("b "), std::string::npos) << listing;
}

TEST_F(ImageCommands, UnknownImagesAndBadNamesAreOneLineErrors)
{
    fails({ "inspect", "nothere" }, "no such image: nothere");
    fails({ "rmi", "nothere:1" }, "no such image: nothere:1");
    fails({ "inspect", "Bad/Name" }, "Bad/Name");
    write_docker_save_archive(scratch("app.tar"), app_spec(), "app:1");
    ok({ "load", "-i", scratch("app.tar") });
    fails({ "tag", "app:1", "UPPER" }, "must be lowercase");
    fails({ "load", "-i", scratch("missing.tar") }, "missing.tar");
    fails({ "load" }, "give an archive with -i FILE");
}

TEST_F(ImageCommands, AnArchiveThatIsNotOneLeavesNothing)
{
    write_file(scratch("garbage.tar"), std::vector<uint8_t>(4096, 0x5a));
    fails({ "load", "-i", scratch("garbage.tar") }, "garbage.tar");
    ImageSpec plain;
    write_oci_layout(scratch("empty"), plain);
    fs::remove(scratch("empty") + "/index.json");
    fails({ "load", "--dir", scratch("empty") }, "holds no image");
    expect_empty_store();
}

TEST_F(ImageCommands, ABlobWithTheWrongContentIsRefused)
{
    auto written = write_oci_layout(scratch("layout"), app_spec());
    // Swap the second layer's bytes for others: its digest no longer matches.
    write_file(scratch("layout") + "/blobs/sha256/" + std::string(written.layers[1].hex()), std::vector<uint8_t>(100, 1));
    fails({ "load", "--dir", scratch("layout") }, "blob " + written.layers[1].string() + " has the wrong content");
    expect_empty_store();
}

TEST_F(ImageCommands, ATruncatedLayerIsRefused)
{
    ImageSpec plain;
    write_docker_save_archive(scratch("app.tar"), plain, "app:1");
    ASSERT_EQ(run_command({ "mkdir", scratch("tree") }).exit_code, 0);
    ASSERT_EQ(run_command({ "tar", "-C", scratch("tree"), "-xf", scratch("app.tar") }).exit_code, 0);
    for (const auto& entry : fs::recursive_directory_iterator(scratch("tree"))) {
        if (entry.path().filename() == "layer.tar")
            fs::resize_file(entry.path(), fs::file_size(entry.path()) / 2);
    }
    ASSERT_EQ(run_command({ "tar", "-C", scratch("tree"), "-cf", scratch("truncated.tar"), "." }).exit_code, 0);
    fails({ "load", "-i", scratch("truncated.tar") }, "layer");
    expect_empty_store();
}

// Hostile layers (OCI image spec layer.md): every entry that could write outside the layer is
// refused by name, and nothing lands outside the store.
TEST_F(ImageCommands, HostileLayerEntriesAreRefusedByName)
{
    using Kind = TarEntry::Kind;
    struct Case {
        std::vector<TarEntry> entries;
        std::string refused;
    };
    std::vector<Case> cases {
        { { { "../escaped", Kind::File, "x" } }, "../escaped" },
        { { { "/escaped", Kind::File, "x" } }, "/escaped" },
        { { { "link", Kind::Symlink, "/tmp" }, { "link/escaped", Kind::File, "x" } }, "link/escaped" },
        { { { "hard", Kind::Hardlink, "../../etc/passwd" } }, "hard" },
        { { { "dev/sda", Kind::BlockDevice, "" } }, "dev/sda" },
        { { { "dev/mem", Kind::CharDevice, "" } }, "dev/mem" },
    };
    for (size_t i = 0; i < cases.size(); i++) {
        ImageSpec spec;
        spec.extra_layer_tar = make_tar(cases[i].entries);
        auto archive = scratch("hostile" + std::to_string(i) + ".tar");
        write_docker_save_archive(archive, spec, "hostile:1");
        fails({ "load", "-i", archive }, cases[i].refused);
        expect_empty_store();
    }
    EXPECT_FALSE(fs::exists(scratch("escaped")));
    EXPECT_FALSE(fs::exists(m_scratch.path() + "/../escaped"));
    EXPECT_FALSE(fs::exists("/escaped"));
    EXPECT_FALSE(fs::exists("/tmp/escaped"));
}

}

namespace vmlet::test {

TEST_F(ImageCommands, ImagePruneRemovesDanglingImagesAndWithAllEveryUnusedOne)
{
    // The first image loses its name to the second: dangling.
    auto first = write_docker_save_archive(scratch("first.tar"), app_spec(), "app:2");
    auto other = app_spec();
    other.cmd = { "echo another" };
    auto second = write_docker_save_archive(scratch("second.tar"), other, "app:2");
    ok({ "load", "-i", scratch("first.tar") });
    ok({ "load", "-i", scratch("second.tar") });
    auto both = ok({ "images", "-q" });
    ASSERT_EQ(std::count(both.begin(), both.end(), '\n'), 2) << both;
    ASSERT_NE(both.find(first.short_hex()), std::string::npos) << both;

    // Without -f it asks; "no" keeps everything.
    auto declined = run_vmlet({ "--root", root(), "image", "prune" }, { .timeout = std::chrono::seconds(60), .input = "n\n" });
    EXPECT_EQ(declined.exit_code, 0) << declined.err;
    EXPECT_NE(declined.out.find("[y/N]"), std::string::npos) << declined.out;
    EXPECT_EQ(ok({ "images", "-q" }), both);

    auto pruned = ok({ "image", "prune", "-f" });
    EXPECT_TRUE(pruned.starts_with("Deleted Images:\n")) << pruned;
    EXPECT_NE(pruned.find(first.string()), std::string::npos) << pruned;
    EXPECT_EQ(pruned.find(second.string()), std::string::npos) << pruned;
    EXPECT_EQ(ok({ "images", "-q" }), std::string(second.short_hex()) + "\n");
    EXPECT_EQ(ok({ "image", "prune", "-f" }), "Total reclaimed space: 0B\n");

    auto all = ok({ "image", "prune", "-a", "-f" });
    EXPECT_NE(all.find(second.string()), std::string::npos) << all;
    expect_empty_store();
}

TEST_F(ImageCommands, ImagesFiltersByDanglingAndReferenceAndFormatsByTemplate)
{
    auto first = write_docker_save_archive(scratch("first.tar"), app_spec(), "app:2");
    auto other = app_spec();
    other.cmd = { "echo another" };
    auto second = write_docker_save_archive(scratch("second.tar"), other, "app:2");
    ok({ "load", "-i", scratch("first.tar") });
    ok({ "load", "-i", scratch("second.tar") });
    ok({ "tag", "app:2", "localhost:5000/web:1" });
    EXPECT_EQ(ok({ "images", "--filter", "dangling=true", "-q" }), std::string(first.short_hex()) + "\n");
    EXPECT_EQ(ok({ "images", "--filter", "dangling=false", "--format", "{{.Repository}}:{{.Tag}}" }), "app:2\nlocalhost:5000/web:1\n");
    EXPECT_EQ(ok({ "images", "--filter", "reference=app", "--format", "{{.ID}} {{.Tag}}" }), std::string(second.short_hex()) + " 2\n");
    EXPECT_EQ(ok({ "images", "-f", "reference=*web:*", "--format", "{{.Repository}}" }), "localhost:5000/web\n");
    EXPECT_EQ(ok({ "images", "-f", "reference=nothing*", "-q" }), "");
    fails({ "images", "--filter", "label=a" }, "invalid filter 'label=a'");
    fails({ "images", "--format", "{{.Nope}}" }, "no field 'Nope'");
}

}
