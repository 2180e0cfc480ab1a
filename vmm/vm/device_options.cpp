#include "vmm/vm/device_options.h"

#include "vmm/base/text.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace vmlet {

namespace {

// "key=value" -> (key, value); a bare word is (word, "").
std::pair<std::string_view, std::string_view> key_value(std::string_view part)
{
    auto at = part.find('=');
    if (at == std::string_view::npos)
        return { part, {} };
    return { part.substr(0, at), part.substr(at + 1) };
}

}

Result<std::array<uint8_t, 6>> parse_mac_address(std::string_view text)
{
    auto octets = split(text, ':');
    std::array<uint8_t, 6> mac {};
    if (octets.size() != mac.size())
        return make_error("'{}' is not a MAC address (six hex octets separated by ':')", text);
    for (size_t index = 0; index < mac.size(); ++index) {
        auto octet = octets[index];
        auto [end, error] = std::from_chars(octet.data(), octet.data() + octet.size(), mac[index], 16);
        if (octet.empty() || octet.size() > 2 || error != std::errc() || end != octet.data() + octet.size())
            return make_error("'{}' is not a MAC address (six hex octets separated by ':')", text);
    }
    if (mac[0] & 1)
        return make_error("MAC address {} is a multicast address", text);
    return mac;
}

Result<DiskConfig> parse_disk_option(std::string_view text)
{
    auto parts = split(text, ',');
    DiskConfig disk { std::string(parts[0]), false };
    if (disk.path.empty())
        return make_error("--disk needs a path (--disk PATH[,ro])");
    for (size_t index = 1; index < parts.size(); ++index) {
        if (parts[index] != "ro")
            return make_error("--disk {}: unknown option '{}' (only 'ro')", text, parts[index]);
        disk.read_only = true;
    }
    return disk;
}

Result<NetConfig> parse_net_option(std::string_view text)
{
    NetConfig net;
    bool chosen = false;
    for (auto part : split(text, ',')) {
        auto [key, value] = key_value(part);
        if (key == "auto" && value.empty() && !chosen) {
            chosen = true;
        } else if (key == "tap" && !chosen) {
            // IFNAMSIZ is 16 including the terminator.
            if (value.empty() || value.size() > 15 || value.find('/') != std::string_view::npos)
                return make_error("--net {}: '{}' is not a network interface name", text, value);
            net.tap = std::string(value);
            chosen = true;
        } else if (key == "fd" && !chosen) {
            // A descriptor the parent left open; 0-2 are the standard streams, never a tap.
            int fd = -1;
            auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), fd);
            if (value.empty() || error != std::errc() || end != value.data() + value.size() || fd < 3)
                return make_error("--net {}: fd= takes a descriptor number of 3 or more", text);
            net.tap_fd = fd;
            chosen = true;
        } else if (key == "mac") {
            net.mac = TRY_CONTEXT(parse_mac_address(value), fmt::format("--net {}", text));
        } else {
            return make_error("--net {}: unknown or repeated option '{}' (use tap=NAME, fd=N or auto, and mac=MAC)", text, part);
        }
    }
    if (!chosen)
        return make_error("--net {}: say tap=NAME, fd=N or auto", text);
    return net;
}

Result<VsockConfig> parse_vsock_option(std::string_view text)
{
    VsockConfig vsock;
    bool have_cid = false;
    for (auto part : split(text, ',')) {
        auto [key, value] = key_value(part);
        if (key == "cid") {
            auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), vsock.guest_cid);
            // CIDs 0-2 are reserved (hypervisor, local, host); U32_MAX is VMADDR_CID_ANY.
            if (value.empty() || error != std::errc() || end != value.data() + value.size() || vsock.guest_cid < 3 || vsock.guest_cid == UINT32_MAX)
                return make_error("--vsock {}: cid must be a number from 3 to 4294967294", text);
            have_cid = true;
        } else if (key == "uds") {
            vsock.socket_path = std::string(value);
        } else {
            return make_error("--vsock {}: unknown option '{}' (use cid=N,uds=PATH)", text, part);
        }
    }
    if (!have_cid || vsock.socket_path.empty())
        return make_error("--vsock {}: needs both cid=N and uds=PATH", text);
    return vsock;
}

Result<void> add_share_option(std::vector<ShareConfig>& shares, std::string_view text)
{
    auto parts = split(text, ',');
    auto colon = parts[0].rfind(':');
    if (colon == std::string_view::npos || colon + 1 == parts[0].size())
        return make_error("--share {}: say HOST_DIR:TAG[,ro][,name=NAME], or :TAG for a share with no directory", text);
    std::string tag(parts[0].substr(colon + 1));
    fs::ExportConfig exported { std::string(parts[0].substr(0, colon)), {}, false };
    for (size_t index = 1; index < parts.size(); ++index) {
        auto [key, value] = key_value(parts[index]);
        if (key == "ro" && value.empty())
            exported.read_only = true;
        else if (key == "name" && !value.empty())
            exported.name = std::string(value);
        else
            return make_error("--share {}: unknown option '{}' (only ro and name=NAME)", text, parts[index]);
    }
    auto share = std::find_if(shares.begin(), shares.end(), [&](const auto& known) { return known.tag == tag; });
    if (share == shares.end())
        share = shares.insert(shares.end(), ShareConfig { tag, {} });
    if (exported.host_directory.empty()) {
        if (parts.size() > 1)
            return make_error("--share {}: a share with no directory takes no options", text);
        return {};
    }
    share->exports.push_back(std::move(exported));
    return {};
}

}
