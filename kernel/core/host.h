/*
 * kernel/core/host.h -- the host table the kernel gives each plugin, and the kernel's side of
 * what it offers: per-plugin allocation counts, the metrics registry, the shutdown flag.
 */
#ifndef HELIOS_CORE_HOST_H
#define HELIOS_CORE_HOST_H

#include <stdint.h>

#include "core/registry.h"
#include "helios/host.h"

/* Fill p->host for plugin p (called by the loader once the plugin passed its checks). */
void helios_host_fill(helios_plugin_rt_t *p, const char *data_dir);
/* Stop and free the timers and I/O watchers p created (before its fini/free). */
void helios_host_release(helios_plugin_rt_t *p);

/* The server's graceful-shutdown flag (host->shutting_down). */
void helios_host_set_shutting_down(void);
uint32_t helios_host_is_shutting_down(void);

/* Metrics: "<plugin>_<name>" counters and gauges. The kernel registers its own with
   plugin = "heliosdb". */
typedef struct helios_metric_view {
    const char *name;
    const char *help;
    uint32_t type;
    int64_t value;
} helios_metric_view_t;
int32_t helios_metric_register(const char *owner, const char *name, uint32_t type, const char *help,
                               helios_metric_t **out, helios_err_t *err);
void helios_metric_add(helios_metric_t *m, int64_t delta);
void helios_metric_set(helios_metric_t *m, int64_t value);
/* Call cb for every registered metric in registration order (any thread). */
void helios_metrics_foreach(void (*cb)(const helios_metric_view_t *m, void *arg), void *arg);

#endif /* HELIOS_CORE_HOST_H */
