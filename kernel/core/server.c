/*
 * kernel/core/server.c -- listeners and session threads.
 *
 * The main thread runs the libev loop: it owns the listening sockets, signals and timers. Each
 * accepted connection gets its own thread that calls the protocol's serve() with a blocking
 * socket (one client's slow query never blocks another). On an `auto` listener the session
 * thread peeks at the first bytes and asks each protocol's detect(). A finished session thread
 * wakes the loop, which joins it.
 */
#define _GNU_SOURCE
#include "core/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/host.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/registry.h"
#include "helios/sqlstate.h"

#define AUTO_DETECT_MS 250
#define AUTO_PEEK_BYTES 64

typedef struct proto_inst {
    helios_plugin_rt_t *p;
    void *inst;
    uint32_t started;
} proto_inst_t;

typedef struct listener {
    const helios_listener_cfg_t *cfg;
    helios_listener_info_t info;
    int fd;
    ev_io w;
    uint32_t is_auto;
    proto_inst_t *protos; /* one, or every detect-capable protocol on an auto listener */
    size_t n_protos;
    char addr[80];
} listener_t;

typedef struct session {
    pthread_t tid;
    int fd;
    listener_t *l;
    helios_conn_info_t ci;
    char peer[64];
    int done;
    struct session *next;
} session_t;

static struct {
    listener_t *ls;
    size_t n_ls;
    uint32_t max_connections;
    pthread_mutex_t mu;
    session_t *sessions;
    uint32_t n_active;
    uint32_t next_conn_id;
    ev_async reap;
    ev_signal sigterm, sigint;
    ev_timer grace;
    uint32_t grace_ms;
    int stopping;
    int grace_expired;
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static helios_metric_t *m_conns, *m_accepted, *m_refused;

/* ---- sessions ----------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Pick the protocol for a connection on an auto listener; NULL: close it. */
static proto_inst_t *detect_protocol(session_t *s)
{
    listener_t *l = s->l;
    uint8_t buf[AUTO_PEEK_BYTES];
    uint64_t deadline = now_ms() + AUTO_DETECT_MS;
    for (;;) {
        uint64_t now = now_ms();
        int wait = now >= deadline ? 0 : (int)(deadline - now);
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, wait);
        if (pr < 0 && errno == EINTR) {
            continue;
        }
        if (pr <= 0) {
            break; /* silent client */
        }
        ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_PEEK);
        if (n <= 0) {
            return NULL;
        }
        int need_more = 0;
        for (size_t i = 0; i < l->n_protos; i++) {
            int32_t r = hk_protocol_detect(l->protos[i].p, buf, (uint32_t)n);
            if (r == 0) {
                return &l->protos[i];
            }
            need_more |= r == HELIOS_AGAIN;
        }
        if (!need_more || (size_t)n == sizeof(buf) || now_ms() >= deadline) {
            helios_log(HELIOS_LOG_INFO,
                       "connection %u from %s: no protocol recognised its "
                       "first %zd bytes on %s",
                       s->ci.conn_id, s->peer, n, l->addr);
            return NULL;
        }
        /* the bytes stay readable after a peek: wait a little for the rest */
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < l->n_protos; i++) {
        if (hk_protocol_detect(l->protos[i].p, buf, 0) == 0) {
            return &l->protos[i];
        }
    }
    for (size_t i = 0; i < l->n_protos; i++) {
        if (hk_protocol(l->protos[i].p)->caps & HELIOS_PROTO_CAP_SERVER_FIRST) {
            return &l->protos[i];
        }
    }
    helios_log(HELIOS_LOG_INFO,
               "connection %u from %s: client sent nothing and no protocol "
               "speaks first on %s",
               s->ci.conn_id, s->peer, l->addr);
    return NULL;
}

static void *session_main(void *arg)
{
    session_t *s = arg;
    proto_inst_t *pi = s->l->is_auto ? detect_protocol(s) : &s->l->protos[0];
    if (pi != NULL) {
        hk_protocol(pi->p)->serve(pi->inst, &s->ci);
    }
    close(s->fd);
    pthread_mutex_lock(&srv.mu);
    s->done = 1;
    srv.n_active--;
    pthread_mutex_unlock(&srv.mu);
    helios_metric_add(m_conns, -1);
    ev_async_send(helios_loop(), &srv.reap);
    return NULL;
}

/* Loop thread: join finished session threads; end the loop when stopping and none is left. */
static void reap_cb(struct ev_loop *lp, ev_async *w, int revents)
{
    (void)w;
    (void)revents;
    pthread_mutex_lock(&srv.mu);
    session_t **pp = &srv.sessions;
    while (*pp != NULL) {
        session_t *s = *pp;
        if (s->done) {
            *pp = s->next;
            pthread_mutex_unlock(&srv.mu);
            pthread_join(s->tid, NULL);
            free(s);
            pthread_mutex_lock(&srv.mu);
            pp = &srv.sessions;
            continue;
        }
        pp = &s->next;
    }
    int all_done = srv.sessions == NULL;
    pthread_mutex_unlock(&srv.mu);
    if (srv.stopping && all_done) {
        ev_break(lp, EVBREAK_ALL);
    }
}

static void accept_cb(struct ev_loop *lp, ev_io *w, int revents)
{
    (void)lp;
    (void)revents;
    listener_t *l = (listener_t *)((char *)w - offsetof(listener_t, w));
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t slen = sizeof(sa);
        int fd = accept4(l->fd, (struct sockaddr *)&sa, &slen, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                helios_log(HELIOS_LOG_WARN, "accept on %s: %s", l->addr, strerror(errno));
            }
            return;
        }
        char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "0";
        getnameinfo((struct sockaddr *)&sa, slen, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV);
        pthread_mutex_lock(&srv.mu);
        int full = srv.n_active >= srv.max_connections;
        uint32_t id = ++srv.next_conn_id;
        pthread_mutex_unlock(&srv.mu);
        if (full) {
            helios_metric_add(m_refused, 1);
            helios_log(HELIOS_LOG_WARN,
                       "connection %u from %s:%s on %s closed: max_connections (%u) reached", id,
                       host, serv, l->addr, srv.max_connections);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        session_t *s = calloc(1, sizeof(*s));
        if (s == NULL) {
            helios_log(HELIOS_LOG_ERROR, "connection %u from %s closed: out of memory", id, host);
            close(fd);
            continue;
        }
        s->fd = fd;
        s->l = l;
        snprintf(s->peer, sizeof(s->peer), "%.46s:%.8s", host, serv);
        s->ci.size = sizeof(s->ci);
        s->ci.fd = fd;
        s->ci.peer_addr = s->peer;
        s->ci.peer_port = (uint32_t)atoi(serv);
        s->ci.conn_id = id;
        pthread_mutex_lock(&srv.mu);
        srv.n_active++;
        s->next = srv.sessions;
        srv.sessions = s;
        int rc = pthread_create(&s->tid, NULL, session_main, s);
        if (rc != 0) {
            srv.sessions = s->next;
            srv.n_active--;
        }
        pthread_mutex_unlock(&srv.mu);
        if (rc != 0) {
            helios_log(HELIOS_LOG_ERROR, "connection %u from %s closed: no session thread: %s", id,
                       s->peer, strerror(rc));
            close(fd);
            free(s);
            continue;
        }
        helios_metric_add(m_conns, 1);
        helios_metric_add(m_accepted, 1);
        helios_log(HELIOS_LOG_DEBUG, "connection %u from %s on %s", id, s->peer, l->addr);
    }
}

/* ---- listeners ---------------------------------------------------------------------------- */

static int32_t bind_listener(listener_t *l, helios_err_t *err)
{
    const helios_listener_cfg_t *c = l->cfg;
    char port[16];
    snprintf(port, sizeof(port), "%u", c->port);
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                             .ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int g = getaddrinfo(c->host, port, &hints, &ai);
    if (g != 0) {
        return helios_err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR,
                              "could not listen on %s:%u (%s): %s", c->host, c->port, c->protocol,
                              gai_strerror(g));
    }
    int fd = -1, last_errno = 0;
    for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 512) != 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        return helios_err_set(err, HELIOS_ERR_SYSTEM_ERROR, "could not listen on %s:%u (%s): %s",
                              c->host, c->port, c->protocol, strerror(last_errno));
    }
    struct sockaddr_storage sa;
    socklen_t slen = sizeof(sa);
    char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "0";
    if (getsockname(fd, (struct sockaddr *)&sa, &slen) == 0) {
        getnameinfo((struct sockaddr *)&sa, slen, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV);
    }
    if (sa.ss_family == AF_INET6) {
        snprintf(l->addr, sizeof(l->addr), "[%.64s]:%.8s", host, serv);
    } else {
        snprintf(l->addr, sizeof(l->addr), "%.64s:%.8s", host, serv);
    }
    l->fd = fd;
    l->info.port = (uint32_t)atoi(serv);
    return 0;
}

static int32_t start_protocols(listener_t *l, helios_engine_t *engine,
                               const helios_session_api_t *api, helios_err_t *err)
{
    size_t n = 0;
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
        n += p->kind == HELIOS_KIND_PROTOCOL;
    }
    l->protos = calloc(n + 1, sizeof(*l->protos));
    if (l->protos == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (helios_plugin_rt_t *p = helios_registry_first(); p != NULL; p = p->next) {
        if (p->kind != HELIOS_KIND_PROTOCOL) {
            continue;
        }
        if (l->is_auto ? (hk_protocol(p)->detect == NULL &&
                          !(hk_protocol(p)->caps & HELIOS_PROTO_CAP_SERVER_FIRST))
                       : strcmp(p->name, l->cfg->protocol) != 0) {
            continue;
        }
        proto_inst_t *pi = &l->protos[l->n_protos++];
        pi->p = p;
        int32_t rc = hk_protocol_create(p, &l->info, engine, api, &pi->inst, err);
        if (rc == 0) {
            rc = hk_protocol_start(p, pi->inst, err);
            pi->started = rc == 0;
        }
        if (rc != 0) {
            char state[6], msg[HELIOS_ERR_MSG_MAX];
            helios_sqlstate_str(rc, state);
            snprintf(msg, sizeof(msg), "%s", err->message);
            return helios_err_set(err, rc,
                                  "listener %s (%s): protocol \"%s\" failed to start: "
                                  "%s %s",
                                  l->addr, l->cfg->protocol, p->name, state, msg);
        }
    }
    if (l->n_protos == 0) {
        /* the config named it, so it was loaded; its init must have failed */
        const helios_refusal_t *r = helios_registry_refusal_of(l->cfg->protocol);
        return helios_err_set(err, HELIOS_ERR_PLUGIN_REFUSED,
                              "listener %s needs protocol \"%s\", which is not loaded%s%s%s",
                              l->addr, l->cfg->protocol, r != NULL ? " (" : "",
                              r != NULL ? r->line : "", r != NULL ? ")" : "");
    }
    return 0;
}

static void stop_signal_cb(struct ev_loop *lp, ev_signal *w, int revents);
static void grace_cb(struct ev_loop *lp, ev_timer *w, int revents);

int32_t helios_server_start(const helios_config_t *cfg, helios_engine_t *engine,
                            const helios_session_api_t *api, helios_err_t *err)
{
    struct ev_loop *lp = helios_loop();
    int32_t rc = 0;
    helios_metric_register("heliosdb", "connections", HELIOS_METRIC_GAUGE,
                           "open client connections", &m_conns, NULL);
    helios_metric_register("heliosdb", "connections_accepted", HELIOS_METRIC_COUNTER,
                           "client connections accepted", &m_accepted, NULL);
    helios_metric_register("heliosdb", "connections_refused", HELIOS_METRIC_COUNTER,
                           "connections closed at max_connections", &m_refused, NULL);
    srv.max_connections = cfg->max_connections;
    ev_async_init(&srv.reap, reap_cb);
    ev_async_start(lp, &srv.reap);
    ev_signal_init(&srv.sigterm, stop_signal_cb, SIGTERM);
    ev_signal_init(&srv.sigint, stop_signal_cb, SIGINT);
    ev_signal_start(lp, &srv.sigterm);
    ev_signal_start(lp, &srv.sigint);
    signal(SIGPIPE, SIG_IGN);
    srv.ls = calloc(cfg->n_listeners + 1, sizeof(*srv.ls));
    if (srv.ls == NULL) {
        return helios_err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    for (uint32_t i = 0; i < cfg->n_listeners; i++) {
        listener_t *l = &srv.ls[srv.n_ls++];
        const helios_listener_cfg_t *c = &cfg->listeners[i];
        l->cfg = c;
        l->fd = -1;
        l->is_auto = strcmp(c->protocol, "auto") == 0;
        l->info.size = sizeof(l->info);
        l->info.host = c->host;
        l->info.protocol = c->protocol;
        l->info.tls_cert = c->tls_cert;
        l->info.tls_key = c->tls_key;
        l->info.tls_ca = c->tls_ca;
        l->info.auth_method = c->auth_method;
        l->info.max_message_bytes = c->max_message_bytes;
        l->info.read_timeout_ms = c->read_timeout_ms;
        rc = bind_listener(l, err);
        if (rc == 0) {
            rc = start_protocols(l, engine, api, err);
        }
        if (rc != 0) {
            return rc;
        }
        ev_io_init(&l->w, accept_cb, l->fd, EV_READ);
        ev_io_start(lp, &l->w);
        helios_log(HELIOS_LOG_INFO, "listening on %s (%s)", l->addr, c->protocol);
    }
    return 0;
}

static void stop_accepting(struct ev_loop *lp)
{
    for (size_t i = 0; i < srv.n_ls; i++) {
        listener_t *l = &srv.ls[i];
        if (l->fd >= 0) {
            ev_io_stop(lp, &l->w);
            close(l->fd);
            l->fd = -1;
        }
        for (size_t j = 0; j < l->n_protos; j++) {
            hk_protocol_stop(l->protos[j].p, l->protos[j].inst);
        }
    }
}

static void stop_signal_cb(struct ev_loop *lp, ev_signal *w, int revents)
{
    (void)revents;
    const char *name = w->signum == SIGTERM ? "SIGTERM" : "SIGINT";
    if (srv.stopping) {
        helios_log(HELIOS_LOG_WARN, "received %s again, not waiting for sessions", name);
        srv.grace_expired = 1;
        ev_break(lp, EVBREAK_ALL);
        return;
    }
    srv.stopping = 1;
    helios_host_set_shutting_down();
    pthread_mutex_lock(&srv.mu);
    uint32_t active = srv.n_active;
    pthread_mutex_unlock(&srv.mu);
    helios_log(HELIOS_LOG_INFO, "received %s, shutting down (%u session%s open)", name, active,
               active == 1 ? "" : "s");
    stop_accepting(lp);
    ev_timer_init(&srv.grace, grace_cb, (double)srv.grace_ms / 1000.0, 0.0);
    ev_timer_start(lp, &srv.grace);
    ev_async_send(lp, &srv.reap); /* ends the loop now if no session is open */
}

static void grace_cb(struct ev_loop *lp, ev_timer *w, int revents)
{
    (void)w;
    (void)revents;
    srv.grace_expired = 1;
    ev_break(lp, EVBREAK_ALL);
}

/* After the grace period: cut the sockets of sessions still open so their blocking reads
   return, and give them a moment to unwind. */
static void cut_sessions(void)
{
    pthread_mutex_lock(&srv.mu);
    uint32_t n = 0;
    for (session_t *s = srv.sessions; s != NULL; s = s->next) {
        if (!s->done) {
            shutdown(s->fd, SHUT_RDWR);
            n++;
        }
    }
    pthread_mutex_unlock(&srv.mu);
    if (n > 0) {
        helios_log(HELIOS_LOG_WARN, "closing %u session%s still open after %u ms", n,
                   n == 1 ? "" : "s", srv.grace_ms);
    }
    uint64_t deadline = now_ms() + 2000;
    for (;;) {
        pthread_mutex_lock(&srv.mu);
        int left = srv.n_active > 0;
        pthread_mutex_unlock(&srv.mu);
        if (!left || now_ms() >= deadline) {
            break;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void helios_server_run(uint32_t grace_ms)
{
    struct ev_loop *lp = helios_loop();
    srv.grace_ms = grace_ms;
    helios_loop_run();
    stop_accepting(lp);
    ev_timer_stop(lp, &srv.grace);
    if (srv.grace_expired) {
        cut_sessions();
    }
    /* join what finished; a session still stuck in serve() is left detached */
    pthread_mutex_lock(&srv.mu);
    session_t *s = srv.sessions;
    srv.sessions = NULL;
    pthread_mutex_unlock(&srv.mu);
    while (s != NULL) {
        session_t *next = s->next;
        pthread_mutex_lock(&srv.mu);
        int done = s->done;
        pthread_mutex_unlock(&srv.mu);
        if (done) {
            pthread_join(s->tid, NULL);
            free(s);
        } else {
            helios_log(HELIOS_LOG_WARN, "session %u from %s did not finish", s->ci.conn_id,
                       s->peer);
            pthread_detach(s->tid);
        }
        s = next;
    }
    ev_signal_stop(lp, &srv.sigterm);
    ev_signal_stop(lp, &srv.sigint);
    ev_async_stop(lp, &srv.reap);
}

void helios_server_destroy(void)
{
    pthread_mutex_lock(&srv.mu);
    uint32_t active = srv.n_active;
    pthread_mutex_unlock(&srv.mu);
    for (size_t i = 0; i < srv.n_ls; i++) {
        listener_t *l = &srv.ls[i];
        for (size_t j = 0; j < l->n_protos; j++) {
            /* an instance with a session still inside serve() must outlive it */
            if (active == 0 && l->protos[j].inst != NULL) {
                hk_protocol_stop(l->protos[j].p, l->protos[j].inst);
                hk_protocol(l->protos[j].p)->destroy(l->protos[j].inst);
            }
        }
        free(l->protos);
    }
    free(srv.ls);
    srv.ls = NULL;
    srv.n_ls = 0;
}
