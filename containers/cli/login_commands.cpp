#include "containers/cli/login_commands.h"

#include "vmm/base/file.h"
#include "containers/registry/auth_file.h"
#include "containers/registry/credential_store.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>

namespace vmlet {

namespace {

// A password piped in is at most a few KiB (a registry token used as one included).
constexpr size_t kPasswordLimit = 64 << 10;

struct LoginOptions {
    std::string registry, user;
    bool password_stdin { false };
};

// The registry as the auth file keys it: "https://index.docker.io/v1/" and "docker.io" alike.
Result<std::string> registry_key(const std::string& argument)
{
    std::string key = image::normal_auth_key(argument);
    bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 0x7f && c != '@'; });
    if (key.empty() || !printable || key.starts_with('/'))
        return make_error("'{}' is not a registry (e.g. docker.io, localhost:5000)", argument);
    return key;
}

// One line typed on the terminal, without echo when it is a password.
Result<std::string> prompt(const char* question, bool secret)
{
    fmt::print("{}", question);
    std::fflush(stdout);
    termios saved {};
    bool quiet = secret && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (quiet) {
        termios silent = saved;
        silent.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent);
    }
    std::string line;
    bool read = bool(std::getline(std::cin, line));
    if (quiet) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        fmt::print("\n");
    }
    if (!read)
        return make_error("no answer read from the terminal");
    return line;
}

Result<std::pair<std::string, std::string>> user_and_password(const LoginOptions& options)
{
    bool terminal = ::isatty(STDIN_FILENO);
    if (options.user.empty() && (options.password_stdin || !terminal))
        return make_error("vmlet login needs -u USER when its input is not a terminal");
    if (!options.password_stdin && !terminal)
        return make_error("vmlet login needs --password-stdin when its input is not a terminal");
    std::string user = options.user.empty() ? TRY(prompt("Username: ", false)) : options.user;
    std::string password;
    if (options.password_stdin) {
        password = TRY(read_to_end(STDIN_FILENO, kPasswordLimit));
        // `echo secret | vmlet login --password-stdin` ends it with a newline, as docker allows.
        while (password.ends_with('\n') || password.ends_with('\r'))
            password.pop_back();
    } else {
        password = TRY(prompt("Password: ", true));
    }
    // RFC 7617 section 2: the user-id cannot hold a colon, and neither can be empty here.
    if (user.empty() || user.find(':') != std::string::npos)
        return make_error("the user name must be non-empty and without ':'");
    if (password.empty())
        return make_error("the password is empty");
    return std::pair { std::move(user), std::move(password) };
}

Result<void> login(const LoginOptions& options)
{
    auto registry = TRY(registry_key(options.registry));
    auto credentials = TRY(user_and_password(options));
    TRY(image::set_own_credentials(registry, credentials));
    fmt::print("Login Succeeded\n");
    return {};
}

Result<void> logout(const std::string& argument)
{
    auto registry = TRY(registry_key(argument));
    bool removed = TRY(image::set_own_credentials(registry, std::nullopt));
    fmt::print("{} {}\n", removed ? "Removing login credentials for" : "Not logged in to", registry);
    return {};
}

}

std::vector<Command> add_login_commands(CLI::App& app)
{
    auto options = std::make_shared<LoginOptions>();
    auto* login_command = app.add_subcommand("login",
        "Keep credentials for one registry (in ~/.config/vmlet/auth.json, mode 0600; not checked with the registry here). "
        "vmlet also reads podman's auth.json and Docker's config.json; each registry's credentials go to it alone");
    login_command->add_option("registry", options->registry, "The registry, e.g. docker.io, localhost:5000")->required();
    login_command->add_option("-u,--username", options->user, "The user name (asked on the terminal if not given)");
    login_command->add_flag("--password-stdin", options->password_stdin, "Read the password from standard input");

    auto registry = std::make_shared<std::string>();
    auto* logout_command = app.add_subcommand("logout", "Forget the credentials vmlet login kept for a registry");
    logout_command->add_option("registry", *registry, "The registry, e.g. docker.io, localhost:5000")->required();

    return {
        { login_command, [options] {
             auto done = login(*options);
             return done.ok() ? 0 : fail(done.error().message());
         } },
        { logout_command, [registry] {
             auto done = logout(*registry);
             return done.ok() ? 0 : fail(done.error().message());
         } },
    };
}

}
