/* Makes, for each argument, a system call that busybox has no command for, and prints its
 * outcome: "keyctl: ok" or "keyctl: Operation not permitted". Built static by the security run
 * tests (run_security_test.cpp) and put into a container's image. */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static long call(const char* name)
{
    if (strcmp(name, "keyctl") == 0)
        return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    if (strcmp(name, "add_key") == 0)
        return syscall(SYS_add_key, "user", "vmlet-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
    if (strcmp(name, "bpf") == 0) {
        union bpf_attr attributes;
        memset(&attributes, 0, sizeof attributes);
        attributes.map_type = BPF_MAP_TYPE_ARRAY;
        attributes.key_size = 4;
        attributes.value_size = 4;
        attributes.max_entries = 1;
        return syscall(SYS_bpf, BPF_MAP_CREATE, &attributes, sizeof attributes);
    }
    if (strcmp(name, "vsock") == 0)
        return socket(AF_VSOCK, SOCK_STREAM, 0);
    errno = EINVAL;
    return -1;
}

int main(int argc, char** argv)
{
    for (int i = 1; i < argc; i++) {
        long result = call(argv[i]);
        printf("%s: %s\n", argv[i], result < 0 ? strerror(errno) : "ok");
    }
    return 0;
}
