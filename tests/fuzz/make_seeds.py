#!/usr/bin/env python3
"""Writes the seed corpus for the fuzz targets into tests/fuzz/corpus/<target>/.

Each seed is a valid-looking input in the format the target's comment describes, using the guest
layout of fuzz_common.h (queue q: descriptors at q*0x1000, avail ring at +0x800, used ring at
+0xa00; readable buffers at 0x100..0x7ff, writable ones at 0x8000+). Only the RAM prefix that
holds something is written, so every seed stays a few KiB. fuzz_vsock_packets writes its rings
itself: its seeds are operation lists. fuzz_device_state's hold saved device states in the format
save_state writes. fuzz_www_authenticate's are header values, fuzz_seccomp_profile's JSON
profiles. fuzz_snapshot_state's one seed is not made here: it is the state file of a real 1-vCPU
VM that `vmlet vm snapshot` wrote (make a new one after changing the snapshot format). Rerun after
changing a format:
    python3 tests/fuzz/make_seeds.py
"""

import gzip
import io
import json
import pathlib
import struct
import tarfile

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"

NEXT, WRITE, INDIRECT = 1, 2, 4
VERSION_1, INDIRECT_DESC, EVENT_IDX = 32, 28, 29


def desc_addr(q):
    return q * 0x1000


def avail_addr(q):
    return q * 0x1000 + 0x800


class Ram:
    """Guest RAM image, grown to the highest byte written."""

    def __init__(self):
        self.data = bytearray()

    def put(self, address, raw):
        end = address + len(raw)
        if len(self.data) < end:
            self.data.extend(bytes(end - len(self.data)))
        self.data[address:end] = raw

    def descriptor(self, table, index, address, length, flags=0, next_=0):
        self.put(table + 16 * index, struct.pack("<QIHH", address, length, flags, next_))

    def chain(self, table, first, buffers):
        """buffers: (address, length, writable); laid out at consecutive indices from `first`."""
        for n, (address, length, writable) in enumerate(buffers):
            last = n + 1 == len(buffers)
            flags = (WRITE if writable else 0) | (0 if last else NEXT)
            self.descriptor(table, first + n, address, length, flags, 0 if last else first + n + 1)

    def avail(self, q, heads):
        self.put(avail_addr(q), struct.pack("<HH", 0, len(heads)) + b"".join(struct.pack("<H", h) for h in heads))


def write(target, name, data):
    assert len(data) < 8192, (target, name, len(data))
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(bytes(data))


def descriptor_chain():
    # header: u16 queue size, u32 table address, u16 head, u8 flags (bit 0: indirect allowed)
    ram = Ram()
    ram.chain(0, 0, [(0x4000, 16, False), (0x4100, 512, True), (0x4400, 1, True)])
    write("fuzz_descriptor_chain", "good_chain", struct.pack("<HIHB", 16, 0, 0, 0) + ram.data)

    ram = Ram()
    ram.descriptor(0, 0, 0x100, 48, INDIRECT)
    ram.chain(0x100, 0, [(0x4000, 16, False), (0x4100, 512, True), (0x4400, 1, True)])
    write("fuzz_descriptor_chain", "indirect_chain", struct.pack("<HIHB", 16, 0, 0, 1) + ram.data)

    ram = Ram()  # a head in the middle of a wrapping chain at a non-zero table
    ram.chain(0x200, 6, [(0x5000, 100, False), (0x6000, 200, True)])
    ram.descriptor(0x200, 7, 0x6000, 200, WRITE | NEXT, 0)
    ram.descriptor(0x200, 0, 0x7000, 4096, WRITE)
    write("fuzz_descriptor_chain", "wrapping_chain", struct.pack("<HIHB", 8, 0x200, 6, 0) + ram.data)

    ram = Ram()  # a loop: the walker must refuse it
    ram.descriptor(0, 0, 0x4000, 16, NEXT, 1)
    ram.descriptor(0, 1, 0x4000, 16, NEXT, 0)
    write("fuzz_descriptor_chain", "loop", struct.pack("<HIHB", 4, 0, 0, 1) + ram.data)


def mmio_transport():
    # operations: op&3==3 -> 32-bit write at (op>>2)*4; op&3==2 -> notify op>>2;
    #             op&3==1 -> read u16 offset, u8 width; op&3==0 -> write u16 offset, u8 width, u64
    def w(offset, value):
        return struct.pack("<BI", (offset // 4) << 2 | 3, value)

    def r(offset, width_log2=2):
        return struct.pack("<BHB", 1, offset, width_log2)

    def init(queue_size):
        ops = r(0x000) + r(0x004) + r(0x008) + w(0x070, 0) + w(0x070, 1) + w(0x070, 3)
        ops += w(0x014, 0) + r(0x010) + w(0x014, 1) + r(0x010)
        ops += w(0x024, 0) + w(0x020, 1 << INDIRECT_DESC | 1 << EVENT_IDX) + w(0x024, 1) + w(0x020, 1)
        ops += w(0x070, 11) + r(0x070)
        ops += w(0x030, 0) + r(0x034) + w(0x038, queue_size)
        ops += w(0x080, desc_addr(0)) + w(0x084, 0) + w(0x090, avail_addr(0)) + w(0x094, 0)
        ops += w(0x0a0, avail_addr(0) + 0x200) + w(0x0a4, 0) + w(0x044, 1) + w(0x070, 15) + r(0x070)
        return ops

    ram = Ram()
    ram.chain(0, 0, [(0x8000, 64, True)])
    ram.chain(0, 1, [(0x8100, 16, True), (0x8200, 300, True)])
    ram.avail(0, [0, 1])
    ops = init(16) + w(0x050, 0) + struct.pack("<B", 2) + r(0x060) + w(0x064, 1) + r(0x100, 3)
    write("fuzz_mmio_transport", "rng_two_chains", struct.pack("<H", len(ops)) + ops + ram.data)

    ram = Ram()
    ram.descriptor(0, 0, 0x100, 32, INDIRECT)
    ram.chain(0x100, 0, [(0x8000, 8, True), (0x8100, 8, True)])
    ram.avail(0, [0])
    ops = init(4) + struct.pack("<B", 2) + w(0x070, 0) + r(0x070)
    write("fuzz_mmio_transport", "rng_indirect_then_reset", struct.pack("<H", len(ops)) + ops + ram.data)

    ops = init(3) + r(0x070) + struct.pack("<BHBQ", 0, 0x070, 3, 0) + r(0x0fc, 0)  # bad size, odd widths
    write("fuzz_mmio_transport", "bad_queue_size", struct.pack("<H", len(ops)) + ops)


def block_request():
    # header: u8 (bits 0-2 log2 queue size, bit 3 read-only device), u32 low feature bits
    features = 1 << 2 | 1 << 9 | 1 << 13  # SEG_MAX, FLUSH, DISCARD
    header = struct.pack("<BI", 4, features)

    def request(type_, sector):
        return struct.pack("<IIQ", type_, 0, sector)

    ram = Ram()
    ram.put(0x100, request(0, 1))
    ram.chain(0, 0, [(0x100, 16, False), (0x8000, 512, True), (0x8400, 1, True)])
    ram.avail(0, [0])
    write("fuzz_block_request", "read", header + ram.data)

    ram = Ram()
    ram.put(0x100, request(1, 2))
    ram.put(0x200, bytes(range(256)) * 2)
    ram.chain(0, 0, [(0x100, 16, False), (0x200, 512, False), (0x8400, 1, True)])
    ram.put(0x110, request(4, 0))
    ram.chain(0, 3, [(0x110, 16, False), (0x8410, 1, True)])
    ram.avail(0, [0, 3])
    write("fuzz_block_request", "write_then_flush", header + ram.data)

    ram = Ram()  # get-id through an indirect table, then a discard
    ram.put(0x100, request(8, 0))
    ram.descriptor(0, 0, 0x400, 48, INDIRECT)
    ram.chain(0x400, 0, [(0x100, 16, False), (0x8000, 20, True), (0x8100, 1, True)])
    ram.put(0x110, request(11, 0))
    ram.put(0x120, struct.pack("<QII", 4, 8, 0))
    ram.chain(0, 1, [(0x110, 16, False), (0x120, 16, False), (0x8200, 1, True)])
    ram.avail(0, [0, 1])
    write("fuzz_block_request", "get_id_indirect_and_discard", header + ram.data)

    ram = Ram()  # a write on the read-only device, reaching past the end of the disk
    ram.put(0x100, request(1, 127))
    ram.chain(0, 0, [(0x100, 16, False), (0x200, 1024, False), (0x8400, 1, True)])
    ram.avail(0, [0])
    write("fuzz_block_request", "readonly_write_past_end", struct.pack("<BI", 4 | 8, features) + ram.data)


def net_frames():
    # header: u8 log2 queue size, u32 low feature bits, u8 frame count, per frame u16 length + bytes
    csum, guest_csum, mac, mrg = 1 << 0, 1 << 1, 1 << 5, 1 << 15
    frame = bytes(12) + bytes([0xff] * 6) + bytes([0x52, 0x54, 0, 0x12, 0x34, 0x57]) + b"\x08\x00" + bytes(range(50))

    def frames(*items):
        return struct.pack("<B", len(items)) + b"".join(struct.pack("<H", len(f)) + f for f in items)

    ram = Ram()
    ram.put(0x100, frame)
    ram.chain(desc_addr(1), 0, [(0x100, 12, False), (0x10c, len(frame) - 12, False)])
    ram.avail(1, [0])
    ram.chain(desc_addr(0), 0, [(0x8000, 2048, True)])
    ram.avail(0, [0])
    write("fuzz_net_frames", "tx_and_rx", struct.pack("<BI", 4, csum | mac) + frames(frame) + ram.data)

    ram = Ram()  # mergeable receive buffers: one frame over three small buffers
    for n in range(3):
        ram.chain(desc_addr(0), n, [(0x8000 + 0x100 * n, 40, True)])
    ram.avail(0, [0, 1, 2])
    big = frame + bytes(40)
    write("fuzz_net_frames", "rx_mergeable", struct.pack("<BI", 4, mrg | guest_csum) + frames(big, frame) + ram.data)

    ram = Ram()  # transmit through an indirect table, receive buffer too small for the header
    ram.put(0x100, frame)
    ram.descriptor(desc_addr(1), 0, 0x200, 32, INDIRECT)
    ram.chain(0x200, 0, [(0x100, 20, False), (0x114, len(frame) - 20, False)])
    ram.avail(1, [0])
    ram.chain(desc_addr(0), 0, [(0x8000, 8, True)])
    ram.avail(0, [0])
    write("fuzz_net_frames", "indirect_tx_short_rx",
          struct.pack("<BI", 3, 1 << INDIRECT_DESC | 1 << EVENT_IDX) + frames(frame) + ram.data)


def console():
    # header: u8 log2 queue size, u32 low feature bits, u16 input length + input bytes
    ram = Ram()
    ram.put(0x100, b"hello from the guest\n")
    ram.chain(desc_addr(1), 0, [(0x100, 6, False), (0x106, 15, False)])
    ram.avail(1, [0])
    ram.chain(desc_addr(0), 0, [(0x8000, 64, True)])
    ram.avail(0, [0])
    host = b"ls -l\n"
    write("fuzz_console", "tx_and_rx", struct.pack("<BIH", 4, 0, len(host)) + host + ram.data)

    ram = Ram()  # input spread over several receive buffers, one of them indirect
    for n in range(2):
        ram.chain(desc_addr(0), n, [(0x8000 + 0x100 * n, 4, True)])
    ram.descriptor(desc_addr(0), 2, 0x200, 32, INDIRECT)
    ram.chain(0x200, 0, [(0x8300, 3, True), (0x8400, 100, True)])
    ram.avail(0, [0, 1, 2])
    host = b"0123456789abcdef" * 4
    write("fuzz_console", "rx_split", struct.pack("<BIH", 4, 1 << INDIRECT_DESC | 1 << EVENT_IDX, len(host)) + host + ram.data)


def vsock_packets():
    # header: u8 log2 queue size, u32 low feature bits; then operations (fuzz_vsock_packets.cpp)
    request, response, rst, shutdown, rw, credit_update, credit_request = range(1, 8)
    raw_addresses, raw_port, raw_length, separate, split = 4, 8, 16, 32, 64
    header = struct.pack("<BI", 4, 1 << INDIRECT_DESC | 1 << EVENT_IDX)

    def packet(op, modifiers=0, length=0, dst_port=5000, src_cid=3, len_field=None, flags=0, buf_alloc=65536, fwd_cnt=0):
        fields = (src_cid, 2, 1234, dst_port, length if len_field is None else len_field, 1, op, flags, buf_alloc, fwd_cnt)
        return struct.pack("<B", modifiers) + struct.pack("<QQIIIHHIII", *fields) + struct.pack("<H", length)

    def buffers(count, size, modifiers=0):
        return struct.pack("<BH", (count - 1) << 2 | 1 | modifiers, size)

    def kick(queue):
        return struct.pack("<B", queue << 2 | 2)

    def host(reads=False, closes=False, writes=b"", connect_line=None):
        op = 3 | (4 if reads else 0) | (8 if closes else 0) | (16 if writes else 0) | (32 if connect_line is not None else 0)
        data = struct.pack("<B", op)
        if writes:
            data += struct.pack("<B", len(writes)) + writes
        if connect_line is not None:
            data += struct.pack("<B", len(connect_line)) + connect_line
        return data

    rx, tx = kick(0), kick(1)
    connect = buffers(8, 4096) + rx + packet(request) + tx + host()

    ops = connect + packet(rw, separate, 5) + tx + host(reads=True) + packet(credit_request) + tx
    ops += packet(shutdown, flags=3) + tx + rx
    write("fuzz_vsock_packets", "connect_send_shutdown", header + ops)

    ops = buffers(4, 4096) + rx + packet(request, raw_port, dst_port=6000) + packet(rw, raw_port, 2, dst_port=7000)
    ops += packet(request, raw_addresses, src_cid=9) + packet(rw, raw_length, 5, len_field=1000) + tx
    write("fuzz_vsock_packets", "refused_spoofed_and_short", header + ops)

    ops = buffers(8, 4096, split) + rx + packet(request, split) + tx + host(closes=True)
    ops += packet(rw, separate | split, 4096) + tx + packet(rst) + tx + rx
    write("fuzz_vsock_packets", "host_closes", header + ops)

    ops = connect + (packet(rw, separate, 65535) + tx) * 10  # the host never reads: past the credit
    write("fuzz_vsock_packets", "beyond_credit", header + ops)

    ops = connect + packet(response) + packet(credit_update, fwd_cnt=10) + packet(request) + packet(9) + tx + rx
    write("fuzz_vsock_packets", "bad_ops_on_a_connection", header + ops)

    ops = buffers(1, 16) + rx + packet(request, raw_port, dst_port=6000) + tx  # the RST does not fit
    write("fuzz_vsock_packets", "receive_buffer_too_small", struct.pack("<BI", 0, 0) + ops)

    # Host to guest: data within and beyond a small credit, then a credit update and a host close.
    ops = buffers(8, 4096) + rx + packet(request, buf_alloc=8) + tx + host(writes=b"host-to-guest") + rx
    ops += packet(credit_update, buf_alloc=8, fwd_cnt=8) + tx + host(closes=True) + rx
    write("fuzz_vsock_packets", "host_data_and_credit", header + ops)

    # Host clients of the device's socket: a good CONNECT line, a bad one, one cut short.
    ops = buffers(8, 4096) + rx + host(connect_line=b"CONNECT 80\nearly") + host(connect_line=b"HELLO 80\n")
    ops += host(connect_line=b"CONNECT 8") + rx
    write("fuzz_vsock_packets", "host_connect_lines", header + ops)


def device_state():
    # header: u8 device (0 block, 1 vsock, 2 UART), u16 state length, the state; then guest RAM
    # (virtio) or register operations (UART). The state as save_state writes it: little-endian
    # fields, byte strings and sections as u32 length + bytes (vmm/base/state_stream.h).
    acknowledge, driver, driver_ok, features_ok = 1, 2, 4, 8
    live = acknowledge | driver | features_ok | driver_ok
    transport_features = 1 << VERSION_1 | 1 << EVENT_IDX | 1 << INDIRECT_DESC

    def blob(data):
        return struct.pack("<I", len(data)) + data

    def section(name, payload):
        return blob(name.encode()) + blob(payload)

    def queue(table, avail, size=16, active=True, next_avail=0, next_used=0):
        data = struct.pack("<HQQQBB", size, table, avail, avail + 0x200, 1, active)
        if active:  # event index and indirect bound, signalled used index not yet valid
            data += struct.pack("<BBHHHB", 1, 1, next_avail, next_used, 0, 0)
        return data

    def transport(device_id, status, features, queues, device, interrupt_status=0):
        data = struct.pack("<IIIIQIII", device_id, status, 0, 0, features, 0, 0, interrupt_status)
        data += blob(bytes(256)) + struct.pack("<I", len(queues))
        data += b"".join(section(f"queue {n}", q) for n, q in enumerate(queues))
        return data + section("device", device)

    def seed(name, device, state, rest):
        write("fuzz_device_state", name, struct.pack("<BH", device, len(state)) + state + rest)

    # Block: one read completed before the snapshot, a second waiting (its notify lost).
    block_features = transport_features | 1 << 2 | 1 << 9 | 1 << 13  # SEG_MAX, FLUSH, DISCARD
    disk = struct.pack("<QB", 128, 0)  # 64 KiB, writable
    ram = Ram()
    ram.put(0x100, struct.pack("<IIQ", 0, 0, 1))
    ram.chain(0, 0, [(0x100, 16, False), (0x8000, 512, True), (0x8400, 1, True)])
    ram.avail(0, [0, 0])
    block_queue = queue(desc_addr(0), avail_addr(0), next_avail=1, next_used=1)
    state = transport(2, live, block_features, [block_queue], disk, interrupt_status=1)
    seed("block_live_request_waiting", 0, state, ram.data)
    state = transport(2, acknowledge | driver, 1 << VERSION_1, [queue(0, 0x800, size=3, active=False)], disk)
    seed("block_driver_initialising", 0, state, b"")

    # Vsock: receive and event buffers given, a REQUEST to port 5000 waiting in the transmit ring.
    # Its rings are packed closer than fuzz_common.h's (queue q's table at q * 0x400, available
    # ring at +0x100, used ring at +0x300), which the saved state may choose, to keep the seed small.
    def vsock_avail(q, heads):
        ram.put(0x400 * q + 0x100, struct.pack("<HH", 0, len(heads)) + b"".join(struct.pack("<H", h) for h in heads))

    ram = Ram()
    for n in range(4):
        ram.chain(0, n, [(0x8000 + 0x1000 * n, 0x1000, True)])
        ram.chain(0x800, n, [(0xc000 + 0x10 * n, 4, True)])
    vsock_avail(0, [0, 1, 2, 3])
    vsock_avail(2, [0, 1, 2, 3])
    ram.put(0xd00, struct.pack("<QQIIIHHIII", 3, 2, 1234, 5000, 0, 1, 1, 0, 65536, 0))
    ram.chain(0x400, 0, [(0xd00, 44, False)])
    vsock_avail(1, [0])
    queues = [queue(0x400 * q, 0x400 * q + 0x100) for q in range(3)]
    seed("vsock_live", 1, transport(19, live, transport_features, queues, struct.pack("<I", (1 << 30) + 5)), ram.data)

    # The UART: IER, LCR, MCR, FCR, SCR, DLL, DLM, transmit interrupt pending, received bytes,
    # line level; then reads of IIR, the data three times, LSR, and a write with host input.
    uart = struct.pack("<7BB", 0x03, 0x03, 0x0b, 0x01, 0x42, 0x01, 0x00, 1) + blob(b"abc") + struct.pack("<B", 1)
    operations = bytes([2, 0, 0, 0, 5]) + bytes([8 | 16, ord("x"), ord("y")]) + bytes([2, 2])
    seed("uart_data_waiting", 2, uart, operations)


def www_authenticate():
    # the field value as is: what registries send, RFC 7235's own example, and near misses
    seeds = {
        "docker_hub": b'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
                      b'scope="repository:library/busybox:pull"',
        "basic": b'Basic realm="Registry Realm"',
        "several": b'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
        "token68_and_empty_elements": b', Negotiate YWJjZA==,, NTLM, bearer  realm = "r" ,scope=a:b:pull ,',
        "error_params": b'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/i:pull",'
                        b'error="insufficient_scope"',
        "unterminated": b'Bearer realm="https://auth.example/token',
        "duplicate": b'Basic realm="a", REALM="b"',
    }
    for name, field in seeds.items():
        write("fuzz_www_authenticate", name, field)


def seccomp_profile():
    # profiles in moby's JSON format (--security-opt seccomp=FILE): an allowlist with each kind of
    # rule, a denylist in the older single-name form, and near misses
    allowlist = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
        "syscalls": [
            {"names": ["read", "write", "close", "exit_group", "execve", "brk", "mmap"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
             "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390x"]}},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
            {"names": ["mount", "umount2"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        ],
    }
    denylist = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
        "flags": ["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls": [
            {"name": "keyctl", "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "the older form"},
            {"name": "personality", "action": "SCMP_ACT_KILL_PROCESS",
             "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}, {"index": 1, "value": 7, "op": "SCMP_CMP_LE"}]},
            {"name": "bpf", "action": "SCMP_ACT_LOG"},
        ],
    }
    seeds = {
        "allowlist": json.dumps(allowlist, indent=1).encode(),
        "denylist": json.dumps(denylist).encode(),
        "unconfined_meaning_nothing": b"{}",
        "both_name_and_names": b'{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_TRAP"}]}',
        "bad_kernel_and_index": b'{"defaultAction":"SCMP_ACT_TRACE","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO",'
                                b'"includes":{"minKernel":"4.8.1"},"args":[{"index":9,"value":1,"op":"SCMP_CMP_GT"}]}]}',
    }
    for name, profile in seeds.items():
        write("fuzz_seccomp_profile", name, profile)



def tar_archive(members):
    """A tar stream (pax format) of members: (name, kind, content_or_target, extra pax headers),
    ending at its two-block end-of-archive marker, without tarfile's padding to 10 KiB."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, value, pax in members:
            info = tarfile.TarInfo(name)
            info.mtime, info.mode, info.pax_headers = 1700000000, 0o755 if kind == tarfile.DIRTYPE else 0o644, pax
            info.type = kind
            data = None
            if kind == tarfile.REGTYPE:
                data, info.size = io.BytesIO(value), len(value)
            elif kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = value
            elif kind == tarfile.CHRTYPE:
                info.devmajor, info.devminor = value
            tar.addfile(info, data)
        end = tar.offset  # before close() writes the marker and pads
    return buffer.getvalue()[:end + 1024]


def zstd_frame(data):
    """One zstd frame (RFC 8878 section 3.1.1) holding data as a single raw block: what a zstd
    layer looks like to the reader, without a compressor."""
    assert 256 <= len(data) < 65536 + 256 and len(data) < 128 * 1024
    header = bytes([0x28, 0xB5, 0x2F, 0xFD, 0x60]) + struct.pack("<H", len(data) - 256)  # single segment, 2-byte size
    return header + (1 | len(data) << 3).to_bytes(3, "little") + data  # last block, raw


def layer_unpack():
    # layer blobs: a small root file system with whiteouts, as plain tar, gzip and zstd, and the
    # entries an unpacker must refuse or keep inside its directory
    D, F, L, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
    rootfs = tar_archive([
        ("./", D, None, {}),
        ("etc/", D, None, {}),
        ("etc/passwd", F, b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n", {}),
        ("bin/busybox", F, b"\x7fELF not really", {}),
        ("bin/sh", L, "busybox", {}),
        ("bin/ls", H, "bin/busybox", {}),
        ("var/.wh..wh..opq", F, b"", {}),
        ("tmp/.wh.stale", F, b"", {}),
        ("run/fifo", tarfile.FIFOTYPE, None, {}),
    ])
    write("fuzz_layer_unpack", "rootfs.tar", rootfs)
    write("fuzz_layer_unpack", "rootfs.tar.gz", gzip.compress(rootfs, mtime=0))
    write("fuzz_layer_unpack", "rootfs.tar.zst", zstd_frame(rootfs))
    write("fuzz_layer_unpack", "pax.tar", tar_archive([
        ("bin/ping", F, b"\x7fELF", {"SCHILY.xattr.security.capability": "\x01\x00\x00\x02", "SCHILY.xattr.user.note": "kept"}),
        ("usr/share/a-rather-long-directory-name/" + "n" * 120, F, b"long name in a pax header", {}),
    ]))
    write("fuzz_layer_unpack", "empty.tar", bytes(1024))
    hostile = {
        "dotdot": [("../escaped", F, b"x", {})],
        "absolute": [("/escaped", F, b"x", {})],
        "symlink_then_through": [("up", L, "../..", {}), ("up/escaped", F, b"x", {})],
        "absolute_symlink_then_through": [("root", L, "/", {}), ("root/tmp/escaped", F, b"x", {})],
        "hardlink_out": [("blob", H, "../../blob", {})],
        "hardlink_through_symlink": [("up", L, "..", {}), ("stolen", H, "up/blob", {})],
        "device_node": [("dev/sda", tarfile.CHRTYPE, (8, 0), {})],
        "whiteout_through_symlink": [("up", L, "..", {}), ("up/.wh.layer", F, b"", {})],
        "file_replaced_by_directory": [("a", F, b"x", {}), ("a/", D, None, {}), ("a/b", F, b"y", {})],
        "trusted_xattr": [("f", F, b"x", {"SCHILY.xattr.trusted.overlay.opaque": "y"})],
    }
    for name, members in hostile.items():
        write("fuzz_layer_unpack", name, tar_archive(members))


def copy_extract():
    # vmlet cp's tar streams: a tree as a copy out of a container makes it, and the entries the
    # extractor must refuse or keep beneath its destination (the fuzz target's "beside" file is
    # what the links aim at)
    D, F, L, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
    write("fuzz_copy_extract", "tree.tar", tar_archive([
        ("data/", D, None, {}),
        ("data/sub/", D, None, {}),
        ("data/sub/f", F, b"inside\n", {}),
        ("data/rel", L, "../../../../etc", {}),
        ("data/same", H, "data/sub/f", {}),
        ("data/fifo", tarfile.FIFOTYPE, None, {}),
    ]))
    hostile = {
        "dotdot": [("../beside", F, b"x", {})],
        "absolute": [("/tmp/escaped", F, b"x", {})],
        "symlink_then_through": [("up", L, "..", {}), ("up/beside", F, b"x", {})],
        "absolute_symlink_then_through": [("etc", L, "/etc", {}), ("etc/escaped", F, b"x", {})],
        "hardlink_out": [("stolen", H, "../beside", {})],
        "hardlink_through_symlink": [("up", L, "..", {}), ("stolen", H, "up/beside", {})],
        "device_node": [("sda", tarfile.CHRTYPE, (8, 0), {})],
        "file_replaced_by_directory": [("a", F, b"x", {}), ("a/", D, None, {}), ("a/b", F, b"y", {})],
    }
    for name, members in hostile.items():
        write("fuzz_copy_extract", name, tar_archive(members))


def image_json():
    # the selector byte (0 index, 1 manifest, 2 config, 3 platform), then the document
    digest = lambda c: "sha256:" + c * 64
    def descriptor(media_type, c, size, platform=None):
        d = {"mediaType": media_type, "digest": digest(c), "size": size}
        if platform:
            d["platform"] = platform
        return d
    oci_index = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            descriptor("application/vnd.oci.image.manifest.v1+json", "1", 1022, {"architecture": "amd64", "os": "linux"}),
            descriptor("application/vnd.oci.image.manifest.v1+json", "2", 1022, {"architecture": "arm64", "os": "linux", "variant": "v8"}),
            dict(descriptor("application/vnd.oci.image.manifest.v1+json", "3", 566, {"architecture": "unknown", "os": "unknown"}),
                 annotations={"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": digest("1")}),
        ],
    }
    docker_list = {
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [descriptor("application/vnd.docker.distribution.manifest.v2+json", "a", 528, {"architecture": "amd64", "os": "linux"})],
    }
    oci_manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", "c", 1471),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar+gzip", "d", 3408729),
                   descriptor("application/vnd.oci.image.layer.v1.tar+zstd", "e", 120)],
        "annotations": {"org.opencontainers.image.created": "2024-01-27T00:00:00Z"},
    }
    docker_manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": descriptor("application/vnd.docker.container.image.v1+json", "f", 1472),
        "layers": [descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", "0", 3408729)],
    }
    config = {
        "architecture": "amd64", "os": "linux", "created": "2024-01-27T00:30:48.743965523Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"],
                   "Entrypoint": None, "WorkingDir": "/srv", "User": "app:app", "ExposedPorts": {"80/tcp": {}, "53/udp": {}}},
        "rootfs": {"type": "layers", "diff_ids": [digest("4"), digest("5")]},
        "history": [{"created": "2024-01-27T00:30:48Z", "created_by": "ADD file:abc in / "}],
    }
    documents = {
        "oci_index": (0, oci_index), "docker_manifest_list": (0, docker_list),
        "oci_manifest": (1, oci_manifest), "docker_manifest": (1, docker_manifest),
        "config": (2, config), "config_without_rootfs": (2, {"architecture": "arm64", "os": "linux", "config": {}}),
    }
    for name, (selector, document) in documents.items():
        write("fuzz_image_json", name, bytes([selector]) + json.dumps(document, indent=1).encode())
    write("fuzz_image_json", "manifest_bad_size", b"\x01" + json.dumps(dict(oci_manifest, config=dict(oci_manifest["config"], size=-1))).encode())
    # a good config before bad layers, a media type before a bad digest: under clang both leaked
    write("fuzz_image_json", "manifest_bad_layers", b"\x01" + json.dumps(dict(oci_manifest, layers=[{"digest": "sha256:0", "size": 1}])).encode())
    write("fuzz_image_json", "descriptor_bad_digest", b"\x00" + json.dumps({"manifests": [{"mediaType": oci_manifest["mediaType"], "digest": "md5:0", "size": 1}]}).encode())
    write("fuzz_image_json", "nested", b"\x00" + b'{"manifests":[' * 40 + b"]" * 40)
    for name, text in {"platform": "linux/arm64/v8", "platform_short": "linux/amd64", "platform_empty_variant": "linux/arm/"}.items():
        write("fuzz_image_json", name, b"\x03" + text.encode())


def image_reference():
    # references as people type them and as archives name their images
    seeds = {
        "short": "busybox",
        "full": "docker.io/library/alpine:3.19@sha256:" + "c5b1261d" * 8,
        "user": "user/app",
        "localhost_port": "localhost:5000/app:1",
        "ghcr_digest": "ghcr.io/org/tool@sha256:" + "0123456789abcdef" * 4,
        "index_docker_io": "index.docker.io/user/app:v1",
        "separators": "registry.example.com:443/a/b_c__d-e.f:v1.0-rc_2",
        "sha512": "app@sha512:" + "ab" * 64,
        "uppercase_registry": "Registry/app",
        "bad_tag": "app:-x",
    }
    for name, text in seeds.items():
        write("fuzz_image_reference", name, text.encode())


def passwd_group():
    # --user, NUL, /etc/passwd, NUL, /etc/group, as an Alpine image has them
    passwd = (b"root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\n# a comment\n"
              b"nobody:x:65534:65534:nobody:/:/sbin/nologin\napp:x:1000:1000:App:/home/app:/bin/sh\n")
    group = b"root:x:0:root\nwheel:x:10:root,app\naudio:x:18:app\napp:x:1000:\n"
    seeds = {
        "name": b"app\0" + passwd + b"\0" + group,
        "name_and_group": b"app:wheel\0" + passwd + b"\0" + group,
        "numbers": b"1000:18\0" + passwd + b"\0" + group,
        "unknown_number": b"4242\0" + passwd + b"\0" + group,
        "root_default": b"\0" + passwd + b"\0" + group,
        "no_group_file": b"nobody\0" + passwd,
        "no_files": b"app",
        "short_lines": b"app\0app:x\nx:1000\napp:x:1000:1000:::\0wheel:x\n",
    }
    for name, data in seeds.items():
        write("fuzz_passwd_group", name, data)


def archive_members():
    # an archive's members ("f", "d", "o", "l NAME<TAB>TARGET") and the names to resolve ("?")
    hex_ = "9f" * 32
    seeds = {
        "docker_save": f"f manifest.json\nf repositories\nd {hex_}\nf {hex_}/layer.tar\nf {hex_[:62]}aa.json\n"
                       f"l abc/layer.tar\t../{hex_}/layer.tar\n? abc/layer.tar\n? ./{hex_}//layer.tar\n? {hex_[:62]}aa.json\n",
        "oci_layout": f"f oci-layout\nf index.json\nd blobs/\nd blobs/sha256\nf blobs/sha256/{hex_}\n? blobs/sha256/{hex_}\n",
        "podman_links": "f blobs/sha256/aa\nl layer.tar\tblobs/sha256/aa\nl dir\tblobs/sha256\n? layer.tar\n? dir/aa\n? dir/../layer.tar\n",
        "loop": "l a\tb\nl b\ta\n? a\nl self\t./self\n? self/x\n",
        "escapes": "l x\t../../etc/passwd\nl abs\t/etc/passwd\nl up\t..\n? x\n? abs\n? up/anything\n? ../x\n? /etc/passwd\n",
        "wrong_kinds": "d dir\no fifo\nf file\n? dir\n? fifo\n? file/x\n? missing\n? \n",
        "twice": "f a\nf a\nd b\nd b\nf c/d\nf c\n? c/d\n",
    }
    for name, text in seeds.items():
        write("fuzz_archive_members", name, text.encode())


def agent_spec():
    # byte 0: 0 the container's spec, 1 an exec's; then NUL-terminated tagged fields
    network = b"N02:42:0a:58:00:05 10.88.0.5/16 10.88.0.1 1500\0"
    files = b"H127.0.0.1\tlocalhost\n\0Rnameserver 10.88.0.1\n\0"
    seeds = {
        "plain": b"\0a/bin/sh\0a-c\0aecho hi\0ePATH=/bin\0w/srv\0u1000:1000\0g27\0hbox\0p10\0i\0n\0t24:80\0",
        "network": b"\0atrue\0" + network + files,
        "network_in_exec": b"\1atrue\0o2000\0" + network,
        "clock_and_entropy": b"\0atrue\0T1796640000.000000005\0r" + b"ab" * 32 + b"\0",
        "exec": b"\1ash\0o70000\0t0:0\0",
        "mounts": b"\0atrue\0Msw 0 /data\0Msr 1 /srv/conf\0Mtw 1048576:1777 /scratch\0",
        "mount_in_exec": b"\1atrue\0o2000\0Msw 0 /data\0",
        "mount_options": b"\0atrue\0Mswxs 0 /data\0Mtrx 0:755 /t\0Msws 1 /v\0Msrsx 2 /out_of_order\0",
        "layer_disk": b"\0atrue\0L\0Msw 0 /data\0",
        "layer_disk_in_exec": b"\1atrue\0o2000\0L\0",
    }
    for name, data in seeds.items():
        write("fuzz_agent_spec", name, data)


def agent_messages():
    # host actions (bit 0 stdin, bit 1 signal, bit 2 terminal size), then the agent's control bytes
    seeds = {
        "exit_0": (0, b"SX\x00"),
        "exit_3_after_signal_and_size": (6, b"SX\x03"),
        "killed": (7, b"SX\x89"),
        "not_found": (1, b"F\x7f"),
        "started_then_gone": (0, b"S"),
        "cut_short": (0, b"SX"),
        "failed_cut_short": (0, b"F"),
        "unknown_tag": (0, b"Z"),
        "out_of_turn": (2, b"SAX\x01"),
        "nothing": (0, b""),
    }
    for name, (actions, control) in seeds.items():
        write("fuzz_agent_messages", name, bytes([actions]) + control)

def guest_processes():
    # what the agent sends vmlet top: /proc/uptime, then per process its pid and stat, status and
    # cmdline, each a little-endian u32 count and its bytes
    def counted(data):
        return struct.pack("<I", len(data)) + data
    stat = b"1 (sh) S 0 1 1 34816 1 4194560 200 0 0 0 3 5 0 0 20 0 1 0 1200 2000000 100 18446744073709551615 1 1 0\n"
    status = b"Name:\tsh\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n"
    command = b"sh\0-c\0sleep 600 & exec sleep 601\0"
    kernel_made = b"7 (kworker) S 1 1 1 0 -1 4194560 50 0 0 0 0 0 0 0 20 0 1 0 1500 1000000 50\n"
    write("fuzz_guest_processes", "two_processes", counted(b"25.31 3.02\n") + struct.pack("<I", 1) + counted(stat) + counted(status)
          + counted(command) + struct.pack("<I", 7) + counted(kernel_made) + counted(b"Uid:\t0\t0\t0\t0\n") + counted(b""))
    write("fuzz_guest_processes", "cut_short", counted(b"1.0\n") + struct.pack("<I", 1) + counted(stat))


def bundle_config():
    # a config.json as podman writes one, a ctr one, and an exec's process file
    import json
    podman = {
        "ociVersion": "1.0.2-dev",
        "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "echo hi"], "env": ["PATH=/bin"], "cwd": "/",
                    "terminal": True, "consoleSize": {"height": 24, "width": 80},
                    "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]},
                    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576}], "noNewPrivileges": False},
        "root": {"path": "/var/lib/containers/x/merged", "readonly": False},
        "hostname": "c1",
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                   {"destination": "/etc/hosts", "type": "bind", "source": "/run/x/hosts", "options": ["bind", "rprivate"]},
                   {"destination": "/data", "type": "bind", "source": "../vol", "options": ["rbind", "ro"]},
                   {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1024", "mode=1777"]}],
        "annotations": {"io.vmlet.isolation": "process"},
        "linux": {"sysctl": {"net.ipv4.ping_group_range": "0 0"},
                  "resources": {"pids": {"limit": 2048}, "memory": {"limit": 1 << 28}, "cpu": {"quota": 50000, "period": 100000}},
                  "cgroupsPath": "/libpod_parent/libpod-1",
                  "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/n"}, {"type": "mount"}],
                  "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}},
    }
    ctr = {"ociVersion": "1.1.0", "process": {"args": ["/bin/true"], "cwd": "/"}, "root": {"path": "rootfs"},
           "linux": {"namespaces": [{"type": "network"}, {"type": "pid"}]}}
    write("fuzz_bundle_config", "podman", json.dumps(podman).encode())
    write("fuzz_bundle_config", "ctr", json.dumps(ctr).encode())
    write("fuzz_bundle_config", "exec_process", json.dumps(podman["process"]).encode())


def virtio_fs():
    # header: u8 (bits 0-2 log2 queue size, bit 3 read-only share); requests on queue 1 (0x1000),
    # FORGETs on queue 0; request bytes from 0x1c00 (past queue 1's used ring), replies at
    # 0x8000 + 0x400 * n.
    LOOKUP, FORGET, GETATTR, SETATTR, READLINK, SYMLINK, MKDIR, UNLINK, RMDIR, RENAME = 1, 2, 3, 4, 5, 6, 9, 10, 11, 12
    OPEN, READ, WRITE, STATFS, RELEASE, INIT, OPENDIR, READDIR, CREATE, BATCH_FORGET = 14, 15, 16, 17, 18, 26, 27, 28, 35, 42
    READDIRPLUS, RENAME2, LSEEK, FALLOCATE, ACCESS = 44, 45, 46, 43, 34

    def request(opcode, node, args=b"", unique=1, uid=0, length=None):
        size = 40 + len(args) if length is None else length
        return struct.pack("<IIQQIIIHH", size, opcode, unique, node, uid, uid, 1, 0, 0) + args

    def name(*names):
        return b"".join(n + b"\0" for n in names)

    init = struct.pack("<IIII", 7, 36, 65536, 1 << 13 | 1 << 22) + bytes(48)

    def read_in(fh, offset=0, size=512):
        return struct.pack("<QQIIQII", fh, offset, size, 0, 0, 0, 0)

    def seed(name_, requests, flags=5, forgets=()):
        ram = Ram()
        at = 0x1c00
        for n, raw in enumerate(requests):
            ram.put(at, raw)
            ram.chain(0x1000, 2 * n, [(at, len(raw), False), (0x8000 + 0x400 * n, 0x400, True)])
            at += (len(raw) + 15) // 16 * 16
        ram.put(avail_addr(1), struct.pack("<HH", 0, len(requests)) + b"".join(struct.pack("<H", 2 * n) for n in range(len(requests))))
        for n, raw in enumerate(forgets):
            ram.put(at, raw)
            ram.chain(0, n, [(at, len(raw), False)])
            at += (len(raw) + 15) // 16 * 16
        if forgets:
            ram.avail(0, list(range(len(forgets))))
        write("fuzz_virtio_fs", name_, bytes([flags]) + ram.data)

    # Node 2 is the first node looked up; handles count from 1.
    seed("read_a_file_and_list", [
        request(INIT, 0, init, 1),
        request(LOOKUP, 1, name(b"file"), 2),
        request(OPEN, 2, struct.pack("<II", 0, 0), 3),
        request(READ, 0, read_in(1), 4),
        request(OPENDIR, 1, struct.pack("<II", 0, 0), 5),
        request(READDIRPLUS, 0, read_in(2, 0, 1024), 6),
        request(GETATTR, 2, struct.pack("<IIQ", 0, 0, 0), 7),
        request(STATFS, 1, b"", 8),
    ])
    seed("create_write_rename_remove", [
        request(INIT, 0, init, 1),
        request(CREATE, 1, struct.pack("<IIII", 0o1101, 0o100644, 0o22, 0) + name(b"new"), 2),
        request(WRITE, 0, struct.pack("<QQIIQII", 1, 0, 5, 0, 0, 0, 0) + b"bytes", 3),
        request(RENAME, 1, struct.pack("<Q", 1) + name(b"new", b"renamed"), 4),
        request(MKDIR, 1, struct.pack("<II", 0o755, 0o22) + name(b"sub"), 5),
        request(SYMLINK, 1, name(b"link", b"/etc/passwd"), 6),
        request(UNLINK, 1, name(b"renamed"), 7),
        request(RMDIR, 1, name(b"sub"), 8),
    ], flags=5)
    seed("escapes_on_a_read_only_share", [
        request(INIT, 0, init, 1),
        request(LOOKUP, 1, name(b"out"), 2),
        request(READLINK, 2, b"", 3),
        request(LOOKUP, 2, name(b"etc"), 4),
        request(LOOKUP, 1, name(b".."), 5),
        request(LOOKUP, 1, name(b"dir/../.."), 6),
        request(OPEN, 2, struct.pack("<II", 1, 0), 7),
        request(CREATE, 1, struct.pack("<IIII", 0o101, 0o100644, 0, 0) + name(b"x"), 8),
    ], flags=5 | 8)
    setattr_in = struct.pack("<IIQQQQQQIIIIIIII", 1 | 8, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0o600, 0, 0, 0, 0)
    seed("attributes_seek_and_forget", [
        request(INIT, 0, init, 1),
        request(LOOKUP, 1, name(b"file"), 2),
        request(SETATTR, 2, setattr_in, 3),
        request(ACCESS, 2, struct.pack("<II", 4, 0), 4),
        request(OPEN, 2, struct.pack("<II", 2, 0), 5),
        request(LSEEK, 0, struct.pack("<QQII", 1, 0, 3, 0), 6),
        request(FALLOCATE, 0, struct.pack("<QQQII", 1, 0, 4096, 1, 0), 7),
        request(RELEASE, 0, struct.pack("<QIIQ", 1, 0, 0, 0), 8),
    ], forgets=[request(FORGET, 2, struct.pack("<Q", 1), 9),
                request(BATCH_FORGET, 0, struct.pack("<II", 2, 0) + struct.pack("<QQ", 2, 1) + struct.pack("<QQ", 3, 1), 10)])
    seed("malformed_requests", [
        request(INIT, 0, init, 1),
        request(GETATTR, 1, b"", 2, length=4000),
        request(LOOKUP, 1, b"unterminated", 3),
        request(READ, 0, read_in(99, 2 ** 63, 2 ** 32 - 1), 4),
        request(WRITE, 0, struct.pack("<QQIIQII", 1, 0, 1 << 20, 0, 0, 0, 0) + b"x", 5),
        request(4242, 1, b"", 6),
        request(READDIR, 0, read_in(7, 12345), 7),
        request(RENAME2, 1, struct.pack("<QII", 1, 4, 0) + name(b"file", b"w"), 8),
    ])


if __name__ == "__main__":
    descriptor_chain()
    mmio_transport()
    block_request()
    net_frames()
    console()
    vsock_packets()
    device_state()
    www_authenticate()
    seccomp_profile()
    layer_unpack()
    copy_extract()
    image_json()
    image_reference()
    passwd_group()
    archive_members()
    agent_messages()
    agent_spec()
    virtio_fs()
    guest_processes()
    bundle_config()
    for directory in sorted(CORPUS.iterdir()):
        print(f"{directory.name}: {len(list(directory.iterdir()))} seeds")
