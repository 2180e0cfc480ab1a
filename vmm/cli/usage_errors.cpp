#include "vmm/cli/usage_errors.h"

#include <fmt/format.h>

#include <regex>

namespace vmlet {

namespace {

// CLI11 2.1's own wording of each error (CLI/Error.hpp), which names what is wrong in a sentence
// of its own; these turn it into one that names the flag first.
std::string reworded(const CLI::ParseError& error)
{
    std::string text = error.what();
    std::smatch match;
    if (dynamic_cast<const CLI::ExtrasError*>(&error)) {
        static const std::regex extras(R"(The following arguments? (?:was|were) not expected: (\S+).*)");
        if (std::regex_match(text, match, extras)) {
            auto word = match[1].str();
            if (word.starts_with("-"))
                return fmt::format("unknown flag '{}'", word.substr(0, word.find('=')));
            return fmt::format("unexpected argument '{}'", word);
        }
    }
    if (dynamic_cast<const CLI::ConversionError*>(&error)) {
        static const std::regex conversion(R"(Could not convert: (\S+) = (.*))");
        if (std::regex_match(text, match, conversion))
            return fmt::format("invalid value '{}' for {}", match[2].str(), match[1].str());
    }
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&error)) {
        static const std::regex missing(R"((\S+): \d+ required \S+ missing)");
        if (std::regex_match(text, match, missing))
            return fmt::format("{} needs a value", match[1].str());
    }
    if (dynamic_cast<const CLI::RequiredError*>(&error)) {
        static const std::regex required(R"((\S+) is required)");
        if (std::regex_match(text, match, required))
            return fmt::format("missing argument: {}", match[1].str());
    }
    return text;
}

}

std::string usage_error_message(const CLI::App& app, const CLI::ParseError& error, std::string_view program)
{
    std::string command(program);
    for (const auto* sub : app.get_subcommands())
        command += " " + sub->get_name();
    return fmt::format("{} (see '{} --help')", reworded(error), command);
}

std::string unknown_flag_message(std::string_view command, std::string_view word)
{
    return fmt::format("unknown flag '{}' (see 'vmlet {} --help')", word.substr(0, word.find('=')), command);
}

}
