/*
 * run.c -- the common main() tail of a plugin's CUnit test.
 */
#include <CUnit/Basic.h>

#include "helios/conformance.h"

int helios_test_run_cunit(void)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (CU_basic_run_tests() != CUE_SUCCESS) {
        CU_cleanup_registry();
        return 1;
    }
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed() +
                      CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    /* A registry that ran nothing is a broken test, not a passing one. */
    return failed == 0 && ran > 0 ? 0 : 1;
}
