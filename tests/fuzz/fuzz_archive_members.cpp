// Fuzzes the image archive member resolver (containers/image/archive_spool.cpp): `vmlet load -i`
// follows the names that an archive's manifest.json or index.json gives (config, layers, blobs)
// to members of that same archive, through any symbolic links it holds.
// Input: lines, each one letter, a space and a name: "f NAME" a regular member, "d NAME" a
// directory, "o NAME" some other kind, "l NAME<TAB>TARGET" a symbolic link, all recorded as
// spool_image_archive records them (by their normal name, skipping the top); "? NAME" a name to
// resolve, as manifest.json spells it.
// Checks: a normal name is relative, with neither "", "." nor ".." components, and normal again;
// a resolved name is normal, names a regular member, and resolves to itself.

#include "containers/image/archive_spool.h"
#include "tests/fuzz/fuzz_check.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace vmlet::image;
using vmlet::fuzz_support::check;

namespace {

void check_normal(std::string_view name)
{
    auto again = normal_member_name(name);
    check(again && *again == name, "a normal name that is not normal again");
    check(!name.starts_with('/') && !name.ends_with('/') && name.find("//") == std::string_view::npos, "a normal name with an empty component");
    for (size_t start = 0; start <= name.size();) {
        auto end = std::min(name.find('/', start), name.size());
        auto component = name.substr(start, end - start);
        check(name.empty() || (component != "." && component != ".."), "a normal name with a '.' or '..' component");
        start = end + 1;
    }
}

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> result;
    for (size_t start = 0; start < text.size();) {
        auto end = std::min(text.find('\n', start), text.size());
        result.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return result;
}

}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    SpooledArchive archive;
    std::vector<std::string_view> queries;
    for (auto line : lines(input)) {
        if (line.size() < 2 || line[1] != ' ')
            continue;
        auto name = line.substr(2);
        if (line[0] == '?') {
            queries.push_back(name);
            continue;
        }
        ArchiveMember member;
        switch (line[0]) {
        case 'f': member.kind = ArchiveMember::Kind::File; break;
        case 'd': member.kind = ArchiveMember::Kind::Directory; break;
        case 'o': member.kind = ArchiveMember::Kind::Other; break;
        case 'l': {
            auto tab = name.find('\t');
            if (tab == std::string_view::npos)
                continue;
            member = { ArchiveMember::Kind::Symlink, std::string(name.substr(tab + 1)) };
            name = name.substr(0, tab);
            break;
        }
        default: continue;
        }
        auto normal = normal_member_name(name);
        if (!normal)
            continue;
        check_normal(*normal);
        if (!normal->empty())
            (void)archive.add(*normal, member);
    }

    auto lookup = archive.lookup_function();
    for (auto query : queries) {
        if (auto normal = normal_member_name(query))
            check_normal(*normal);
        auto resolved = resolve_archive_member(query, lookup);
        if (!resolved.ok()) {
            check(!resolved.error().message().empty(), "an error without a message");
            continue;
        }
        const auto& name = resolved.value();
        check(!name.empty(), "an empty name resolved");
        check_normal(name);
        check(archive.lookup(name).kind == ArchiveMember::Kind::File, "a resolved name that is not a regular member");
        auto again = resolve_archive_member(name, lookup);
        check(again.ok() && again.value() == name, "a resolved name that does not resolve to itself");
    }
    return 0;
}
