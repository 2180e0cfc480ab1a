// The archive format tests with --isolation=vm: each command in a microVM with the guest agent
// (needs KVM; labelled "kvm", so scripts/test.sh runs them in the nested-KVM VM where the host has
// no usable /dev/kvm).
#include "tests/integration/archive_formats_test.h"

namespace vmlet::test {

INSTANTIATE_TEST_SUITE_P(Vm, ArchiveFormats, ::testing::Values("vm"));

}
