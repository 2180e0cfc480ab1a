// The run tests with --isolation=vm: each container a microVM with the guest agent (needs KVM;
// labelled "kvm", so scripts/test.sh runs them in the nested-KVM VM where the host has no usable
// /dev/kvm).
#include "tests/integration/run_test.h"

namespace vmlet::test {

INSTANTIATE_TEST_SUITE_P(Vm, RunTest, ::testing::Values("vm"));

}
