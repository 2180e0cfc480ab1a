/*
 * The protocol between vmlet (containers/runtime/vm/vm_sandbox.cpp, agent_session.cpp, agent_spec.cpp
 * and vm_exec.cpp) and its guest agent (guest/agent/, from main.c), which runs a container's process
 * inside a microVM. C, so that both sides include this one file.
 *
 * The VM is started as `vmlet boot --disk IMAGE.ext4,ro --disk LAYER.ext4 --vsock cid=3,uds=SOCK -- /bin/vmlet-agent`:
 * guest init runs the agent and reports the agent's exit status (the container's) on its exit port.
 * The agent connects to the host (VMADDR_CID_HOST) on the ports below, in this order, each reaching
 * the host's listener at SOCK_<port>; the container's standard streams are these connections
 * themselves, so no byte of output passes through the agent unless it relays a terminal (every
 * guest system call is interpreted kernel work on PVM hosts). The agent accepts connections to its
 * own listeners (FORWARD, EXEC) from the host's CID only.
 *
 * Control connection, host -> agent, first: the spec. A little-endian u32 byte count, then that many
 * bytes of NUL-terminated fields, each a tag byte (enum vmlet_agent_field below) followed by its
 * value:
 *   'a' ARG          the command's arguments, in order (at least one); argv[0] is looked up in
 *                    the PATH of the 'e' environment (execvp(3); without one, glibc's /bin:/usr/bin)
 *   'e' KEY=VALUE    its environment (KEY not empty)
 *   'w' DIR          its working directory, absolute; created when missing; default "/"
 *   'u' UID:GID      its user and group, decimal (resolved by the host from the image's
 *                    /etc/passwd); default 0:0
 *   'g' GID          a supplementary group, repeated
 *   'h' NAME         the hostname, 1 to 64 bytes
 *   'p' N            pids.max of the container's cgroup, decimal, at most 4194304
 *   'i'              standard input is attached: the agent connects the STDIN port too
 *                    (otherwise the command's stdin is /dev/null)
 *   'n'              bring up the loopback interface and listen on FORWARD (ports are published)
 *   'o' PORT         the host ports of the standard streams, decimal: stdout PORT, stderr PORT+1,
 *                    stdin PORT+2; default STDOUT (1025, so stderr 1026 and stdin 1027)
 *   't' ROWS:COLS    a terminal (docker -t): the command runs in a session of its own with a
 *                    pseudo-terminal of the container's /dev/pts as its stdin, stdout, stderr and
 *                    controlling terminal, of that size (decimal, at most 65535; 0:0 unknown) and
 *                    owned by the command's user. The
 *                    agent copies the terminal's output to the stdout stream and the stdin stream
 *                    (with 'i') to the terminal; the stderr stream is closed at once, as a
 *                    terminal has one output.
 *   'N' MAC ADDRESS/PREFIX GATEWAY MTU
 *                    the container's place on a network, e.g. "02:42:0a:58:00:05 10.88.0.5/16
 *                    10.88.0.1 1500": before the command runs the agent gives the VM's virtio-net
 *                    interface eth0 (whose tap the host put on the network's bridge) this MAC
 *                    (unicast, not zero), the address with that prefix (0 to 32), the MTU (68 to
 *                    65535), brings it and `lo` up and adds a default route via GATEWAY (plain
 *                    ioctls: netdevice(7), SIOCADDRT). Without 'N' the container has loopback
 *                    only (--network none): a VM restored from a template has a card all the same
 *                    (its tap on no bridge), which the agent takes away from the guest, unbinding
 *                    its driver, so that eth0 is gone as under Docker; a cold boot has none.
 *   'H' TEXT         the container's /etc/hosts, at most VMLET_AGENT_MAX_ETC_FILE bytes
 *   'R' TEXT         the container's /etc/resolv.conf, likewise. Both are written into the
 *                    container's root (its writable layer) before the command runs, replacing
 *                    whatever the image has there (a link included: the new file is made in its
 *                    place); /etc is made when the image lacks it.
 *   'M' KIND ACCESS ' ' SOURCE ' ' TARGET   one of the container's mounts (-v, --mount, --tmpfs),
 *                    at most VMLET_AGENT_MAX_MOUNTS, mounted over its root in the spec's order
 *                    before the command runs. ACCESS is 'r' (read-only) or 'w', then 'x' for noexec,
 *                    then 's' for nosuid, each when asked. KIND 's': SOURCE is
 *                    the name (decimal digits) of an export of the virtio-fs device tagged
 *                    VMLET_AGENT_VOLUMES_TAG (the host's directory or volume), bound on TARGET;
 *                    KIND 't': a tmpfs, SOURCE is SIZE:MODE (bytes, 0 for tmpfs's default; octal
 *                    mode). TARGET is absolute, below PATH_MAX, without empty, "." or ".." parts,
 *                    not under /proc, /sys or /dev; its directory is made when the image lacks it.
 *   'L'              the container's writable layer is the VM's second disk, /dev/vdb, an ext4 the
 *                    host formatted for this container and gives each of its VMs, rather than a
 *                    tmpfs: its files outlive the VM (`vmlet start` after `stop`). The overlay's
 *                    upper and work directories are upper/ and work/ on it, made when missing. A
 *                    template's VM has a blank disk there, never mounted; a container without 'L'
 *                    (`--rm`) has its blank disk too, which the agent leaves alone. When the
 *                    command exits, the agent syncs the file systems before it sends 'X'.
 *   'B' NAME         the container's root is the export NAME (decimal digits) of the virtio-fs
 *                    device tagged VMLET_AGENT_VOLUMES_TAG: an OCI bundle's root.path, which the
 *                    runtime's caller prepared on the host (vmlet-runtime). It is bound as it is,
 *                    its writes the bundle's (as runc's are), rather than an overlay of /dev/vda
 *                    (then a blank file system); a template's root, built on that, is left for it.
 *                    Not with 'L'.
 * 'i', 'n' and 'L' have empty values; 'w', 'u', 'h', 'p', 'o', 't', 'N', 'H', 'R', 'L' and 'B' appear at
 * most once, and 'N', 'H', 'R', 'M', 'L' and 'B' only in the container's spec (an exec's with them is malformed). Anything
 * else (an unknown tag, a value out of range, a size of 0 or above VMLET_AGENT_MAX_SPEC) is
 * malformed: the agent writes why on the VM's console and exits 125 without a word on control.
 * The image is /dev/vda: an ext4 file system, read-only; the container's writable layer is a tmpfs,
 * or with 'L' the ext4 on /dev/vdb.
 *
 * Then messages both ways, each a tag byte (enum vmlet_agent_message below) and the payload its
 * tag fixes (none, one byte or four):
 * agent -> host, once:            'S' the command runs, or 'F' STATUS (u8) it never ran: 127 not
 *                                 found, 126 not executable, 125 setup failed; the reason was
 *                                 written to the stderr stream. After 'F' no 'X' follows: the
 *                                 host drains the streams and sends 'A' as below.
 * host -> agent, any time:        'K' SIGNAL (u8): deliver SIGNAL to the command
 *                                 'W' ROWS COLS (u16 LE each): the terminal ('t') has a new
 *                                 size (ignored without one); its foreground gets SIGWINCH
 * agent -> host, when it exits:   'X' STATUS (u8): exit code, or 128 + the signal that killed it.
 *                                 As when a container's PID 1 exits, every other process left in
 *                                 the VM is killed first, so the streams reach EOF.
 * host -> agent, after draining:  'A': the agent exits with STATUS and the VM powers off
 * If the control connection closes, the agent kills the command and exits. Control bytes out of
 * turn ('A' before 'X' or 'F', anything unknown) are ignored.
 *
 * Published ports: with 'n', the agent listens on FORWARD before it sends 'S'; each connection
 * (host: "CONNECT 1028" on SOCK) starts with a big-endian u16 TCP port, which the agent connects
 * to on 127.0.0.1 inside the VM and then relays both ways until both sides close. A refused
 * connection closes the stream.
 *
 * Exec (`vmlet exec`): the agent listens on EXEC before it sends 'S'. Each connection (host:
 * "CONNECT 1029" on SOCK) is the control connection of one more command in the container: a spec
 * as above, where 'o' is required (each exec has its own stream ports, which its vmlet listens on)
 * and 'h', 'p' and 'n' are malformed; then the same 'S'/'F', 'K', 'X' and 'A' as on control. The
 * command has the container's root and cgroup; when it exits, what it left running goes on (as
 * docker exec). When the container's command exits, every exec ends with it: its connection
 * closes without 'X'. A malformed exec spec closes the connection.
 *
 * Hosts (containers on a user network find each other by name in /etc/hosts, which changes as
 * others come and go): with 'N', the agent listens on HOSTS before it sends 'S'. Each connection
 * (host: "CONNECT 1032" on SOCK) carries a little-endian u32 byte count, at most
 * VMLET_AGENT_MAX_ETC_FILE, and that many bytes without a NUL: the container's /etc/hosts anew. The
 * agent writes it and closes the connection; anything else closes it with the file unchanged.
 *
 * Tools (`vmlet cp`, `vmlet top`): the agent listens on TOOLS before it sends 'S'. Each connection (host: "CONNECT
 * 1033" on SOCK) carries a little-endian u32 byte count, below 2 * PATH_MAX + 4, and that many
 * bytes: an op byte (enum vmlet_agent_tool_op below) and its paths, the first absolute, each NUL-terminated,
 * resolved in the container's root (chroot):
 *   'k' PATH         the agent answers one byte: 'd' a directory, 'f' something else, 'n' nothing
 *                    there, 'e' another error (stat(2): a symlink is followed); 'l' likewise with
 *                    lstat(2)
 *   'o' DIR NAME     the agent sends a tar of DIR/NAME (busybox tar -c -C DIR NAME, of the
 *                    initramfs) and closes the connection
 *   'i' DIR          the host sends a tar, then shuts its side down for writing; the agent unpacks
 *                    it in DIR (busybox tar -x) and answers one byte, tar's exit status
 *   'p' /proc        the container's processes, as its /proc shows them (its pid namespace's):
 *                    /proc/uptime, then for each process its pid (u32) and its stat, status and
 *                    cmdline files, each a u32 byte count (at most VMLET_AGENT_MAX_PROC_FILE) and
 *                    those bytes, then the end of the connection
 * (All counts little-endian.)
 * Anything else closes the connection. The host reads the guest's tar as hostile, as any.
 *
 * Templates (`vmlet-agent --template [PATH...]`): the VM is booted once per image to be saved as a
 * snapshot, and each container of that image is a restore of it. The agent then builds the
 * container's root first, reads the image's files at PATH... (its default command, its shell) into
 * the page cache every clone inherits, listens on WAKE, connects to the host's READY port and closes that connection at once
 * ("save me now"), and waits in accept(2), where the snapshot finds it. In each restored VM the
 * host connects to WAKE ("CONNECT 1030" on SOCK): that connection is the control connection, and
 * everything goes on as above from the spec. Every clone of a template would share the template's
 * random state and its clock, so the container's spec carries both:
 *   'T' SECONDS.NANOSECONDS  the host's wall-clock time (CLOCK_REALTIME), set before anything runs
 *   'r' HEX                  64 hex digits of host randomness, credited to the guest's entropy
 *                            pool, which is then reseeded (random(4), RNDADDENTROPY, RNDRESEEDCRNG)
 * Both appear at most once, only in the container's spec (an exec's with them is malformed), and
 * a cold boot's spec carries them too.
 */
#ifndef VMLET_AGENT_PROTOCOL_H
#define VMLET_AGENT_PROTOCOL_H

enum {
	VMLET_AGENT_PORT_CONTROL = 1024,
	VMLET_AGENT_PORT_STDOUT = 1025,
	VMLET_AGENT_PORT_STDERR = 1026,
	VMLET_AGENT_PORT_STDIN = 1027,
	VMLET_AGENT_PORT_FORWARD = 1028,
	VMLET_AGENT_PORT_EXEC = 1029,
	VMLET_AGENT_PORT_WAKE = 1030,  /* a template's agent listens here (guest port) */
	VMLET_AGENT_PORT_READY = 1031, /* a template's agent says "save me now" (host port) */
	VMLET_AGENT_PORT_HOSTS = 1032, /* a container's /etc/hosts anew (guest port) */
	VMLET_AGENT_PORT_TOOLS = 1033, /* vmlet cp and vmlet top (guest port) */
	VMLET_AGENT_GUEST_CID = 3,
	VMLET_AGENT_MAX_SPEC = 1 << 20,
};

#define VMLET_AGENT_PATH "/bin/vmlet-agent"

/* The spec's field tags, as above. */
enum vmlet_agent_field {
	VMLET_AGENT_FIELD_ARG = 'a',
	VMLET_AGENT_FIELD_ENV = 'e',
	VMLET_AGENT_FIELD_WORKDIR = 'w',
	VMLET_AGENT_FIELD_USER = 'u',
	VMLET_AGENT_FIELD_GROUP = 'g',
	VMLET_AGENT_FIELD_HOSTNAME = 'h',
	VMLET_AGENT_FIELD_PIDS_MAX = 'p',
	VMLET_AGENT_FIELD_STDIN = 'i',
	VMLET_AGENT_FIELD_LOOPBACK = 'n',
	VMLET_AGENT_FIELD_STREAM_PORT = 'o',
	VMLET_AGENT_FIELD_TERMINAL = 't',
	VMLET_AGENT_FIELD_TIME = 'T',
	VMLET_AGENT_FIELD_ENTROPY = 'r',
	VMLET_AGENT_FIELD_NETWORK = 'N',
	VMLET_AGENT_FIELD_HOSTS = 'H',
	VMLET_AGENT_FIELD_RESOLV_CONF = 'R',
	VMLET_AGENT_FIELD_MOUNT = 'M',
	VMLET_AGENT_FIELD_LAYER_DISK = 'L',
	VMLET_AGENT_FIELD_BUNDLE_ROOT = 'B',
};

#define VMLET_AGENT_ENTROPY_BYTES 32
#define VMLET_AGENT_MAX_ETC_FILE (64 * 1024)
#define VMLET_AGENT_MAX_MOUNTS 64
/* The virtio-fs device every container VM has (templates too), whose exports are its volumes. */
#define VMLET_AGENT_VOLUMES_TAG "vmlet-volumes"
#define VMLET_AGENT_TEMPLATE_FLAG "--template"

/* The requests on TOOLS, as above. */
enum vmlet_agent_tool_op {
	VMLET_AGENT_TOOL_KIND = 'k',
	VMLET_AGENT_TOOL_LINK_KIND = 'l',
	VMLET_AGENT_TOOL_TAR_OUT = 'o',
	VMLET_AGENT_TOOL_TAR_IN = 'i',
	VMLET_AGENT_TOOL_PROCESSES = 'p',
};
#define VMLET_AGENT_MAX_PROC_FILE (64 * 1024)

/* The control messages' tags, as above. */
enum vmlet_agent_message {
	VMLET_AGENT_MSG_STARTED = 'S', /* agent -> host */
	VMLET_AGENT_MSG_FAILED = 'F',  /* agent -> host, STATUS */
	VMLET_AGENT_MSG_EXITED = 'X',  /* agent -> host, STATUS */
	VMLET_AGENT_MSG_KILL = 'K',    /* host -> agent, SIGNAL */
	VMLET_AGENT_MSG_WINDOW = 'W',  /* host -> agent, ROWS COLS */
	VMLET_AGENT_MSG_ACK = 'A',     /* host -> agent: the streams are drained */
};

#endif
