#include "containers/runtime/network/name_files.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sstream>

namespace vmlet {

namespace {

bool is_loopback(std::string_view address)
{
    return address.starts_with("127.") || address == "::1" || address == "0:0:0:0:0:0:0:1";
}

void add_line(std::string& file, const HostEntry& entry)
{
    if (!entry.names.empty())
        file += fmt::format("{}\t{}\n", entry.address, fmt::join(entry.names, " "));
}

}

std::string hosts_base(const std::string& hostname, const std::optional<NetworkAttachment>& network,
    const std::vector<HostEntry>& extra)
{
    std::string file = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
    add_line(file, { network ? format_ipv4(network->address) : "127.0.1.1", { hostname } });
    for (const auto& entry : extra)
        add_line(file, entry);
    return file;
}

std::string hosts_file(const std::string& base, const std::vector<HostEntry>& peers)
{
    std::string file = base;
    for (const auto& peer : peers)
        add_line(file, peer);
    return file;
}

std::string resolv_conf(const std::string& host_resolv_conf, const std::vector<std::string>& dns)
{
    std::string kept;
    bool has_nameserver = false;
    std::istringstream lines(host_resolv_conf);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string keyword, value;
        words >> keyword >> value;
        if (keyword == "nameserver") {
            if (!dns.empty() || is_loopback(value))
                continue;
            has_nameserver = true;
        }
        kept += line + "\n";
    }
    for (const auto& server : dns)
        kept += fmt::format("nameserver {}\n", server);
    if (dns.empty() && !has_nameserver)
        kept += "nameserver 8.8.8.8\nnameserver 8.8.4.4\n";
    return kept;
}

}
