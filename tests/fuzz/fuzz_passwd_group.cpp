// Fuzzes user lookup (containers/runtime/user_lookup.cpp): `--user` resolved against the image's
// own /etc/passwd and /etc/group, which the image's author wrote.
// Input: the --user value, a NUL, the passwd text, a NUL, the group text. A missing part is a
// missing file (nullopt), so "u\0passwd" has no /etc/group.
// Checks, for a user that resolves: the supplementary groups start with the primary gid and hold
// no gid twice (setgroups(2) takes them as they are); the home is never empty; a numeric user
// that no passwd record names (by name or uid) is used as is.

#include "containers/runtime/user_lookup.h"
#include "tests/fuzz/fuzz_check.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

using vmlet::fuzz_support::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto next_part = [&]() -> std::optional<std::string_view> {
        if (input.data() == nullptr)
            return std::nullopt;
        auto end = input.find('\0');
        auto part = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        return part;
    };
    auto spec = next_part().value_or("");
    auto passwd = next_part();
    auto group = next_part();

    auto user = vmlet::resolve_exec_user(spec, passwd, group);
    if (!user.ok()) {
        check(!user.error().message().empty(), "an error without a message");
        return 0;
    }
    const auto& value = user.value();
    const auto& groups = value.supplementary_gids;
    check(!groups.empty() && groups.front() == value.gid, "the supplementary groups do not start with the primary gid");
    for (size_t index = 0; index < groups.size(); ++index)
        check(std::find(groups.begin() + index + 1, groups.end(), groups[index]) == groups.end(), "a supplementary gid twice");
    check(!value.home.empty(), "an empty home directory");

    auto user_part = spec.substr(0, spec.find(':'));
    uint32_t number = 0;
    auto [end, error] = std::from_chars(user_part.data(), user_part.data() + user_part.size(), number);
    bool numeric = !user_part.empty() && error == std::errc() && end == user_part.data() + user_part.size();
    if (numeric && passwd && passwd->find(user_part) == std::string_view::npos)
        check(value.uid == number, "a numeric user in no passwd record not used as is");
    return 0;
}
