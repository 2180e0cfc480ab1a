#pragma once

namespace vmlet::test {

// Moves this test process into a network namespace of its own, with loopback up, before any thread
// starts (unshare(2) changes the calling thread only): every vmlet it runs then makes its bridges,
// veths, taps and firewall tables there, and they go with the process, so no test touches the
// machine's own network. Every test is a process of its own under ctest, so each test has its
// own namespace. Without root it changes nothing (the container tests skip themselves then).
bool enter_own_network_namespace();

}
