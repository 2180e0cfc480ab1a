#include "containers/image/image_index.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace vmlet::image;

namespace {

class ImageIndexTest : public ::testing::Test {
protected:
    ImageIndexTest()
    {
        char path[] = "/tmp/vmlet-index-XXXXXX";
        m_root = mkdtemp(path);
    }
    ~ImageIndexTest() override { std::filesystem::remove_all(m_root); }

    ImageRecord record(char id_digit)
    {
        return { .id = Digest::parse("sha256:" + std::string(64, id_digit)).value(),
            .manifest = Digest::of(std::string(1, id_digit)),
            .platform = "linux/amd64",
            .created = "2024-01-01T00:00:00Z",
            .layers = { { Digest::of(std::string_view("blob")), Digest::of(std::string_view("tar")), 1000 } },
            .tags = {} };
    }

    std::string m_root;
};

Reference reference(std::string_view text) { return Reference::parse(text).release_value(); }

}

TEST_F(ImageIndexTest, FindsByNameFullIdAndUnambiguousShortId)
{
    auto store = Store::open(m_root).release_value();
    ImageIndex index(store);
    ASSERT_TRUE(index.add(record('a')).ok());
    ASSERT_TRUE(index.add(record('b')).ok());
    ASSERT_TRUE(index.tag(reference("busybox"), record('a').id).ok());

    EXPECT_EQ(index.find("busybox").value().id, record('a').id);
    EXPECT_EQ(index.find("docker.io/library/busybox:latest").value().id, record('a').id);
    EXPECT_EQ(index.find("bbbb").value().id, record('b').id);
    EXPECT_EQ(index.find("sha256:" + std::string(64, 'b')).value().id, record('b').id);
    EXPECT_EQ(index.find("busybox").value().tags, std::vector<std::string> { "docker.io/library/busybox:latest" });
    EXPECT_EQ(index.find("busybox").value().size(), 1000u);

    auto missing = index.find("alpine");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message(), "no such image: alpine");
    EXPECT_FALSE(index.find("Bad:Name").ok());
}

TEST_F(ImageIndexTest, ATagMovesAndUntaggingKeepsTheImage)
{
    auto store = Store::open(m_root).release_value();
    ImageIndex index(store);
    ASSERT_TRUE(index.add(record('a')).ok());
    ASSERT_TRUE(index.add(record('b')).ok());
    ASSERT_TRUE(index.tag(reference("app:1"), record('a').id).ok());
    ASSERT_TRUE(index.tag(reference("app:1"), record('b').id).ok());
    EXPECT_EQ(index.find("app:1").value().id, record('b').id);
    EXPECT_TRUE(index.find("aaaa").value().tags.empty());

    ASSERT_TRUE(index.untag("docker.io/library/app:1").ok());
    EXPECT_FALSE(index.find("app:1").ok());
    EXPECT_EQ(index.all().value().size(), 2u);
    ASSERT_TRUE(index.remove_record(record('b').id).ok());
    EXPECT_EQ(index.all().value().size(), 1u);
}

TEST_F(ImageIndexTest, AmbiguousShortIdIsRefused)
{
    auto store = Store::open(m_root).release_value();
    ImageIndex index(store);
    auto first = record('a');
    auto second = record('a');
    second.id = Digest::parse("sha256:" + std::string(63, 'a') + "b").value();
    ASSERT_TRUE(index.add(first).ok());
    ASSERT_TRUE(index.add(second).ok());
    auto found = index.find("aaaa");
    ASSERT_FALSE(found.ok());
    EXPECT_NE(found.error().message().find("ambiguous"), std::string::npos);
}

TEST_F(ImageIndexTest, StoreKeepsOnlyVerifiedBlobs)
{
    auto store = Store::open(m_root).release_value();
    auto right = Digest::of(std::string_view("config"));
    ASSERT_TRUE(store.write_blob("config", right).ok());
    EXPECT_TRUE(store.has_blob(right));
    EXPECT_EQ(store.read_blob(right).value(), "config");

    auto wrong = Digest::of(std::string_view("other"));
    EXPECT_FALSE(store.write_blob("config!", wrong).ok());
    EXPECT_FALSE(store.has_blob(wrong));
    EXPECT_TRUE(std::filesystem::is_empty(m_root + "/tmp")) << "a rejected blob was left in tmp/";
}

TEST_F(ImageIndexTest, AnExclusiveLockClearsWhatADeadWriterLeftInTmp)
{
    auto store = Store::open(m_root).release_value();
    std::filesystem::create_directories(store.temp_path("layer") + "/diff/etc");
    ASSERT_FALSE(std::filesystem::is_empty(m_root + "/tmp"));
    {
        auto shared = store.lock_shared();
        ASSERT_TRUE(shared.ok());
    }
    ASSERT_FALSE(std::filesystem::is_empty(m_root + "/tmp"));
    auto lock = store.lock_exclusive();
    ASSERT_TRUE(lock.ok());
    EXPECT_TRUE(std::filesystem::is_empty(m_root + "/tmp"));
}
