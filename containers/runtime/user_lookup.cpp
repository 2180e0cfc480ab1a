#include "containers/runtime/user_lookup.h"

#include "vmm/base/text.h"

#include <algorithm>
#include <charconv>

namespace vmlet {

namespace {

std::optional<uint32_t> parse_id(std::string_view text)
{
    uint32_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

// The records of a passwd(5) or group(5) file split into fields; comments and short lines skipped.
std::vector<std::vector<std::string_view>> records(std::optional<std::string_view> file, size_t min_fields)
{
    std::vector<std::vector<std::string_view>> result;
    if (!file)
        return result;
    for (auto line : split(*file, '\n')) {
        if (line.empty() || line.front() == '#')
            continue;
        auto fields = split(line, ':');
        if (fields.size() >= min_fields && parse_id(fields[2]))
            result.push_back(std::move(fields));
    }
    return result;
}

bool matches(const std::vector<std::string_view>& record, std::string_view name_or_id)
{
    return record[0] == name_or_id || (parse_id(name_or_id) && parse_id(record[2]) == parse_id(name_or_id));
}

}

Result<ExecUser> resolve_exec_user(std::string_view spec, std::optional<std::string_view> passwd,
    std::optional<std::string_view> group)
{
    ExecUser user;
    auto colon = spec.find(':');
    auto user_part = spec.substr(0, colon);
    auto group_part = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
    if (user_part.empty() && !spec.empty())
        return make_error("invalid user \"{}\": the user part is empty", spec);
    if (user_part.empty())
        user_part = "0";

    std::string user_name;
    auto passwd_records = records(passwd, 7);
    auto entry = std::find_if(passwd_records.begin(), passwd_records.end(),
        [&](const auto& record) { return matches(record, user_part); });
    if (entry != passwd_records.end()) {
        user_name = std::string((*entry)[0]);
        user.uid = *parse_id((*entry)[2]);
        user.gid = parse_id((*entry)[3]).value_or(0);
        if (!(*entry)[5].empty())
            user.home = std::string((*entry)[5]);
    } else if (auto uid = parse_id(user_part)) {
        user.uid = *uid;
    } else {
        return make_error("unable to find user {}: no matching entries in passwd file", user_part);
    }

    auto group_records = records(group, 3);
    if (!group_part.empty()) {
        auto found = std::find_if(group_records.begin(), group_records.end(),
            [&](const auto& record) { return matches(record, group_part); });
        if (found != group_records.end())
            user.gid = *parse_id((*found)[2]);
        else if (auto gid = parse_id(group_part))
            user.gid = *gid;
        else
            return make_error("unable to find group {}: no matching entries in group file", group_part);
        user.supplementary_gids = { user.gid };
        return user;
    }

    // Supplementary groups only make sense in the implicit form (runc's comment, and its behaviour).
    user.supplementary_gids = { user.gid };
    for (const auto& record : group_records) {
        if (record.size() < 4 || user_name.empty())
            continue;
        auto members = split(record[3], ',');
        auto gid = *parse_id(record[2]);
        if (std::find(members.begin(), members.end(), user_name) != members.end()
            && std::find(user.supplementary_gids.begin(), user.supplementary_gids.end(), gid) == user.supplementary_gids.end())
            user.supplementary_gids.push_back(gid);
    }
    return user;
}

}
