/*
 * helios/consensus.h -- consensus engines: Raft for metadata, Paxos for WAL safekeepers.
 *
 * A consensus instance replicates an ordered log of opaque entries to a group of nodes and
 * reports when an entry is committed (durable on a quorum). The kernel supplies the state
 * machine (apply / snapshot callbacks) and the transport is the plugin's own. Built in a later
 * issue; the vtable is fixed now so that plugins can be written against it.
 * Threads: propose may be called from any thread; callbacks run on the plugin's threads.
 */
#ifndef HELIOS_CONSENSUS_H
#define HELIOS_CONSENSUS_H

#include <stdint.h>

#include "helios/host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct helios_consensus_member {
    uint64_t id;         /* node id, unique in the group */
    const char *address; /* "host:port" */
} helios_consensus_member_t;

/* The kernel's state machine, called by the plugin. */
typedef struct helios_state_machine {
    uint32_t size;
    uint32_t reserved;
    void *ctx;
    /* apply: entry `index` is committed; apply it (in index order, one at a time). */
    int32_t (*apply)(void *ctx, uint64_t index, const void *data, uint64_t len);
    /* snapshot: serialize the state up to the last applied index; *data from host->alloc. */
    int32_t (*snapshot)(void *ctx, void **data, uint64_t *len, uint64_t *last_index);
    /* restore: replace the state with a snapshot. */
    int32_t (*restore)(void *ctx, const void *data, uint64_t len, uint64_t last_index);
    /* leader_changed: this node became (1) or stopped being (0) the leader. */
    void (*leader_changed)(void *ctx, uint32_t is_leader, uint64_t leader_id);
} helios_state_machine_t;

/* propose completion: status 0 committed at `index`; otherwise not committed. */
typedef void (*helios_propose_cb)(void *arg, int32_t status, uint64_t index);

typedef struct helios_consensus_vtable {
    uint32_t size;
    uint32_t caps;
    /* create: this node `self_id`, the initial members, where to keep its log (a directory). */
    int32_t (*create)(void *lib_state, const void *config, uint64_t self_id,
                      const helios_consensus_member_t *members, uint32_t n_members, const char *dir,
                      const helios_state_machine_t *sm, void **inst, helios_err_t *err);
    int32_t (*start)(void *inst, helios_err_t *err);
    void (*stop)(void *inst);
    void (*destroy)(void *inst);
    /* propose: append an entry; cb fires once it is committed or failed (not leader: 25006). */
    int32_t (*propose)(void *inst, const void *data, uint64_t len, helios_propose_cb cb, void *arg,
                       helios_err_t *err);
    /* leader: the current leader's id, 0 when unknown. */
    uint64_t (*leader)(void *inst);
    /* membership changes: one node at a time. */
    int32_t (*add_member)(void *inst, const helios_consensus_member_t *m, helios_err_t *err);
    int32_t (*remove_member)(void *inst, uint64_t id, helios_err_t *err);
    int32_t (*control)(void *inst, uint32_t op, void *arg, helios_err_t *err);
    /* ---- ABI 1.0 ends here ---- */
} helios_consensus_vtable_t;

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_CONSENSUS_H */
