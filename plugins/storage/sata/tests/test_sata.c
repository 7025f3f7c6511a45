/* test_sata.c -- CUnit tests of the sata tier (the shared body is ../../nvme/tests). */
#define TIER_NAME "sata"
#define TIER_LATENCY HELIOS_TIER_WARM
#include "tier_tests.h"
