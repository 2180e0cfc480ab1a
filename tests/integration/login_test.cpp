// `vmlet login` and `logout`, and the credentials they keep going to their own registry alone:
// two real registries (docker-registry behind the Docker token protocol, each with a token
// service of its own that knows the same account) on 127.0.0.1. Labelled "registry".
#include "tests/integration/pull_fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace vmlet::test {

namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path)
{
    std::ifstream file(path);
    return { std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>() };
}

class Login : public Pull {
protected:
    ProcessResult login(const std::string& registry, const std::string& password)
    {
        return vmlet({ "login", "-u", RegistryServer::kUser, "--password-stdin", registry }, {}, password + "\n");
    }
    std::string auth_file() const { return home() + "/.config/vmlet/auth.json"; }
};

}

TEST_F(Login, ATokenRegistryNeedsTheCredentialsOfALogin)
{
    RegistryServer registry(RegistryAuth::Token);
    write_oci_layout(scratch("layout"), app_spec(), "1");
    registry.push(scratch("layout"), "1", "private");
    auto name = registry.address() + "/private:1";

    expect_failure(vmlet({ "pull", name }), "authentication required by " + registry.address() + " (log in with 'vmlet login "
            + registry.address() + "')");
    ASSERT_EQ(login(registry.address(), "wrong").exit_code, 0);
    expect_failure(vmlet({ "pull", name }), "the credentials for it in " + auth_file() + " were rejected");
    auto logged_in = login(registry.address(), RegistryServer::kPassword);
    ASSERT_EQ(logged_in.exit_code, 0) << logged_in.err;
    EXPECT_EQ(logged_in.out, "Login Succeeded\n");
    auto pulled = vmlet({ "pull", name });
    EXPECT_EQ(pulled.exit_code, 0) << pulled.err << registry.log();
}

// The other registry's token service knows the same account, so credentials that reached it
// would be accepted: the pull from it failing shows they never did.
TEST_F(Login, CredentialsForOneRegistryNeverReachAnother)
{
    RegistryServer mine(RegistryAuth::Token);
    RegistryServer other(RegistryAuth::Token);
    write_oci_layout(scratch("layout"), app_spec(), "1");
    mine.push(scratch("layout"), "1", "private");
    other.push(scratch("layout"), "1", "private");
    ASSERT_EQ(login(mine.address(), RegistryServer::kPassword).exit_code, 0);

    auto pulled = vmlet({ "pull", mine.address() + "/private:1" });
    ASSERT_EQ(pulled.exit_code, 0) << pulled.err << mine.log();
    auto refused = vmlet({ "pull", other.address() + "/private:1" });
    EXPECT_EQ(refused.exit_code, 125);
    EXPECT_NE(refused.err.find("authentication required by " + other.address()), std::string::npos) << refused.err;
}

TEST_F(Login, KeepsCredentialsInAFileOnlyItsOwnerReads)
{
    ASSERT_EQ(login("localhost:5000", "secret").exit_code, 0);
    ASSERT_EQ(login("https://index.docker.io/v1/", "hub").exit_code, 0);
    struct stat status {};
    ASSERT_EQ(::stat(auth_file().c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 07777, 0600u);
    auto file = nlohmann::json::parse(read_text(auth_file()));
    EXPECT_EQ(file["auths"]["localhost:5000"]["auth"], "dm1sZXQ6c2VjcmV0"); // vmlet:secret
    EXPECT_TRUE(file["auths"].contains("docker.io"));

    auto out = vmlet({ "logout", "localhost:5000" });
    ASSERT_EQ(out.exit_code, 0) << out.err;
    EXPECT_EQ(out.out, "Removing login credentials for localhost:5000\n");
    file = nlohmann::json::parse(read_text(auth_file()));
    EXPECT_FALSE(file["auths"].contains("localhost:5000"));
    EXPECT_TRUE(file["auths"].contains("docker.io"));
    EXPECT_EQ(vmlet({ "logout", "localhost:5000" }).out, "Not logged in to localhost:5000\n");
}

// Bad input: one line, 125, and no file written.
TEST_F(Login, RefusesWhatItCannotStore)
{
    expect_failure(vmlet({ "login", "--password-stdin", "localhost:5000" }, {}, "pw\n"), "needs -u USER");
    expect_failure(vmlet({ "login", "-u", "vmlet", "localhost:5000" }, {}, "pw\n"), "needs --password-stdin");
    expect_failure(vmlet({ "login", "-u", "a:b", "--password-stdin", "localhost:5000" }, {}, "pw\n"), "without ':'");
    expect_failure(vmlet({ "login", "-u", "vmlet", "--password-stdin", "localhost:5000" }, {}, "\n"), "the password is empty");
    expect_failure(vmlet({ "login", "-u", "vmlet", "--password-stdin", "bad host" }, {}, "pw\n"), "'bad host' is not a registry");
    EXPECT_FALSE(fs::exists(auth_file()));
}

// Docker's config.json and containers' auth.json are read too, each entry for its own registry.
TEST_F(Login, ReadsDockerAndContainersCredentials)
{
    RegistryServer registry(RegistryAuth::Token);
    write_oci_layout(scratch("layout"), app_spec(), "1");
    registry.push(scratch("layout"), "1", "private");
    std::string good = "dm1sZXQ6cmVnaXN0cnktc2VjcmV0"; // vmlet:registry-secret
    nlohmann::json docker = { { "auths", { { "http://" + registry.address(), { { "auth", good } } } } } };
    fs::create_directories(home() + "/.docker");
    std::ofstream(home() + "/.docker/config.json") << docker.dump();
    auto pulled = vmlet({ "pull", registry.address() + "/private:1" });
    ASSERT_EQ(pulled.exit_code, 0) << pulled.err;

    nlohmann::json containers = { { "auths", { { registry.address() + "/private", { { "auth", good } } } } } };
    fs::create_directories(runtime_dir() + "/containers");
    std::ofstream(runtime_dir() + "/containers/auth.json") << containers.dump();
    fs::remove(home() + "/.docker/config.json");
    ASSERT_EQ(vmlet({ "rmi", registry.address() + "/private:1" }).exit_code, 0);
    pulled = vmlet({ "pull", registry.address() + "/private:1" });
    EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
}

}
