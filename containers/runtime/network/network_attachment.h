#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vmlet {

// A container's place on a vmlet network (network_store.h), decided before it starts: the link
// it gets (a veth end in process isolation, a virtio-net card on a tap in VM isolation) joins
// `bridge` on the host, and inside the container it is "eth0" with this address and a default
// route through the gateway, as under Docker's and podman's bridge networks.
struct NetworkAttachment {
    std::string network;                // the network's name, for messages ("bridge")
    std::string bridge;                 // the host's bridge device ("vmlet0")
    std::array<uint8_t, 6> mac {};      // locally administered, unicast (IEEE 802: bit 1 set, bit 0 clear)
    uint32_t address { 0 };             // IPv4, host byte order
    uint8_t prefix_length { 0 };        // of the network's subnet
    uint32_t gateway { 0 };             // the bridge's address: the container's default route
    uint32_t mtu { 1500 };
    // Instead of a bridge: the interface that the maker of the sandbox's network namespace put
    // there (podman's or a CNI plugin's veth end), which a VM's tap exchanges every frame with
    // (tc redirects, as Kata Containers joins them); the fields above are that interface's, which
    // the guest's card takes, so the container keeps the address it was given.
    std::string redirect_from {};
};

// "10.88.0.5" from a host-order IPv4 address, and back (nullopt for anything but four decimal octets).
std::string format_ipv4(uint32_t address);
std::optional<uint32_t> parse_ipv4(std::string_view text);
// "02:42:0a:58:00:05".
std::string format_mac(const std::array<uint8_t, 6>& mac);

}
