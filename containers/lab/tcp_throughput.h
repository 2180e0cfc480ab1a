#pragma once

#include "vmm/base/result.h"

#include <chrono>
#include <cstdint>

namespace vmlet::lab {

// What the TCP figure sends: enough for the copy to dominate the connection's setup.
constexpr uint64_t kTcpBytes = 64ull << 20;

// A loopback port no one listens on now, for a published port (-p 127.0.0.1:PORT:...).
Result<uint16_t> free_loopback_port();

// Connects to vmlet-probe's tcp-sink at 127.0.0.1:`port` (through a published port or directly),
// retrying until the sink says it is there or `ready_within` has passed; sends kTcpBytes, and
// returns the throughput in Mbit/s from the first byte sent to the sink's count received, which
// must be what was sent. The sink is told to expect kTcpBytes (--bytes).
Result<double> send_to_tcp_sink(uint16_t port, std::chrono::seconds ready_within);

}
