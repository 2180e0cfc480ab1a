/* The spec (agent_protocol.h): read from a control connection, checked and decoded. */
#define _GNU_SOURCE
#include "spec.h"

#include "agent_protocol.h"
#include "io.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number in [0, max]: `text` up to the first `stop`, digits only (strtoul(3) takes more). */
static bool parse_number(const char *text, char stop, unsigned long max, unsigned long *value)
{
	*value = 0;
	if (*text == stop)
		return false;
	for (; *text != stop; ++text) {
		if (*text < '0' || *text > '9' || *value > (max - (unsigned long)(*text - '0')) / 10)
			return false;
		*value = *value * 10 + (unsigned long)(*text - '0');
	}
	return true;
}

/* Two hex digits a byte, lower or upper case; false on anything else or the wrong length. */
static bool parse_hex(const char *text, unsigned char *bytes, size_t count)
{
	if (strlen(text) != 2 * count)
		return false;
	for (size_t i = 0; i < 2 * count; ++i) {
		char c = text[i];
		int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (digit < 0)
			return false;
		bytes[i / 2] = (unsigned char)(i % 2 ? bytes[i / 2] | digit : digit << 4);
	}
	return true;
}

/*
 * `count` fields of `parse` (each reading its text up to a stop character) separated by
 * `separator`, the last one ending at `stop`: "10.88.0.5" is four decimal octets up to '.'. Returns
 * what follows the last field's stop character, or NULL when the text is malformed.
 */
static const char *parse_octets(const char *text, size_t count, char separator, char stop, int base, unsigned char *octets)
{
	for (size_t i = 0; i < count; ++i) {
		char end = i + 1 < count ? separator : stop;
		const char *next = strchr(text, end);
		unsigned long value = 0;
		if (!next || next == text || next - text > 3)
			return NULL;
		for (const char *c = text; c < next; ++c) {
			int digit = *c >= '0' && *c <= '9' ? *c - '0' : base == 16 && *c >= 'a' && *c <= 'f' ? *c - 'a' + 10
				: base == 16 && *c >= 'A' && *c <= 'F' ? *c - 'A' + 10 : -1;
			if (digit < 0)
				return NULL;
			value = value * (unsigned long)base + (unsigned long)digit;
		}
		if (value > 255 || (base == 16 && next - text != 2))
			return NULL;
		octets[i] = (unsigned char)value;
		text = next + 1;
	}
	return text;
}

/*
 * 'N' MAC ADDRESS/PREFIX GATEWAY MTU: "02:42:0a:58:00:05 10.88.0.5/16 10.88.0.1 1500". The MAC is
 * unicast and not zero (the kernel refuses others for an Ethernet device: is_valid_ether_addr);
 * the MTU is one an Ethernet device takes (68, ETH_MIN_MTU, for IPv4, to 65535, ETH_MAX_MTU).
 */
static bool parse_network(const char *value, struct spec *spec)
{
	unsigned char address[4], gateway[4];
	unsigned long prefix, mtu;
	const char *rest = parse_octets(value, 6, ':', ' ', 16, spec->mac);
	if (!rest || (spec->mac[0] & 1) || !(spec->mac[0] | spec->mac[1] | spec->mac[2] | spec->mac[3] | spec->mac[4] | spec->mac[5]))
		return false;
	if (!(rest = parse_octets(rest, 4, '.', '/', 10, address)) || !strchr(rest, ' ') || !parse_number(rest, ' ', 32, &prefix))
		return false;
	rest = strchr(rest, ' ') + 1;
	if (!(rest = parse_octets(rest, 4, '.', ' ', 10, gateway)) || !parse_number(rest, '\0', 65535, &mtu) || mtu < 68)
		return false;
	memcpy(&spec->address.s_addr, address, 4);
	memcpy(&spec->gateway.s_addr, gateway, 4);
	spec->netmask.s_addr = htonl(prefix ? ~0U << (32 - prefix) : 0);
	spec->mtu = (unsigned)mtu;
	spec->has_network = true;
	return true;
}

/* True when `path` is `parent` or beneath it. */
static bool beneath(const char *path, const char *parent)
{
	size_t length = strlen(parent);
	return strncmp(path, parent, length) == 0 && (path[length] == '\0' || path[length] == '/');
}

/* An absolute path of plain parts (no empty, "." or ".."), not the root, below PATH_MAX. */
static bool plain_target(const char *path)
{
	if (path[0] != '/' || path[1] == '\0' || strlen(path) >= PATH_MAX)
		return false;
	for (const char *part = path + 1; *part; ) {
		const char *end = strchrnul(part, '/');
		size_t length = (size_t)(end - part);
		if (length == 0 || (length == 1 && part[0] == '.') || (length == 2 && part[0] == '.' && part[1] == '.'))
			return false;
		part = *end ? end + 1 : end;
		if (*end && !*part)
			return false; /* a trailing '/' */
	}
	return !beneath(path, "/proc") && !beneath(path, "/sys") && !beneath(path, "/dev");
}

/* 'M' KIND ACCESS SOURCE TARGET (agent_protocol.h). The field stays as it is: decode_spec walks on by its length. */
static bool parse_mount(const char *value, struct spec_mount *mount)
{
	if ((value[0] != 's' && value[0] != 't') || (value[1] != 'r' && value[1] != 'w'))
		return false;
	mount->tmpfs = value[0] == 't';
	mount->read_only = value[1] == 'r';
	const char *option = value + 2;
	mount->no_exec = *option == 'x';
	option += mount->no_exec;
	mount->no_suid = *option == 's';
	option += mount->no_suid;
	if (*option != ' ')
		return false;
	const char *source = option + 1, *space = strchr(source, ' ');
	if (!space)
		return false;
	mount->target = space + 1;
	if (!plain_target(mount->target))
		return false;
	if (!mount->tmpfs)
		return parse_number(source, ' ', UINT32_MAX, &mount->export_name);
	const char *colon = strchr(source, ':');
	if (!colon || colon > space || !parse_number(source, ':', ULONG_MAX / 2, &mount->size) || colon + 1 == space)
		return false;
	mount->mode = 0;
	for (const char *digit = colon + 1; digit < space; ++digit) {
		if (*digit < '0' || *digit > '7' || mount->mode > 0777)
			return false;
		mount->mode = mount->mode * 8 + (unsigned long)(*digit - '0');
	}
	return true;
}

/* The highest 'o' PORT: its stdin, PORT+2, must stay below VMADDR_PORT_ANY (vsock(7)). */
#define MAX_STREAM_PORT 0xfffffff0UL

/*
 * Decodes the spec's fields (agent_protocol.h) from `data`, `size` bytes that end in a NUL; false
 * on anything malformed: an unknown tag, a repeated single field, a value out of range, or in an
 * exec's spec a field only the container's command may have, or no 'o'.
 */
static bool decode_spec(char *data, size_t size, bool exec, struct spec *spec)
{
	size_t arg_count = 0, env_count = 0, group_count = 0, mount_count = 0;
	for (char *field = data; field < data + size; field += strlen(field) + 1) {
		arg_count += *field == VMLET_AGENT_FIELD_ARG;
		env_count += *field == VMLET_AGENT_FIELD_ENV;
		group_count += *field == VMLET_AGENT_FIELD_GROUP;
		mount_count += *field == VMLET_AGENT_FIELD_MOUNT;
	}
	if (arg_count == 0 || group_count > NGROUPS_MAX || mount_count > VMLET_AGENT_MAX_MOUNTS || (exec && mount_count > 0))
		return false;
	spec->mounts = calloc(mount_count + 1, sizeof *spec->mounts);
	if (!spec->mounts)
		return false;
	spec->argv = calloc(arg_count + 1, sizeof *spec->argv);
	spec->envp = calloc(env_count + 1, sizeof *spec->envp);
	spec->groups = calloc(group_count + 1, sizeof *spec->groups);
	if (!spec->argv || !spec->envp || !spec->groups)
		return false;
	bool have_user = false, have_ports = false;
	spec->stream_port = VMLET_AGENT_PORT_STDOUT;
	for (char *field = data; field < data + size; field += strlen(field) + 1) {
		if (*field == '\0')
			return false; /* a field without its tag */
		char *value = field + 1;
		size_t length = strlen(value);
		unsigned long number, second;
		switch (*field) {
		case VMLET_AGENT_FIELD_ARG:
			spec->argv[spec->argc++] = value;
			break;
		case VMLET_AGENT_FIELD_ENV:
			if (value[0] == '=' || !strchr(value, '='))
				return false;
			spec->envp[spec->envc++] = value;
			break;
		case VMLET_AGENT_FIELD_WORKDIR:
			if (spec->workdir || value[0] != '/' || length >= PATH_MAX)
				return false;
			spec->workdir = value;
			break;
		case VMLET_AGENT_FIELD_USER: /* UID:GID; (uid_t)-1 means "unchanged" to setresuid(2), so it is refused */
			if (have_user || !strchr(value, ':') || !parse_number(value, ':', UINT32_MAX - 1, &number)
				|| !parse_number(strchr(value, ':') + 1, '\0', UINT32_MAX - 1, &second))
				return false;
			spec->uid = (uid_t)number;
			spec->gid = (gid_t)second;
			have_user = true;
			break;
		case VMLET_AGENT_FIELD_GROUP:
			if (!parse_number(value, '\0', UINT32_MAX - 1, &number))
				return false;
			spec->groups[spec->group_count++] = (gid_t)number;
			break;
		case VMLET_AGENT_FIELD_STREAM_PORT:
			if (have_ports || !parse_number(value, '\0', MAX_STREAM_PORT, &spec->stream_port)
				|| spec->stream_port < VMLET_AGENT_PORT_STDOUT)
				return false;
			have_ports = true;
			break;
		case VMLET_AGENT_FIELD_TERMINAL:
			if (spec->terminal || !strchr(value, ':') || !parse_number(value, ':', 65535, &number)
				|| !parse_number(strchr(value, ':') + 1, '\0', 65535, &second))
				return false;
			spec->terminal = true;
			spec->size.ws_row = (unsigned short)number;
			spec->size.ws_col = (unsigned short)second;
			break;
		case VMLET_AGENT_FIELD_HOSTNAME: /* sethostname(2): at most HOST_NAME_MAX (64) bytes */
			if (exec || spec->hostname || length == 0 || length > 64)
				return false;
			spec->hostname = value;
			break;
		case VMLET_AGENT_FIELD_PIDS_MAX: /* the pids controller refuses more than PID_MAX_LIMIT (4194304) */
			if (exec || spec->pids_max || !parse_number(value, '\0', 4194304, &number))
				return false;
			spec->pids_max = value;
			break;
		case VMLET_AGENT_FIELD_TIME: /* SECONDS.NANOSECONDS, the nanoseconds as 9 digits */
			if (exec || spec->has_time || !strchr(value, '.') || !parse_number(value, '.', (unsigned long)INT64_MAX, &number)
				|| strlen(strchr(value, '.') + 1) != 9 || !parse_number(strchr(value, '.') + 1, '\0', 999999999, &second))
				return false;
			spec->has_time = true;
			spec->time.tv_sec = (time_t)number;
			spec->time.tv_nsec = (long)second;
			break;
		case VMLET_AGENT_FIELD_ENTROPY:
			if (exec || spec->has_entropy || !parse_hex(value, spec->entropy, sizeof spec->entropy))
				return false;
			spec->has_entropy = true;
			break;
		case VMLET_AGENT_FIELD_NETWORK:
			if (exec || spec->has_network || !parse_network(value, spec))
				return false;
			break;
		case VMLET_AGENT_FIELD_MOUNT:
			if (!parse_mount(value, &spec->mounts[spec->mount_count++]))
				return false;
			break;
		case VMLET_AGENT_FIELD_HOSTS:
		case VMLET_AGENT_FIELD_RESOLV_CONF: {
			const char **file = *field == VMLET_AGENT_FIELD_HOSTS ? &spec->etc_hosts : &spec->etc_resolv_conf;
			if (exec || *file || length > VMLET_AGENT_MAX_ETC_FILE)
				return false;
			*file = value;
			break;
		}
		case VMLET_AGENT_FIELD_LAYER_DISK:
			if (exec || spec->layer_on_disk || spec->has_bundle_root || length != 0)
				return false;
			spec->layer_on_disk = true;
			break;
		case VMLET_AGENT_FIELD_BUNDLE_ROOT:
			if (exec || spec->has_bundle_root || spec->layer_on_disk || !parse_number(value, '\0', UINT32_MAX, &spec->bundle_root))
				return false;
			spec->has_bundle_root = true;
			break;
		case VMLET_AGENT_FIELD_STDIN:
		case VMLET_AGENT_FIELD_LOOPBACK:
			if (length != 0 || (exec && *field == VMLET_AGENT_FIELD_LOOPBACK))
				return false;
			*(*field == VMLET_AGENT_FIELD_STDIN ? &spec->attach_stdin : &spec->loopback) = true;
			break;
		default:
			return false;
		}
	}
	if (!spec->workdir)
		spec->workdir = "/";
	return have_ports || !exec;
}

/* The spec message: a little-endian u32 byte count, then the fields. Malformed: exit 125. */
void read_spec(int control, bool exec, struct spec *spec)
{
	unsigned char header[4];
	if (!read_exactly(control, header, sizeof header))
		die("reading the spec", "the host closed the control connection");
	uint32_t size = header[0] | (uint32_t)header[1] << 8 | (uint32_t)header[2] << 16 | (uint32_t)header[3] << 24;
	if (size == 0 || size > VMLET_AGENT_MAX_SPEC)
		die("the spec", "its size is out of range");
	char *data = malloc(size);
	if (!data || !read_exactly(control, data, size))
		die("reading the spec", data ? "the host closed the control connection" : "out of memory");
	if (data[size - 1] != '\0' || !decode_spec(data, size, exec, spec))
		die("the spec", "malformed");
}
