#include "containers/cli/go_template.h"

#include <gtest/gtest.h>

namespace vmlet {
namespace {

const nlohmann::json kObject = { { "State", { { "Status", "running" }, { "Pid", 42 }, { "Running", true } } }, { "Name", "/web" },
    { "Mounts", nlohmann::json::array({ { { "Destination", "/data" } } }) } };

TEST(GoTemplate, DottedPathsPrintStringsAsThemselvesAndTheRestAsJson)
{
    EXPECT_EQ(render_go_template("{{.State.Status}}", kObject).value(), "running");
    EXPECT_EQ(render_go_template("{{ .State.Pid }} {{.State.Running}}", kObject).value(), "42 true");
    EXPECT_EQ(render_go_template("name={{.Name}}!", kObject).value(), "name=/web!");
    EXPECT_EQ(render_go_template("{{json .Mounts}}", kObject).value(), R"([{"Destination":"/data"}])");
    EXPECT_EQ(render_go_template("{{json .Name}}", kObject).value(), R"("/web")");
    EXPECT_EQ(render_go_template("plain", kObject).value(), "plain");
}

TEST(GoTemplate, WhatItCannotRenderIsAnError)
{
    EXPECT_FALSE(render_go_template("{{.State.Nope}}", kObject).ok());
    EXPECT_FALSE(render_go_template("{{.Name.Sub}}", kObject).ok());
    EXPECT_FALSE(render_go_template("{{range .Mounts}}", kObject).ok());
    EXPECT_FALSE(render_go_template("{{.State", kObject).ok());
}

}
}
