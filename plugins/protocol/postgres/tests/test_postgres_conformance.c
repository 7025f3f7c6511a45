/*
 * test_postgres_conformance.c -- the built postgres.so through the SDK's protocol conformance
 * suite (helios/conformance.h): detect() purity and monotonicity, lifecycle, allocation failure
 * at every point, serve() ending on hang-ups, garbage and shutdown, no leaks.
 */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "helios/conformance.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_postgres_conformance PATH/postgres.so\n");
        return 2;
    }
    if (CU_initialize_registry() != CUE_SUCCESS ||
        helios_conformance_protocol_register(argv[1], NULL) != CUE_SUCCESS) {
        return 2;
    }
    return helios_test_run_cunit();
}
