/*
 * nvme.c -- the "nvme" storage tier: a local directory on fast storage (latency class HOT).
 * The implementation is localtier.c, shared with the "sata" tier.
 */
#include "localtier.h"

static const helios_storage_vtable_t nvme_vtable = LOCALTIER_VTABLE(HELIOS_TIER_HOT, 0);

HELIOS_PLUGIN(.kind = HELIOS_KIND_STORAGE, .name = "nvme", .version = "1.0.0",
              .description = "local-directory storage tier on fast (NVMe) storage",
              .vtable = &nvme_vtable, .config_keys = localtier_config_keys,
              .n_config_keys = LOCALTIER_N_CONFIG_KEYS, .config_size = sizeof(localtier_config_t),
              .init = localtier_init, .fini = localtier_fini);
