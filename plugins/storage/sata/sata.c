/*
 * sata.c -- the "sata" storage tier: a local directory on slower, cheaper storage (latency
 * class WARM). Same implementation as "nvme" (../nvme/localtier.c); only the descriptor differs.
 */
#include "localtier.h"

static const helios_storage_vtable_t sata_vtable = LOCALTIER_VTABLE(HELIOS_TIER_WARM, 0);

HELIOS_PLUGIN(.kind = HELIOS_KIND_STORAGE, .name = "sata", .version = "1.0.0",
              .description = "local-directory storage tier on warm (SATA/HDD) storage",
              .vtable = &sata_vtable, .config_keys = localtier_config_keys,
              .n_config_keys = LOCALTIER_N_CONFIG_KEYS, .config_size = sizeof(localtier_config_t),
              .init = localtier_init, .fini = localtier_fini);
