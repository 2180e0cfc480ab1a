// vmlet compare with --no-vm: the host and process isolation (needs root).
#include "tests/integration/lab_compare_test.h"

namespace vmlet::test {

INSTANTIATE_TEST_SUITE_P(Process, CompareTest, ::testing::Values("process"));

}
