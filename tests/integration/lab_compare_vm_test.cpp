// vmlet compare with every subject, booted and restored VMs among them (needs KVM; labelled "kvm",
// so scripts/test.sh runs it in the nested harness where the host has no /dev/kvm).
#include "tests/integration/lab_compare_test.h"

namespace vmlet::test {

INSTANTIATE_TEST_SUITE_P(Vm, CompareTest, ::testing::Values("vm"));

}
