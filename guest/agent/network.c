/*
 * The container's network: eth0 and its default route with plain ioctls on one socket
 * (netdevice(7); every system call is interpreted guest kernel work on PVM hosts, so no netlink
 * conversation), or no eth0 at all, and the files that name its hosts and resolvers.
 */
#define _GNU_SOURCE
#include "network.h"

#include "container_root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void set_ipv4(struct sockaddr *target, struct in_addr address)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr = address };
	memcpy(target, &in, sizeof in);
}

static bool configure(int sock, const struct spec *spec)
{
	struct ifreq request = { .ifr_name = "eth0" };
	/*
	 * The MAC first, while eth0 is down. With VIRTIO_F_VERSION_1 the driver does not write the
	 * config's mac, and without VIRTIO_NET_F_CTRL_MAC_ADDR it has no command to tell the device
	 * (virtio 1.2 §5.1.4.2, §5.1.6.5.2), so Linux's virtio_net takes the new address locally; the
	 * device passes every frame whatever its destination, and the host's bridge learns the
	 * address from the guest's frames.
	 */
	request.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(request.ifr_hwaddr.sa_data, spec->mac, sizeof spec->mac);
	if (ioctl(sock, SIOCSIFHWADDR, &request) < 0)
		return false;
	request.ifr_mtu = (int)spec->mtu;
	if (ioctl(sock, SIOCSIFMTU, &request) < 0)
		return false;
	set_ipv4(&request.ifr_addr, spec->address);
	if (ioctl(sock, SIOCSIFADDR, &request) < 0)
		return false;
	set_ipv4(&request.ifr_netmask, spec->netmask);
	if (ioctl(sock, SIOCSIFNETMASK, &request) < 0)
		return false;
	/* SIOCSIFFLAGS sets the changeable flags as given: IFF_MULTICAST stays, as ether_setup set it. */
	request.ifr_flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST;
	if (ioctl(sock, SIOCSIFFLAGS, &request) < 0)
		return false;
	struct ifreq loopback = { .ifr_name = "lo", .ifr_flags = IFF_UP };
	if (ioctl(sock, SIOCSIFFLAGS, &loopback) < 0)
		return false;
	/* The default route (0.0.0.0/0) through the gateway, which eth0's subnet now reaches. */
	struct rtentry route = { .rt_flags = RTF_UP | RTF_GATEWAY, .rt_dev = "eth0" };
	set_ipv4(&route.rt_dst, (struct in_addr) { 0 });
	set_ipv4(&route.rt_genmask, (struct in_addr) { 0 });
	set_ipv4(&route.rt_gateway, spec->gateway);
	return ioctl(sock, SIOCADDRT, &route) == 0;
}

bool network_up(const struct spec *spec)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return false;
	bool done = configure(sock, spec);
	int saved = errno;
	close(sock);
	errno = saved;
	return done;
}

bool network_card_away(void)
{
	/* /sys/class/net/eth0/device links to the card's virtio device, e.g. ../../../virtio1. */
	char target[PATH_MAX];
	ssize_t length = readlink("/sys/class/net/eth0/device", target, sizeof target - 1);
	if (length < 0)
		return errno == ENOENT; /* no card: a cold boot without a network has none */
	target[length] = '\0';
	const char *device = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	int unbind = open("/sys/bus/virtio/drivers/virtio_net/unbind", O_WRONLY | O_CLOEXEC);
	if (unbind < 0)
		return false;
	bool done = write(unbind, device, strlen(device)) == (ssize_t)strlen(device);
	int saved = errno;
	close(unbind);
	errno = saved;
	return done;
}

/*
 * `name` in the directory `etc` made anew with `text`: whatever the image has there goes first (a
 * link to anywhere, a device), so the new file is a plain one in the writable layer.
 */
static bool replace_file(int etc, const char *name, const char *text)
{
	if (unlinkat(etc, name, 0) < 0 && errno != ENOENT)
		return false;
	int file = openat(etc, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (file < 0)
		return false;
	size_t length = strlen(text);
	bool written = write(file, text, length) == (ssize_t)length;
	int saved = errno;
	close(file);
	errno = saved;
	return written;
}

/* The container's /etc, made when the image has none; -1 and errno on failure. */
static int open_etc(void)
{
	/* openat2(2), RESOLVE_IN_ROOT: the image is hostile, and its /etc may be a link out of its root. */
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	int root = open(ROOT_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	int etc = (int)syscall(SYS_openat2, root, "/etc", &how, sizeof how);
	if (etc < 0 && errno == ENOENT && mkdirat(root, "etc", 0755) == 0)
		etc = (int)syscall(SYS_openat2, root, "/etc", &how, sizeof how);
	int saved = errno;
	close(root);
	errno = saved;
	return etc;
}

bool write_etc_files(const struct spec *spec)
{
	if (!spec->etc_hosts && !spec->etc_resolv_conf)
		return true;
	int etc = open_etc();
	bool done = etc >= 0 && (!spec->etc_hosts || replace_file(etc, "hosts", spec->etc_hosts))
		&& (!spec->etc_resolv_conf || replace_file(etc, "resolv.conf", spec->etc_resolv_conf));
	int saved = errno;
	if (etc >= 0)
		close(etc);
	errno = saved;
	return done;
}

bool write_etc_file(const char *name, const char *text)
{
	int etc = open_etc();
	bool done = etc >= 0 && replace_file(etc, name, text);
	int saved = errno;
	if (etc >= 0)
		close(etc);
	errno = saved;
	return done;
}
