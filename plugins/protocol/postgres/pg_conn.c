/*
 * pg_conn.c -- one PostgreSQL v3 connection: startup (SSLRequest, GSSENCRequest,
 * CancelRequest, StartupMessage), authentication (SCRAM-SHA-256, password, trust), the session's
 * ParameterStatus/BackendKeyData, and the message loop with the simple query path.
 *
 * Errors a client causes with bad framing are FATAL 08P01 and close the connection; errors in a
 * statement are ERROR and the loop goes on (skipping to Sync in the extended protocol).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pg_internal.h"

static const char *pg_severity_name(uint32_t sev)
{
    switch (sev) {
    case HELIOS_SEV_FATAL:
        return "FATAL";
    case HELIOS_SEV_PANIC:
        return "PANIC";
    case HELIOS_SEV_WARNING:
        return "WARNING";
    case HELIOS_SEV_NOTICE:
        return "NOTICE";
    case HELIOS_SEV_DEBUG:
        return "DEBUG";
    case HELIOS_SEV_INFO:
        return "INFO";
    case HELIOS_SEV_LOG:
        return "LOG";
    default:
        return "ERROR";
    }
}

/* ErrorResponse ('E') or NoticeResponse ('N') with PostgreSQL's fields. */
static void pg_send_fields(pg_conn_t *c, uint8_t type, const helios_err_t *err, uint32_t severity)
{
    char code[6];
    char pos[16];
    const char *sev = pg_severity_name(severity != 0 ? severity : err->severity);
    int32_t status = err->code > 0 ? err->code : HELIOS_ERR_INTERNAL_ERROR;
    helios_sqlstate_str(status, code);
    pg_out_begin(c, type);
    pg_out_byte(c, 'S');
    pg_out_str(c, sev);
    pg_out_byte(c, 'V');
    pg_out_str(c, sev);
    pg_out_byte(c, 'C');
    pg_out_str(c, code);
    pg_out_byte(c, 'M');
    /* the fields are fixed buffers filled by others: never trust their termination */
    pg_out_bytes(c, err->message, strnlen(err->message, sizeof(err->message)));
    pg_out_byte(c, 0);
    if (err->message[0] == '\0' && !c->io_failed) {
        c->wlen--;
        pg_out_str(c, "internal error");
    }
    if (err->detail[0] != '\0') {
        pg_out_byte(c, 'D');
        pg_out_bytes(c, err->detail, strnlen(err->detail, sizeof(err->detail)));
        pg_out_byte(c, 0);
    }
    if (err->hint[0] != '\0') {
        pg_out_byte(c, 'H');
        pg_out_bytes(c, err->hint, strnlen(err->hint, sizeof(err->hint)));
        pg_out_byte(c, 0);
    }
    if (err->position > 0 && type == 'E') {
        snprintf(pos, sizeof(pos), "%d", err->position);
        pg_out_byte(c, 'P');
        pg_out_str(c, pos);
    }
    pg_out_byte(c, 0);
    pg_out_end(c);
}

void pg_send_error(pg_conn_t *c, const helios_err_t *err, uint32_t severity)
{
    pg_send_fields(c, 'E', err, severity != 0 ? severity : HELIOS_SEV_ERROR);
}

void pg_send_errorf(pg_conn_t *c, uint32_t severity, int32_t code, const char *fmt, ...)
{
    helios_err_t err = HELIOS_ERR_INIT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.message, sizeof(err.message), fmt, ap);
    va_end(ap);
    err.code = code;
    pg_send_error(c, &err, severity);
}

static void pg_sink_notice_fwd(pg_conn_t *c, const helios_err_t *notice)
{
    pg_send_fields(c, 'N', notice, notice->severity != 0 ? notice->severity : HELIOS_SEV_NOTICE);
}

int32_t pg_sync_session(pg_conn_t *c)
{
    /* commit (after an error: roll back) the implicit transaction of the Executes since the
       previous Sync; a failed commit is reported before ReadyForQuery */
    if (c->session == NULL || !HELIOS_VT_HAS(helios_session_api_t, c->api, sync)) {
        return 0;
    }
    helios_err_t err = HELIOS_ERR_INIT;
    int32_t rc = c->api->sync(c->session, &err);
    if (rc > 0) {
        if (err.code == 0) {
            err.code = rc;
        }
        pg_send_error(c, &err, 0);
    }
    return rc;
}

void pg_send_ready(pg_conn_t *c)
{
    uint32_t st = 'I';
    if (c->session != NULL) {
        st = c->api->txn_status(c->session);
        if (st != 'I' && st != 'T' && st != 'E') {
            st = 'I';
        }
    }
    pg_out_begin(c, 'Z');
    pg_out_byte(c, (uint8_t)st);
    pg_out_end(c);
}

static void pg_fatal(pg_conn_t *c, int32_t code, const char *fmt, const char *arg)
{
    pg_send_errorf(c, HELIOS_SEV_FATAL, code, fmt, arg);
    (void)pg_flush(c);
}

/* ---- startup ---- */

int32_t pg_plugin_detect(const uint8_t *buf, uint32_t len)
{
    if (len == 0) {
        return HELIOS_DECLINED; /* PostgreSQL clients speak first */
    }
    if (len >= 4 && (buf[0] != 0 || buf[1] > (PG_MAX_STARTUP_BYTES >> 16))) {
        return HELIOS_DECLINED; /* a length no startup packet has: decide without waiting */
    }
    if (len < 8) {
        return HELIOS_AGAIN;
    }
    uint32_t mlen =
        ((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) | buf[3];
    uint32_t code =
        ((uint32_t)buf[4] << 24) | ((uint32_t)buf[5] << 16) | ((uint32_t)buf[6] << 8) | buf[7];
    if (mlen < 8 || mlen > PG_MAX_STARTUP_BYTES) {
        return HELIOS_DECLINED;
    }
    if ((code == PG_SSL_REQUEST || code == PG_GSSENC_REQUEST) && mlen == 8) {
        return 0;
    }
    if (code == PG_CANCEL_REQUEST && mlen == 16) {
        return 0;
    }
    if ((code >> 16) == 3 && (code & 0xffffu) < 100) {
        return 0;
    }
    return HELIOS_DECLINED;
}

typedef struct pg_startup {
    const char *user;
    const char *database;
    const char *application_name;
    uint8_t *packet; /* a copy of the StartupMessage body; the strings above point into it */
    char *options;   /* the client's options plus "-c name=value" for other settings */
    size_t opt_len, opt_cap;
    char client_encoding[32];
    const char *unknown_pq[16]; /* _pq_.* options to report in NegotiateProtocolVersion */
    uint32_t n_unknown_pq;
} pg_startup_t;

static int32_t pg_opt_append(pg_conn_t *c, pg_startup_t *su, const char *s, int escape)
{
    size_t n = strlen(s);
    if (su->opt_len + 2 * n + 2 > su->opt_cap) {
        size_t cap = (su->opt_len + 2 * n + 2) * 2;
        char *no = c->host->realloc(c->host, su->options, cap);
        if (no == NULL) {
            return -1;
        }
        su->options = no;
        su->opt_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        if (escape && (s[i] == ' ' || s[i] == '\\' || s[i] == '\t')) {
            su->options[su->opt_len++] = '\\';
        }
        su->options[su->opt_len++] = s[i];
    }
    su->options[su->opt_len] = '\0';
    return 0;
}

/* Normalize an encoding name as PostgreSQL compares them (case and punctuation ignored). */
static void pg_enc_norm(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; *in != '\0' && o + 1 < cap; in++) {
        if ((*in >= 'a' && *in <= 'z') || (*in >= '0' && *in <= '9')) {
            out[o++] = *in;
        } else if (*in >= 'A' && *in <= 'Z') {
            out[o++] = (char)(*in - 'A' + 'a');
        }
    }
    out[o] = '\0';
}

/* Parse the StartupMessage body after the protocol word. 0 ok, else a FATAL was sent. */
static int32_t pg_parse_startup(pg_conn_t *c, const uint8_t *body, size_t len, pg_startup_t *su)
{
    pg_cursor_t cur;
    pg_cur_init(&cur, body, len);
    snprintf(su->client_encoding, sizeof(su->client_encoding), "UTF8");
    for (;;) {
        const char *key = pg_cur_str(&cur);
        if (key == NULL) {
            pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", "invalid startup packet layout");
            return -1;
        }
        if (key[0] == '\0') {
            break;
        }
        const char *val = pg_cur_str(&cur);
        if (val == NULL) {
            pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", "invalid startup packet layout");
            return -1;
        }
        if (strcmp(key, "user") == 0) {
            su->user = val;
        } else if (strcmp(key, "database") == 0) {
            su->database = val;
        } else if (strcmp(key, "application_name") == 0) {
            su->application_name = val;
        } else if (strcmp(key, "options") == 0) {
            if ((su->opt_len > 0 && pg_opt_append(c, su, " ", 0) != 0) ||
                pg_opt_append(c, su, val, 0) != 0) {
                goto oom;
            }
        } else if (strcmp(key, "replication") == 0) {
            if (strcasecmp(val, "false") != 0 && strcasecmp(val, "off") != 0 &&
                strcmp(val, "0") != 0 && strcasecmp(val, "no") != 0) {
                pg_fatal(c, HELIOS_ERR_FEATURE_NOT_SUPPORTED, "%s",
                         "replication connections are not supported");
                return -1;
            }
        } else if (strncmp(key, "_pq_.", 5) == 0) {
            if (su->n_unknown_pq < 16) {
                su->unknown_pq[su->n_unknown_pq++] = key;
            }
        } else if (strcmp(key, "client_encoding") == 0) {
            char norm[32];
            pg_enc_norm(val, norm, sizeof(norm));
            if (strcmp(norm, "utf8") == 0 || strcmp(norm, "unicode") == 0) {
                snprintf(su->client_encoding, sizeof(su->client_encoding), "UTF8");
            } else if (strcmp(norm, "sqlascii") == 0) {
                snprintf(su->client_encoding, sizeof(su->client_encoding), "SQL_ASCII");
            } else {
                pg_fatal(c, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                         "invalid value for parameter \"client_encoding\": \"%s\"", val);
                return -1;
            }
        } else {
            /* any other setting, as PostgreSQL treats it: a GUC for this session */
            if ((su->opt_len > 0 && pg_opt_append(c, su, " ", 0) != 0) ||
                pg_opt_append(c, su, "-c ", 0) != 0 || pg_opt_append(c, su, key, 1) != 0 ||
                pg_opt_append(c, su, "=", 0) != 0 || pg_opt_append(c, su, val, 1) != 0) {
                goto oom;
            }
        }
    }
    if (su->user == NULL || su->user[0] == '\0') {
        pg_fatal(c, HELIOS_ERR_INVALID_AUTHORIZATION_SPECIFICATION, "%s",
                 "no PostgreSQL user name specified in startup packet");
        return -1;
    }
    if (su->database == NULL || su->database[0] == '\0') {
        su->database = su->user;
    }
    return 0;
oom:
    pg_fatal(c, HELIOS_ERR_OUT_OF_MEMORY, "%s", "out of memory");
    return -1;
}

/* ---- authentication ---- */

static void pg_auth_request(pg_conn_t *c, int32_t code, const void *data, size_t n)
{
    pg_out_begin(c, 'R');
    pg_out_i32(c, code);
    if (n > 0) {
        pg_out_bytes(c, data, n);
    }
    pg_out_end(c);
}

/* Read the client's next authentication message ('p'). 1 ok, else the connection is done. */
static int32_t pg_auth_read(pg_conn_t *c, uint32_t *len)
{
    helios_err_t err = HELIOS_ERR_INIT;
    uint8_t type = 0;
    if (pg_flush(c) != 0) {
        return 0;
    }
    int32_t rc = pg_read_message(c, &type, len, &err);
    if (rc == PG_IO_FRAMING) {
        pg_send_error(c, &err, HELIOS_SEV_FATAL);
        (void)pg_flush(c);
        return 0;
    }
    if (rc != 1) {
        return 0;
    }
    if (type != 'p') {
        char t[2] = {(char)type, 0};
        pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION,
                 "expected password response, got message type \"%s\"", t);
        return 0;
    }
    return 1;
}

static void pg_auth_failed(pg_conn_t *c, const char *user)
{
    pg_fatal(c, HELIOS_ERR_INVALID_PASSWORD, "password authentication failed for user \"%s\"",
             user);
    c->host->log(c->host, HELIOS_LOG_INFO,
                 "connection %u from %s: password authentication "
                 "failed for user \"%s\"",
                 c->conn_id, c->peer_addr, user);
}

/* Look up the verifier; 1 found, 0 unknown user (or no password). */
static int32_t pg_auth_verifier(pg_conn_t *c, const char *user, pg_verifier_t *v)
{
    char buf[512];
    helios_err_t err = HELIOS_ERR_INIT;
    if (c->api->auth_lookup(c->inst->engine, user, buf, sizeof(buf), &err) != 0) {
        return 0;
    }
    buf[sizeof(buf) - 1] = '\0';
    return pg_verifier_parse(buf, v) == 0 ? 1 : 0;
}

static int32_t pg_auth_password(pg_conn_t *c, const char *user)
{
    uint32_t len = 0;
    pg_verifier_t v;
    pg_auth_request(c, 3, NULL, 0);
    if (!pg_auth_read(c, &len)) {
        return -1;
    }
    if (len == 0 || memchr(c->msg, 0, len) != c->msg + len - 1) {
        pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", "invalid password packet");
        return -1;
    }
    int found = pg_auth_verifier(c, user, &v);
    if (!found) {
        /* hash against a fake verifier anyway, so the reply takes as long as for a real
           user and does not tell which users exist */
        pg_scram_t mock;
        memset(&mock, 0, sizeof(mock));
        pg_scram_mock(&mock, c->inst->mock_key, user);
        v = mock.v;
    }
    if (pg_password_check(&v, (const char *)c->msg) != 0 || !found) {
        pg_auth_failed(c, user);
        return -1;
    }
    return 0;
}

static int32_t pg_auth_scram(pg_conn_t *c, const char *user)
{
    pg_scram_t *s = c->host->calloc(c->host, 1, sizeof(*s));
    char *out = c->host->alloc(c->host, 2048);
    char why[160];
    uint32_t len = 0;
    int32_t rc = -1;
    if (s == NULL || out == NULL) {
        pg_fatal(c, HELIOS_ERR_OUT_OF_MEMORY, "%s", "out of memory");
        goto failed;
    }
    if (!pg_auth_verifier(c, user, &s->v)) {
        pg_scram_mock(s, c->inst->mock_key, user);
    }
    int plus = c->ssl != NULL && c->inst->tls_cb_len > 0;
    if (plus) {
        s->cb_data = c->inst->tls_cb_hash;
        s->cb_len = c->inst->tls_cb_len;
    }
    /* AuthenticationSASL: the mechanisms, each NUL-terminated, then an empty one */
    static const char mechs_plus[] = "SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0";
    static const char mechs[] = "SCRAM-SHA-256\0";
    if (plus) {
        pg_auth_request(c, 10, mechs_plus, sizeof(mechs_plus));
    } else {
        pg_auth_request(c, 10, mechs, sizeof(mechs));
    }
    if (!pg_auth_read(c, &len)) {
        goto failed;
    }
    pg_cursor_t cur;
    pg_cur_init(&cur, c->msg, len);
    const char *mech = pg_cur_str(&cur);
    int32_t ilen = pg_cur_i32(&cur);
    const uint8_t *init = ilen >= 0 ? pg_cur_bytes(&cur, (size_t)ilen) : NULL;
    if (mech == NULL || cur.bad || ilen < 0 || init == NULL || cur.pos != len) {
        pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", "malformed SASLInitialResponse message");
        goto failed;
    }
    int is_plus = strcmp(mech, "SCRAM-SHA-256-PLUS") == 0;
    if (!(strcmp(mech, "SCRAM-SHA-256") == 0 || (plus && is_plus))) {
        pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION,
                 "client selected an invalid SASL authentication mechanism \"%s\"", mech);
        goto failed;
    }
    uint8_t nonce_raw[18];
    char nonce[32];
    if (pg_random(nonce_raw, sizeof(nonce_raw)) != 0) {
        pg_fatal(c, HELIOS_ERR_INTERNAL_ERROR, "%s", "could not generate a random nonce");
        goto failed;
    }
    pg_b64_encode(nonce_raw, sizeof(nonce_raw), nonce);
    rc = pg_scram_first(s, (const char *)init, (size_t)ilen, nonce, out, 2048, why, sizeof(why));
    if (rc == PG_SCRAM_OK && (is_plus != (s->cb_flag == 'p'))) {
        snprintf(why, sizeof(why), "SCRAM channel binding does not match the mechanism");
        rc = PG_SCRAM_PROTOCOL;
    }
    if (rc == PG_SCRAM_OK && s->cb_flag == 'y' && plus) {
        /* the client thinks we cannot bind but we offered it: a downgrade */
        snprintf(why, sizeof(why), "SCRAM channel binding negotiation error");
        rc = PG_SCRAM_PROTOCOL;
    }
    if (rc != PG_SCRAM_OK) {
        pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", why);
        rc = -1;
        goto failed;
    }
    pg_auth_request(c, 11, out, strlen(out));
    if (!pg_auth_read(c, &len)) {
        rc = -1;
        goto failed;
    }
    rc = pg_scram_final(s, (const char *)c->msg, len, out, 2048, why, sizeof(why));
    if (rc == PG_SCRAM_FAIL) {
        pg_auth_failed(c, user);
        rc = -1;
        goto failed;
    }
    if (rc != PG_SCRAM_OK) {
        pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", why);
        rc = -1;
        goto failed;
    }
    pg_auth_request(c, 12, out, strlen(out));
    rc = 0;
failed:
    c->host->free(c->host, s);
    c->host->free(c->host, out);
    return rc;
}

/* ---- session start ---- */

static void pg_param_status(pg_conn_t *c, const char *name, const char *value)
{
    pg_out_begin(c, 'S');
    pg_out_str(c, name);
    pg_out_str(c, value);
    pg_out_end(c);
}

static void pg_send_parameters(pg_conn_t *c, const pg_startup_t *su)
{
    static const char *const names[][2] = {
        {"server_version", "15.4"},
        {"server_encoding", "UTF8"},
        {"client_encoding", NULL},
        {"DateStyle", "ISO, MDY"},
        {"TimeZone", "UTC"},
        {"IntervalStyle", "postgres"},
        {"integer_datetimes", "on"},
        {"standard_conforming_strings", "on"},
        {"default_transaction_read_only", "off"},
        {"in_hot_standby", "off"},
        {"is_superuser", "on"},
        {"application_name", NULL},
        {"session_authorization", NULL},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *name = names[i][0];
        const char *v;
        if (strcmp(name, "client_encoding") == 0) {
            v = su->client_encoding; /* the plugin speaks UTF-8 (and passes SQL_ASCII bytes) */
        } else {
            v = c->api->param_get(c->session, name);
            if (v == NULL) {
                v = names[i][1];
            }
            if (v == NULL && strcmp(name, "application_name") == 0) {
                v = su->application_name != NULL ? su->application_name : "";
            }
            if (v == NULL) {
                v = su->user;
            }
        }
        pg_param_status(c, name, v);
    }
}

/* Returns 1 when a session is open and ReadyForQuery was sent, 0 when the connection ends. */
static int32_t pg_startup(pg_conn_t *c, int fd)
{
    pg_startup_t su;
    memset(&su, 0, sizeof(su));
    int32_t ret = 0;
    uint32_t tls_tried = 0, gss_tried = 0;
    int32_t tmo = (int32_t)c->read_timeout_ms;
    for (;;) {
        uint8_t hdr[4];
        if (pg_read_exact(c, hdr, 4, tmo) != 1) {
            goto done; /* a port scanner, a health check, or a timeout: no reply */
        }
        uint32_t len =
            ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) | hdr[3];
        if (len < 8 || len > PG_MAX_STARTUP_BYTES) {
            pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", "invalid length of startup packet");
            goto done;
        }
        if (c->msg_cap < len) {
            uint8_t *nm = c->host->realloc(c->host, c->msg, len);
            if (nm == NULL) {
                goto done;
            }
            c->msg = nm;
            c->msg_cap = len;
        }
        if (pg_read_exact(c, c->msg, len - 4, tmo) != 1) {
            goto done;
        }
        c->msg[len - 4] = 0; /* the cap is at least len */
        uint32_t code = ((uint32_t)c->msg[0] << 24) | ((uint32_t)c->msg[1] << 16) |
                        ((uint32_t)c->msg[2] << 8) | c->msg[3];
        if (code == PG_CANCEL_REQUEST) {
            if (len == 16) {
                pg_cursor_t cur;
                pg_cur_init(&cur, c->msg + 4, 8);
                uint32_t pid = (uint32_t)pg_cur_i32(&cur);
                uint32_t secret = (uint32_t)pg_cur_i32(&cur);
                c->api->cancel(c->inst->engine, pid, secret);
            }
            goto done; /* PostgreSQL answers a cancel request with nothing */
        }
        if (code == PG_SSL_REQUEST || code == PG_GSSENC_REQUEST) {
            int ssl = code == PG_SSL_REQUEST;
            if (len != 8 || (ssl && tls_tried) || (!ssl && gss_tried)) {
                pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s", "unexpected encryption request");
                goto done;
            }
            if (ssl) {
                tls_tried = 1;
            } else {
                gss_tried = 1;
            }
            int accept = ssl && c->inst->tls_ctx != NULL && fd >= 0 && c->ssl == NULL;
            pg_out_byte(c, accept ? 'S' : 'N');
            if (pg_flush(c) != 0) {
                goto done;
            }
            /* bytes after the request but before the handshake could be injected by a
               man in the middle (CVE-2021-23222): refuse them */
            if (c->rlen != c->rpos) {
                pg_fatal(c, HELIOS_ERR_PROTOCOL_VIOLATION, "%s",
                         "received unencrypted data after SSL request");
                goto done;
            }
            if (accept) {
                helios_err_t err = HELIOS_ERR_INIT;
                if (pg_tls_accept(c, fd, &err) != 0) {
                    c->host->log(c->host, HELIOS_LOG_INFO, "connection %u from %s: %s", c->conn_id,
                                 c->peer_addr, err.message);
                    goto done;
                }
            }
            continue;
        }
        if (code >> 16 != 3) {
            char v[32];
            snprintf(v, sizeof(v), "%u.%u", code >> 16, code & 0xffffu);
            pg_fatal(c, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                     "unsupported frontend protocol %s: server supports 3.0", v);
            goto done;
        }
        /* the parsed strings point into the packet, which must outlive the authentication
           exchange (that reuses c->msg) and the session's open */
        su.packet = c->host->alloc(c->host, len - 4 + 1);
        if (su.packet == NULL) {
            pg_fatal(c, HELIOS_ERR_OUT_OF_MEMORY, "%s", "out of memory");
            goto done;
        }
        memcpy(su.packet, c->msg + 4, len - 4);
        su.packet[len - 4] = 0;
        if (pg_parse_startup(c, su.packet, len - 4, &su) != 0) {
            goto done;
        }
        if ((code & 0xffffu) != 0 || su.n_unknown_pq > 0) {
            /* NegotiateProtocolVersion: we speak 3.0 and none of the _pq_ options */
            pg_out_begin(c, 'v');
            pg_out_i32(c, (int32_t)PG_PROTO_V3);
            pg_out_i32(c, (int32_t)su.n_unknown_pq);
            for (uint32_t i = 0; i < su.n_unknown_pq; i++) {
                pg_out_str(c, su.unknown_pq[i]);
            }
            pg_out_end(c);
        }
        break;
    }
    snprintf(c->user, sizeof(c->user), "%s", su.user);

    switch (c->inst->listener.auth_method) {
    case HELIOS_AUTH_TRUST:
        break;
    case HELIOS_AUTH_PASSWORD:
        if (pg_auth_password(c, su.user) != 0) {
            goto done;
        }
        break;
    default:
        if (pg_auth_scram(c, su.user) != 0) {
            goto done;
        }
        break;
    }

    helios_session_opts_t opts = {
        .size = sizeof(opts),
        .dialect = HELIOS_DIALECT_POSTGRES,
        .user = su.user,
        .database = su.database,
        .application_name = su.application_name,
        .options = su.opt_len > 0 ? su.options : NULL,
        .client_addr = c->peer_addr,
    };
    helios_err_t err = HELIOS_ERR_INIT;
    if (c->api->open(c->inst->engine, &opts, &c->session, &err) != 0) {
        c->session = NULL;
        pg_send_error(c, &err, HELIOS_SEV_FATAL);
        (void)pg_flush(c);
        goto done;
    }
    pg_auth_request(c, 0, NULL, 0);
    pg_send_parameters(c, &su);
    uint32_t pid = 0, secret = 0;
    c->api->backend_key(c->session, &pid, &secret);
    pg_out_begin(c, 'K');
    pg_out_i32(c, (int32_t)pid);
    pg_out_i32(c, (int32_t)secret);
    pg_out_end(c);
    (void)pg_sync_session(c); /* tells the engine this protocol marks Syncs (nothing ran) */
    pg_send_ready(c);
    ret = pg_flush(c) == 0 ? 1 : 0;
done:
    c->host->free(c->host, su.options);
    c->host->free(c->host, su.packet);
    return ret;
}

/* ---- the message loop ---- */

static void pg_simple_query(pg_conn_t *c, const uint8_t *body, size_t len)
{
    pg_cursor_t cur;
    pg_cur_init(&cur, body, len);
    const char *sql = pg_cur_str(&cur);
    helios_err_t err = HELIOS_ERR_INIT;
    if (sql == NULL) {
        pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_PROTOCOL_VIOLATION,
                       "invalid message format");
    } else {
        /* a simple query ends any unnamed portal, as in PostgreSQL */
        pg_ext_drop_portal(c, "");
        c->sink_mode = PG_SINK_SIMPLE;
        c->cur_formats = NULL;
        c->cur_n_formats = 0;
        if (!pg_cursor_try(c, sql)) {
            int32_t rc = c->api->query(c->session, sql, (uint32_t)strlen(sql), &c->sink, &err);
            c->in_copy_in = 0; /* CopyData the engine did not read is dropped by the loop */
            c->copy_pending_len = 0;
            if (rc > 0 && !c->io_failed) {
                if (err.code == 0) {
                    err.code = rc;
                }
                pg_send_error(c, &err, 0);
            }
        }
        if (c->api->txn_status(c->session) == 'I') {
            pg_ext_close_all_portals(c); /* cursors WITHOUT HOLD end with their transaction */
        }
    }
    pg_send_ready(c);
    (void)pg_flush(c);
}

static void pg_loop(pg_conn_t *c)
{
    helios_err_t err;
    for (;;) {
        uint8_t type = 0;
        uint32_t len = 0;
        memset(&err, 0, sizeof(err));
        int32_t rc = pg_read_message(c, &type, &len, &err);
        if (rc == 0) {
            if (c->inst->stopping || c->host->shutting_down(c->host)) {
                pg_send_errorf(c, HELIOS_SEV_FATAL, HELIOS_ERR_ADMIN_SHUTDOWN,
                               "terminating connection due to administrator command");
                (void)pg_flush(c);
            }
            return;
        }
        if (rc == PG_IO_FRAMING) {
            pg_send_error(c, &err, HELIOS_SEV_FATAL);
            (void)pg_flush(c);
            return;
        }
        if (rc == PG_IO_TIMEOUT) {
            c->host->log(c->host, HELIOS_LOG_INFO,
                         "connection %u from %s: client stalled mid-message for over %u ms; "
                         "closing",
                         c->conn_id, c->peer_addr, c->read_timeout_ms);
            return;
        }
        if (rc != 1) {
            return;
        }
        if (type == 'X') {
            return;
        }
        if (c->skip_to_sync && type != 'S') {
            continue;
        }
        int32_t failed = 0;
        switch (type) {
        case 'Q':
            pg_simple_query(c, c->msg, len);
            break;
        case 'P':
            failed = pg_ext_parse(c, c->msg, len);
            break;
        case 'B':
            failed = pg_ext_bind(c, c->msg, len);
            break;
        case 'D':
            failed = pg_ext_describe(c, c->msg, len);
            break;
        case 'E':
            failed = pg_ext_execute(c, c->msg, len);
            break;
        case 'C':
            failed = pg_ext_close(c, c->msg, len);
            break;
        case 'S':
            c->skip_to_sync = 0;
            if (pg_sync_session(c) != 0 && c->io_failed) {
                return;
            }
            if (c->api->txn_status(c->session) == 'I') {
                pg_ext_close_all_portals(c); /* the implicit transaction ended */
            }
            pg_send_ready(c);
            (void)pg_flush(c);
            break;
        case 'H':
            (void)pg_flush(c);
            break;
        case 'd':
        case 'c':
        case 'f':
            break; /* left over from a COPY that failed: dropped, as PostgreSQL does */
        case 'F':
            pg_send_errorf(c, HELIOS_SEV_ERROR, HELIOS_ERR_FEATURE_NOT_SUPPORTED,
                           "fastpath function calls are not supported");
            failed = 1;
            break;
        default:
            pg_send_errorf(c, HELIOS_SEV_FATAL, HELIOS_ERR_PROTOCOL_VIOLATION,
                           "invalid frontend message type %d", (int)type);
            (void)pg_flush(c);
            return;
        }
        if (failed) {
            c->skip_to_sync = 1;
        }
        if (c->io_failed) {
            return;
        }
        pg_io_trim(c);
    }
}

void pg_conn_run(pg_inst_t *inst, pg_transport_t *tr, int fd, uint32_t conn_id,
                 const char *peer_addr)
{
    const helios_host_t *host = inst->host;
    pg_conn_t *c = host->calloc(host, 1, sizeof(*c));
    if (c == NULL) {
        return;
    }
    c->inst = inst;
    c->host = host;
    c->api = inst->api;
    c->tr = *tr;
    c->conn_id = conn_id;
    c->peer_addr = peer_addr != NULL ? peer_addr : "?";
    c->max_message_bytes = inst->max_message_bytes;
    c->read_timeout_ms = inst->read_timeout_ms;
    pg_map_init(&c->stmts);
    pg_map_init(&c->portals);
    pg_sink_init(c);
    if (pg_io_init(c) != 0) {
        goto done;
    }
    c->idle_limit_ms = c->read_timeout_ms;
    if (pg_startup(c, fd) == 1) {
        c->idle_limit_ms = 0;
        pg_loop(c);
    }
done:
    pg_ext_free_all(c);
    if (c->session != NULL) {
        c->api->close(c->session);
    }
    pg_tls_close(c);
    pg_io_free(c);
    host->free(host, c);
}

void pg_sink_send_notice(pg_conn_t *c, const helios_err_t *notice)
{
    pg_sink_notice_fwd(c, notice);
}

void pg_sink_send_param(pg_conn_t *c, const char *name, const char *value)
{
    pg_param_status(c, name, value);
}
