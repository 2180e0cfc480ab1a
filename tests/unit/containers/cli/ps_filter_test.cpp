#include "containers/cli/ps_filter.h"

#include <gtest/gtest.h>

namespace vmlet {
namespace {

ContainerRecord record(const std::string& name, const std::string& id, Isolation isolation)
{
    ContainerRecord record;
    record.name = name;
    record.id = id;
    record.isolation = isolation;
    return record;
}

TEST(PsFilter, ValuesOfOneKeyAreAlternativesAndKeysMustAllMatch)
{
    auto web = record("web-1", "abcdef", Isolation::Process), db = record("db", "123456", Isolation::Vm);
    auto filter = PsFilter::parse({ "status=running", "status=paused", "name=web" }).value();
    EXPECT_TRUE(filter.filters_status());
    EXPECT_TRUE(filter.matches(web, "running"));
    EXPECT_TRUE(filter.matches(web, "paused"));
    EXPECT_FALSE(filter.matches(web, "exited"));
    EXPECT_FALSE(filter.matches(db, "running"));
    auto by_id = PsFilter::parse({ "id=123", "isolation=vm" }).value();
    EXPECT_FALSE(by_id.filters_status());
    EXPECT_TRUE(by_id.matches(db, "exited"));
    EXPECT_FALSE(by_id.matches(web, "exited"));
    EXPECT_TRUE(PsFilter::parse({}).value().matches(web, "created"));
}

TEST(PsFilter, UnknownKeysStatusesAndLabelsAreRefused)
{
    EXPECT_FALSE(PsFilter::parse({ "status=sleeping" }).ok());
    EXPECT_FALSE(PsFilter::parse({ "colour=red" }).ok());
    EXPECT_FALSE(PsFilter::parse({ "label=a=b" }).ok());
    EXPECT_FALSE(PsFilter::parse({ "name" }).ok());
    EXPECT_FALSE(PsFilter::parse({ "=x" }).ok());
}

}
}
