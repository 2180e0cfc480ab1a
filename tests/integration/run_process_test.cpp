// The run tests with --isolation=process: namespaces and cgroups on this kernel (needs root).
#include "tests/integration/run_test.h"

namespace vmlet::test {

INSTANTIATE_TEST_SUITE_P(Process, RunTest, ::testing::Values("process"));

}
