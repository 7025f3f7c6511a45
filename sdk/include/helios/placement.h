/*
 * helios/placement.h -- placement policies: sharding (schema, hash) and tiering.
 *
 * A policy answers three questions from the kernel: which shard owns a key, which node owns a
 * shard, and which storage tier a file belongs on. It also plans rebalancing moves. Policies
 * are pure decision makers: they never move data themselves. Built in a later issue.
 * Threads: every member may be called concurrently from any thread.
 */
#ifndef HELIOS_PLACEMENT_H
#define HELIOS_PLACEMENT_H

#include <stdint.h>

#include "helios/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the kernel knows about a file when asking for its tier. */
typedef struct helios_file_facts {
    uint32_t size;
    uint32_t level; /* LSM level, 0 = newest */
    uint64_t size_bytes;
    uint64_t age_ms;       /* since it was written */
    uint64_t last_read_ms; /* since it was last read, UINT64_MAX never */
    uint64_t reads_per_hour;
} helios_file_facts_t;

/* A planned move: shard `shard` from node `from` to node `to`. */
typedef struct helios_move {
    uint64_t shard;
    uint64_t from;
    uint64_t to;
} helios_move_t;

typedef struct helios_placement_vtable {
    uint32_t size;
    uint32_t caps;
    int32_t (*create)(void *lib_state, const void *config, void **inst, helios_err_t *err);
    void (*destroy)(void *inst);
    /* shard_for: the shard owning (schema, table, key bytes). */
    int32_t (*shard_for)(void *inst, const char *schema, const char *table, const void *key,
                         uint64_t key_len, uint64_t *shard, helios_err_t *err);
    /* node_for: the node owning a shard, from the kernel's current map (opaque to the kernel,
       set with set_map). */
    int32_t (*node_for)(void *inst, uint64_t shard, uint64_t *node, helios_err_t *err);
    int32_t (*set_map)(void *inst, const void *map, uint64_t len, helios_err_t *err);
    /* tier_for: the tier name a file should live on ("hot", "warm", "cold"), copied to buf. */
    int32_t (*tier_for)(void *inst, const helios_file_facts_t *facts, char *buf, uint32_t cap,
                        helios_err_t *err);
    /* plan: up to `cap` moves to rebalance; sets *n. */
    int32_t (*plan)(void *inst, helios_move_t *moves, uint32_t cap, uint32_t *n, helios_err_t *err);
    int32_t (*control)(void *inst, uint32_t op, void *arg, helios_err_t *err);
    /* ---- ABI 1.0 ends here ---- */
} helios_placement_vtable_t;

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_PLACEMENT_H */
