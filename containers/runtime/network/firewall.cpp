#include "containers/runtime/network/firewall.h"

#include "containers/runtime/network/network_attachment.h"

#include <nftables/libnftables.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

namespace vmlet {

namespace {

struct FreeContext {
    void operator()(nft_ctx* nft) const { nft_ctx_free(nft); }
};

// Runs nft commands as one transaction: all of them take effect or none.
Result<void> run_nft(const std::string& commands)
{
    std::unique_ptr<nft_ctx, FreeContext> nft(nft_ctx_new(NFT_CTX_DEFAULT));
    if (!nft)
        return make_error("cannot start libnftables");
    nft_ctx_buffer_output(nft.get());
    nft_ctx_buffer_error(nft.get());
    if (nft_run_cmd_from_buffer(nft.get(), commands.c_str()) != 0) {
        std::string error = nft_ctx_get_error_buffer(nft.get());
        auto end = error.find('\n');
        return make_error("nftables refused vmlet's rules: {}", error.substr(0, end));
    }
    return {};
}

std::string quoted(const std::string& name)
{
    return fmt::format("\"{}\"", name);
}

}

Result<void> add_network_table(const std::string& bridge, uint32_t subnet, uint8_t prefix_length)
{
    // "add table" then "flush table": the table is made, or emptied when a crashed vmlet left it.
    return run_nft(fmt::format(
        "add table ip {0}\n"
        "flush table ip {0}\n"
        "table ip {0} {{\n"
        "  chain nat_out {{\n"
        "    type nat hook postrouting priority srcnat; policy accept;\n"
        "    ip saddr {1}/{2} oifname != \"{0}\" masquerade\n"
        "  }}\n"
        "  chain forward {{\n"
        "    type filter hook forward priority filter; policy accept;\n"
        "    iifname \"{0}\" oifname != \"{0}\" oifname \"vmlet*\" drop\n"
        "    oifname \"{0}\" iifname != \"{0}\" iifname \"vmlet*\" drop\n"
        "  }}\n"
        "}}\n",
        bridge, format_ipv4(subnet), prefix_length));
}

Result<void> set_outside_guard(const std::vector<std::string>& links)
{
    if (links.empty())
        return remove_table(kOutsideGuardTable);
    std::vector<std::string> names;
    for (const auto& link : links)
        names.push_back(quoted(link));
    return run_nft(fmt::format(
        "add table ip {0}\n"
        "flush table ip {0}\n"
        "table ip {0} {{\n"
        "  chain forward {{\n"
        "    type filter hook forward priority filter; policy accept;\n"
        "    iifname {{ {1} }} ct state != {{ established, related }} drop\n"
        "  }}\n"
        "}}\n",
        kOutsideGuardTable, fmt::join(names, ", ")));
}

Result<void> remove_table(const std::string& name)
{
    if (!has_table(name))
        return {};
    return run_nft(fmt::format("delete table ip {}\n", name));
}

bool has_table(const std::string& name)
{
    return run_nft(fmt::format("list table ip {}\n", name)).ok();
}

}
