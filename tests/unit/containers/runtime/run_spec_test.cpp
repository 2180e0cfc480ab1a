#include "containers/runtime/run_spec.h"

#include <gtest/gtest.h>

#include <map>

using namespace vmlet;
using Strings = std::vector<std::string>;

namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";

image::ImageConfig config_with(Strings entrypoint, Strings cmd)
{
    image::ImageConfig config;
    config.entrypoint = std::move(entrypoint);
    config.cmd = std::move(cmd);
    config.env = { "PATH=/app/bin:/bin", "MODE=image" };
    config.working_dir = "/srv";
    config.user = "app";
    return config;
}

std::optional<std::string> no_host_env(const std::string&) { return std::nullopt; }

ContainerSpec resolve(const image::ImageConfig& config, const RunOptions& options)
{
    auto spec = resolve_run_spec(config, options, kId, no_host_env);
    EXPECT_TRUE(spec.ok()) << spec.error().message();
    return spec.ok() ? spec.release_value() : ContainerSpec {};
}

std::string env_value(const ContainerSpec& spec, const std::string& key)
{
    for (const auto& variable : spec.env) {
        if (variable.starts_with(key + "="))
            return variable.substr(key.size() + 1);
    }
    return "<unset>";
}

}

// docker run reference, "ENTRYPOINT" and "CMD": how the four combinations come out.
TEST(RunSpec, EntrypointAndCmdFollowDockersRules)
{
    auto both = config_with({ "/bin/app" }, { "--serve" });
    EXPECT_EQ(resolve(both, {}).args, (Strings { "/bin/app", "--serve" }));
    EXPECT_EQ(resolve(both, { .command = { "--once" } }).args, (Strings { "/bin/app", "--once" }));
    // --entrypoint drops the image's Cmd too.
    EXPECT_EQ(resolve(both, { .entrypoint = "/bin/sh" }).args, Strings { "/bin/sh" });
    EXPECT_EQ(resolve(both, { .entrypoint = "/bin/sh", .command = { "-c", "true" } }).args, (Strings { "/bin/sh", "-c", "true" }));
    EXPECT_EQ(resolve(both, { .entrypoint = "", .command = { "ls" } }).args, Strings { "ls" });

    auto cmd_only = config_with({}, { "sh" });
    EXPECT_EQ(resolve(cmd_only, {}).args, Strings { "sh" });
    EXPECT_EQ(resolve(cmd_only, { .command = { "echo", "hi" } }).args, (Strings { "echo", "hi" }));
}

TEST(RunSpec, NoCommandAtAllIsAnError)
{
    auto spec = resolve_run_spec(config_with({}, {}), {}, kId, no_host_env);
    ASSERT_FALSE(spec.ok());
    EXPECT_NE(spec.error().message().find("no command specified"), std::string::npos);
    EXPECT_FALSE(resolve_run_spec(config_with({ "/bin/app" }, {}), { .entrypoint = "" }, kId, no_host_env).ok());
}

TEST(RunSpec, EnvironmentOverridesByNameInOrder)
{
    auto config = config_with({}, { "sh" });
    std::map<std::string, std::string> host { { "FROM_HOST", "yes" } };
    auto lookup = [&](const std::string& name) -> std::optional<std::string> {
        auto found = host.find(name);
        return found == host.end() ? std::nullopt : std::optional(found->second);
    };
    RunOptions options { .env = { "MODE=flag", "EXTRA=1", "FROM_HOST", "NOT_ON_HOST" }, .env_file = { "MODE=file", "FILE=1" } };
    auto spec = resolve_run_spec(config, options, kId, lookup).release_value();
    EXPECT_EQ(env_value(spec, "MODE"), "flag");
    EXPECT_EQ(env_value(spec, "FILE"), "1");
    EXPECT_EQ(env_value(spec, "EXTRA"), "1");
    EXPECT_EQ(env_value(spec, "FROM_HOST"), "yes");
    EXPECT_EQ(env_value(spec, "NOT_ON_HOST"), "<unset>");
    EXPECT_EQ(env_value(spec, "PATH"), "/app/bin:/bin");
    EXPECT_EQ(env_value(spec, "HOSTNAME"), "0123456789ab");
    EXPECT_EQ(env_value(spec, "TERM"), "<unset>");
    EXPECT_EQ(std::count_if(spec.env.begin(), spec.env.end(), [](const std::string& v) { return v.starts_with("MODE="); }), 1);
    EXPECT_FALSE(resolve_run_spec(config, { .env = { "=x" } }, kId, lookup).ok());
}

TEST(RunSpec, DefaultsForPathTermHostnameWorkdirAndUser)
{
    image::ImageConfig bare;
    bare.cmd = { "sh" };
    auto spec = resolve(bare, { .hostname = "box", .tty = true });
    EXPECT_EQ(env_value(spec, "PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    EXPECT_EQ(env_value(spec, "TERM"), "xterm");
    EXPECT_EQ(spec.hostname, "box");
    EXPECT_EQ(spec.working_dir, "/");
    EXPECT_EQ(spec.user, "");

    auto config = config_with({}, { "sh" });
    EXPECT_EQ(resolve(config, {}).working_dir, "/srv");
    EXPECT_EQ(resolve(config, {}).user, "app");
    EXPECT_EQ(resolve(config, { .working_dir = "/tmp", .user = "0:0" }).working_dir, "/tmp");
    EXPECT_EQ(resolve(config, { .working_dir = "/tmp", .user = "0:0" }).user, "0:0");
    auto relative = resolve_run_spec(config, { .working_dir = "tmp" }, kId, no_host_env);
    ASSERT_FALSE(relative.ok());
    EXPECT_NE(relative.error().message().find("absolute path"), std::string::npos);
}

TEST(RunSpec, EnvFileLines)
{
    auto variables = parse_env_file("# comment\nA=1\n\n  B=two words\r\nC\n   # indented comment\n").release_value();
    EXPECT_EQ(variables, (Strings { "A=1", "B=two words", "C" }));
    EXPECT_FALSE(parse_env_file("=1\n").ok());
    EXPECT_FALSE(parse_env_file("BAD KEY=1\n").ok());
}

// An image's JSON can hold a NUL byte ("\u0000"), which execve(2) would cut at and which would
// smuggle another field into the guest agent's NUL-terminated spec: refused wherever it is.
TEST(RunSpec, ANulByteAnywhereInTheProcessIsRefused)
{
    using namespace std::string_literals;
    auto refused = [](const image::ImageConfig& config, const RunOptions& options) {
        auto spec = resolve_run_spec(config, options, kId, no_host_env);
        return spec.ok() ? std::string("accepted") : spec.error().message();
    };
    auto config = config_with({ "/bin/sh" }, { "-c", "true" });
    EXPECT_EQ(refused(config, {}), "accepted");
    auto in_env = config;
    in_env.env.push_back("EVIL=x\0uroot"s);
    EXPECT_EQ(refused(in_env, {}), "the environment has a NUL byte in EVIL=x");
    auto in_args = config_with({ "/bin/sh\0x"s }, {});
    EXPECT_EQ(refused(in_args, {}), "the command has a NUL byte in an argument");
    auto in_user = config;
    in_user.user = "app\0root"s;
    EXPECT_EQ(refused(in_user, {}), "the user has a NUL byte");
    auto in_workdir = config;
    in_workdir.working_dir = "/srv\0x"s;
    EXPECT_EQ(refused(in_workdir, {}), "the working directory has a NUL byte");
}
