/*
 * pg_plugin.c -- the "postgres" protocol plugin: descriptor and protocol vtable.
 *
 * One instance per listener. serve() runs one connection on the calling session thread with
 * blocking I/O (pg_conn.c); stop() only raises a flag that every serve() loop polls between
 * messages, together with host->shutting_down.
 */
#include <string.h>

#include "helios/plugin.h"
#include "pg_internal.h"

static int32_t pg_init(const helios_host_t *host, const void *config, void **lib_state,
                       helios_err_t *err)
{
    pg_lib_t *lib = host->calloc(host, 1, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    *lib_state = lib;
    return 0;
}

static void pg_fini(void *lib_state)
{
    pg_lib_t *lib = lib_state;
    if (lib != NULL) {
        lib->host->free(lib->host, lib);
    }
}

static int32_t pg_create(void *lib_state, const void *config, const helios_listener_info_t *l,
                         helios_engine_t *engine, const helios_session_api_t *api, void **inst_out,
                         helios_err_t *err)
{
    pg_lib_t *lib = lib_state;
    const helios_host_t *host = lib->host;
    if (l == NULL || l->size < sizeof(helios_listener_info_t) || api == NULL ||
        api->size < sizeof(helios_session_api_t)) {
        return host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                             "postgres: listener or session API from an older kernel");
    }
    if (l->auth_method > HELIOS_AUTH_PASSWORD) {
        return host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                             "postgres: unknown auth_method %u", l->auth_method);
    }
    if ((l->tls_cert == NULL) != (l->tls_key == NULL)) {
        return host->err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR,
                             "postgres: tls needs both cert and key");
    }
    pg_inst_t *inst = host->calloc(host, 1, sizeof(*inst));
    if (inst == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    inst->host = host;
    memcpy(&inst->listener, l, sizeof(inst->listener));
    inst->engine = engine;
    inst->api = api;
    inst->max_message_bytes =
        l->max_message_bytes != 0 ? l->max_message_bytes : PG_DEFAULT_MAX_MESSAGE;
    inst->read_timeout_ms =
        l->read_timeout_ms != 0 ? l->read_timeout_ms : PG_DEFAULT_READ_TIMEOUT_MS;
    if (pg_random(inst->mock_key, sizeof(inst->mock_key)) != 0) {
        host->free(host, inst);
        return host->err_set(err, HELIOS_ERR_INTERNAL_ERROR, "postgres: no random source");
    }
    *inst_out = inst;
    return 0;
}

static int32_t pg_start(void *inst_p, helios_err_t *err)
{
    pg_inst_t *inst = inst_p;
    return pg_tls_start(inst, err);
}

static void pg_stop(void *inst_p)
{
    pg_inst_t *inst = inst_p;
    __atomic_store_n(&inst->stopping, 1u, __ATOMIC_RELEASE);
}

static void pg_destroy(void *inst_p)
{
    pg_inst_t *inst = inst_p;
    if (inst == NULL) {
        return;
    }
    pg_tls_stop(inst);
    inst->host->free(inst->host, inst);
}

static void pg_serve(void *inst_p, const helios_conn_info_t *conn)
{
    pg_inst_t *inst = inst_p;
    pg_fd_io_t io;
    pg_transport_t tr;
    pg_fd_transport(&tr, &io, conn->fd);
    pg_conn_run(inst, &tr, conn->fd, conn->conn_id, conn->peer_addr);
}

static const helios_protocol_vtable_t pg_vtable = {
    .size = sizeof(helios_protocol_vtable_t),
    .caps = 0,
    .create = pg_create,
    .start = pg_start,
    .stop = pg_stop,
    .destroy = pg_destroy,
    .detect = pg_plugin_detect,
    .serve = pg_serve,
    .control = NULL,
};

HELIOS_PLUGIN(.kind = HELIOS_KIND_PROTOCOL, .name = "postgres", .version = "1.0.0",
              .description = "PostgreSQL wire protocol v3 (psql, libpq, pgbench, JDBC, ...)",
              .vtable = &pg_vtable, .config_keys = NULL, .n_config_keys = 0, .config_size = 0,
              .init = pg_init, .fini = pg_fini);
