#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace vmlet {

// One line for a command-line mistake, naming the flag or argument at fault and where to read
// more: "unknown flag '--bogus' (see 'vmlet ps --help')", "invalid value 'abc' for --cpus (...)".
// `program` is what the user typed first ("vmlet"); the subcommand comes from `app`, once parsed.
std::string usage_error_message(const CLI::App& app, const CLI::ParseError& error, std::string_view program);

// For the commands that take their own words after the flags (run, exec): a word that looks like a
// flag but is none of theirs.
std::string unknown_flag_message(std::string_view command, std::string_view word);

}
