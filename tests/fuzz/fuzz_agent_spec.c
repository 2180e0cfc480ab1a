/*
 * Fuzzes the guest agent's spec parser (guest/agent/spec.c, agent_protocol.h), which takes whatever
 * reaches the agent's control connection as its spec. The first byte chooses
 * a container's spec (even) or an exec's (odd); the rest are the fields, NUL-terminated as
 * read_spec() makes sure. A spec decoded is checked against what the protocol promises: at least
 * one argument, an absolute working directory, the network's MAC unicast and its MTU in range,
 * the /etc files bounded, and no container-only field in an exec's spec.
 *
 * C, as the agent is: spec.c is included for its static decode_spec().
 */
#include "../../guest/agent/spec.c"

#include <stdint.h>
#include <stdlib.h>

#define CHECK(condition) \
	do { \
		if (!(condition)) \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > VMLET_AGENT_MAX_SPEC)
		return 0;
	bool exec = data[0] & 1;
	char *fields = malloc(size);
	if (!fields)
		return 0;
	memcpy(fields, data + 1, size - 1);
	fields[size - 1] = '\0';
	struct spec spec = { 0 };
	if (decode_spec(fields, size, exec, &spec)) {
		CHECK(spec.argc >= 1 && spec.argv[spec.argc] == NULL && spec.envp[spec.envc] == NULL);
		CHECK(spec.workdir && spec.workdir[0] == '/');
		CHECK(!exec || (!spec.has_network && !spec.etc_hosts && !spec.etc_resolv_conf && !spec.hostname && !spec.has_time));
		if (spec.has_network)
			CHECK(!(spec.mac[0] & 1) && spec.mtu >= 68 && spec.mtu <= 65535);
		CHECK(!exec || (spec.mount_count == 0 && !spec.layer_on_disk));
		CHECK(spec.mount_count <= VMLET_AGENT_MAX_MOUNTS);
		for (size_t i = 0; i < spec.mount_count; ++i)
		{
			const char *target = spec.mounts[i].target;
			size_t length = strlen(target);
			CHECK(target[0] == '/' && length < PATH_MAX && !strstr(target, "/../") && !(length >= 3 && strcmp(target + length - 3, "/..") == 0)
				&& !strstr(target, "//") && spec.mounts[i].mode <= 07777);
		}
		CHECK(!spec.etc_hosts || strlen(spec.etc_hosts) <= VMLET_AGENT_MAX_ETC_FILE);
		CHECK(!spec.etc_resolv_conf || strlen(spec.etc_resolv_conf) <= VMLET_AGENT_MAX_ETC_FILE);
	}
	free(spec.argv);
	free(spec.envp);
	free(spec.groups);
	free(spec.mounts);
	free(fields);
	return 0;
}
