#include "containers/registry/credential_store.h"

#include "vmm/base/file.h"
#include "containers/image/durable_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

namespace vmlet::image {

namespace {

// Auth files are a few entries; a larger one is not one.
constexpr size_t kAuthFileLimit = 1 << 20;

std::string variable(const char* name)
{
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::string config_home()
{
    if (auto xdg = variable("XDG_CONFIG_HOME"); !xdg.empty())
        return xdg;
    return variable("HOME") + "/.config";
}

// Every file that may hold credentials, in the order they are read (credential_store.h).
std::vector<std::string> auth_files()
{
    std::vector<std::string> files { own_auth_file() };
    if (auto file = variable("REGISTRY_AUTH_FILE"); !file.empty()) {
        files.push_back(file);
    } else {
        if (auto runtime = variable("XDG_RUNTIME_DIR"); !runtime.empty())
            files.push_back(runtime + "/containers/auth.json");
        files.push_back(config_home() + "/containers/auth.json");
    }
    auto docker = variable("DOCKER_CONFIG");
    files.push_back((docker.empty() ? variable("HOME") + "/.docker" : docker) + "/config.json");
    return files;
}

// The file's text, or nothing when it does not exist.
Result<std::optional<std::string>> read_if_present(const std::string& path)
{
    struct stat status {};
    if (::stat(path.c_str(), &status) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return std::optional<std::string> {};
        return errno_error(fmt::format("reading {}", path));
    }
    return std::optional<std::string>(TRY(read_small_file(path, kAuthFileLimit)));
}

}

std::string own_auth_file()
{
    return config_home() + "/vmlet/auth.json";
}

Result<std::optional<Credentials>> find_credentials(std::string_view registry, std::string_view repository)
{
    for (const auto& file : auth_files()) {
        auto text = TRY(read_if_present(file));
        if (!text)
            continue;
        auto found = TRY(credentials_in(*text, file, registry, repository));
        if (found)
            return found;
    }
    return std::optional<Credentials> {};
}

Result<bool> set_own_credentials(std::string_view registry, const std::optional<std::pair<std::string, std::string>>& user_password)
{
    std::string file = own_auth_file();
    auto text = TRY(read_if_present(file));
    auto updated = TRY(with_credentials(text.value_or(""), file, registry, user_password));
    if (!updated)
        return false;
    std::string directory = file.substr(0, file.rfind('/'));
    for (const auto& parent : { config_home(), directory }) {
        if (::mkdir(parent.c_str(), 0700) < 0 && errno != EEXIST)
            return errno_error(fmt::format("creating {}", parent));
    }
    TRY(write_file_durably(file, *updated, 0600));
    return true;
}

}
