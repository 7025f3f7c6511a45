/* test_nvme.c -- CUnit tests of the nvme tier (the shared body is tier_tests.h). */
#define TIER_NAME "nvme"
#define TIER_LATENCY HELIOS_TIER_HOT
#include "tier_tests.h"
