/*
 * pg_scram.c -- SCRAM-SHA-256 (RFC 5802, RFC 7677) on the server side, PostgreSQL's verifier
 * format, and the clear-text password check against a stored verifier.
 *
 * Passwords are never stored: the engine keeps "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:
 * <ServerKey>" and we prove knowledge of the password against it. SASLprep of a pure-ASCII
 * password is the identity; like PostgreSQL, a password SASLprep would change is used as its
 * raw bytes (documented in docs/protocol-postgres.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "pg_internal.h"

static const char pg_b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pg_b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = pg_b64chars[(v >> 18) & 63];
        out[o++] = pg_b64chars[(v >> 12) & 63];
        out[o++] = pg_b64chars[(v >> 6) & 63];
        out[o++] = pg_b64chars[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        out[o++] = pg_b64chars[(v >> 18) & 63];
        out[o++] = pg_b64chars[(v >> 12) & 63];
        out[o++] = i + 1 < n ? pg_b64chars[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int pg_b64val(char ch)
{
    if (ch >= 'A' && ch <= 'Z') {
        return ch - 'A';
    }
    if (ch >= 'a' && ch <= 'z') {
        return ch - 'a' + 26;
    }
    if (ch >= '0' && ch <= '9') {
        return ch - '0' + 52;
    }
    if (ch == '+') {
        return 62;
    }
    if (ch == '/') {
        return 63;
    }
    return -1;
}

int64_t pg_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 != 0) {
        return -1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
            } else {
                if (pad > 0) {
                    return -1; /* data after padding */
                }
                v[k] = pg_b64val(in[i + k]);
                if (v[k] < 0) {
                    return -1;
                }
            }
        }
        uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) |
                     (uint32_t)v[3];
        size_t take = 3 - (size_t)pad;
        if (o + take > cap) {
            return -1;
        }
        out[o++] = (uint8_t)(w >> 16);
        if (take > 1) {
            out[o++] = (uint8_t)(w >> 8);
        }
        if (take > 2) {
            out[o++] = (uint8_t)w;
        }
    }
    return (int64_t)o;
}

int32_t pg_random(uint8_t *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

static void pg_hmac(const uint8_t *key, size_t klen, const void *msg, size_t mlen,
                    uint8_t out[PG_SCRAM_KEY_LEN])
{
    unsigned int olen = PG_SCRAM_KEY_LEN;
    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &olen);
}

/* Split "<a>:<b>" at the first ':' within [p, end). */
static const char *pg_find(const char *p, const char *end, char ch)
{
    const char *q = memchr(p, ch, (size_t)(end - p));
    return q;
}

int32_t pg_verifier_parse(const char *text, pg_verifier_t *v)
{
    static const char prefix[] = "SCRAM-SHA-256$";
    size_t plen = sizeof(prefix) - 1;
    if (text == NULL || strncmp(text, prefix, plen) != 0) {
        return -1;
    }
    const char *p = text + plen;
    const char *end = p + strlen(p);
    const char *colon = pg_find(p, end, ':');
    if (colon == NULL || colon == p) {
        return -1;
    }
    char *iend = NULL;
    unsigned long iter = strtoul(p, &iend, 10);
    if (iend != colon || iter == 0 || iter > 100000000ul) {
        return -1;
    }
    const char *dollar = pg_find(colon + 1, end, '$');
    if (dollar == NULL) {
        return -1;
    }
    int64_t sl = pg_b64_decode(colon + 1, (size_t)(dollar - colon - 1), v->salt, sizeof(v->salt));
    if (sl <= 0) {
        return -1;
    }
    const char *colon2 = pg_find(dollar + 1, end, ':');
    if (colon2 == NULL) {
        return -1;
    }
    if (pg_b64_decode(dollar + 1, (size_t)(colon2 - dollar - 1), v->stored_key, PG_SCRAM_KEY_LEN) !=
            PG_SCRAM_KEY_LEN ||
        pg_b64_decode(colon2 + 1, (size_t)(end - colon2 - 1), v->server_key, PG_SCRAM_KEY_LEN) !=
            PG_SCRAM_KEY_LEN) {
        return -1;
    }
    v->iterations = (uint32_t)iter;
    v->salt_len = (uint32_t)sl;
    return 0;
}

static int32_t pg_salted_password(const char *password, const uint8_t *salt, uint32_t salt_len,
                                  uint32_t iterations, uint8_t out[PG_SCRAM_KEY_LEN])
{
    return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, (int)iterations,
                             EVP_sha256(), PG_SCRAM_KEY_LEN, out) == 1
               ? 0
               : -1;
}

static void pg_keys(const uint8_t salted[PG_SCRAM_KEY_LEN], uint8_t stored[PG_SCRAM_KEY_LEN],
                    uint8_t server[PG_SCRAM_KEY_LEN])
{
    uint8_t client_key[PG_SCRAM_KEY_LEN];
    pg_hmac(salted, PG_SCRAM_KEY_LEN, "Client Key", 10, client_key);
    SHA256(client_key, PG_SCRAM_KEY_LEN, stored);
    pg_hmac(salted, PG_SCRAM_KEY_LEN, "Server Key", 10, server);
    OPENSSL_cleanse(client_key, sizeof(client_key));
}

int32_t pg_verifier_make(const char *password, const uint8_t *salt, uint32_t salt_len,
                         uint32_t iterations, char *out, size_t cap)
{
    uint8_t salted[PG_SCRAM_KEY_LEN], stored[PG_SCRAM_KEY_LEN], server[PG_SCRAM_KEY_LEN];
    char s64[96], st64[48], sv64[48];
    if (salt_len > 64 || pg_salted_password(password, salt, salt_len, iterations, salted) != 0) {
        return -1;
    }
    pg_keys(salted, stored, server);
    pg_b64_encode(salt, salt_len, s64);
    pg_b64_encode(stored, PG_SCRAM_KEY_LEN, st64);
    pg_b64_encode(server, PG_SCRAM_KEY_LEN, sv64);
    OPENSSL_cleanse(salted, sizeof(salted));
    int n = snprintf(out, cap, "SCRAM-SHA-256$%u:%s$%s:%s", iterations, s64, st64, sv64);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int32_t pg_password_check(const pg_verifier_t *v, const char *password)
{
    uint8_t salted[PG_SCRAM_KEY_LEN], stored[PG_SCRAM_KEY_LEN], server[PG_SCRAM_KEY_LEN];
    if (pg_salted_password(password, v->salt, v->salt_len, v->iterations, salted) != 0) {
        return -1;
    }
    pg_keys(salted, stored, server);
    OPENSSL_cleanse(salted, sizeof(salted));
    return CRYPTO_memcmp(stored, v->stored_key, PG_SCRAM_KEY_LEN) == 0 &&
                   CRYPTO_memcmp(server, v->server_key, PG_SCRAM_KEY_LEN) == 0
               ? 0
               : -1;
}

void pg_scram_mock(pg_scram_t *s, const uint8_t key[32], const char *user)
{
    uint8_t h[PG_SCRAM_KEY_LEN];
    pg_hmac(key, 32, user, strlen(user), h);
    memcpy(s->v.salt, h, 16);
    s->v.salt_len = 16;
    s->v.iterations = 4096;
    pg_hmac(key, 32, "stored", 6, s->v.stored_key);
    pg_hmac(key, 32, "server", 6, s->v.server_key);
    s->mock = 1;
}

static int32_t pg_why(char *why, size_t cap, const char *text, int32_t rc)
{
    snprintf(why, cap, "%s", text);
    return rc;
}

/* Printable ASCII except ',' (RFC 5802 "printable"). */
static int pg_nonce_ok(const char *p, size_t n)
{
    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x21 || p[i] > 0x7e || p[i] == ',') {
            return 0;
        }
    }
    return 1;
}

int32_t pg_scram_first(pg_scram_t *s, const char *msg, size_t len, const char *server_nonce,
                       char *out, size_t cap, char *why, size_t why_cap)
{
    const char *p = msg;
    const char *end = msg + len;
    if (len == 0 || memchr(msg, 0, len) != NULL) {
        return pg_why(why, why_cap, "malformed SCRAM message (empty or embedded NUL)",
                      PG_SCRAM_PROTOCOL);
    }
    /* gs2-cbind-flag */
    if (*p == 'n' || *p == 'y') {
        s->cb_flag = (uint32_t)*p;
        p++;
    } else if (*p == 'p') {
        const char *comma = pg_find(p, end, ',');
        if (comma == NULL || (size_t)(comma - p) != strlen("p=tls-server-end-point") ||
            memcmp(p, "p=tls-server-end-point", (size_t)(comma - p)) != 0) {
            return pg_why(why, why_cap, "unsupported SCRAM channel-binding type",
                          PG_SCRAM_PROTOCOL);
        }
        if (s->cb_len == 0) {
            return pg_why(why, why_cap,
                          "channel binding requested but not offered on this connection",
                          PG_SCRAM_PROTOCOL);
        }
        s->cb_flag = 'p';
        p = comma;
    } else {
        return pg_why(why, why_cap, "malformed SCRAM message (bad gs2 header)", PG_SCRAM_PROTOCOL);
    }
    if (p >= end || *p != ',') {
        return pg_why(why, why_cap, "malformed SCRAM message (expected comma)", PG_SCRAM_PROTOCOL);
    }
    p++;
    if (p < end && *p == 'a') {
        return pg_why(why, why_cap, "client uses authorization identity, which is not supported",
                      PG_SCRAM_PROTOCOL);
    }
    if (p >= end || *p != ',') {
        return pg_why(why, why_cap, "malformed SCRAM message (expected comma)", PG_SCRAM_PROTOCOL);
    }
    p++;
    size_t gs2 = (size_t)(p - msg);
    if (gs2 > sizeof(s->gs2_header)) {
        return pg_why(why, why_cap, "malformed SCRAM message", PG_SCRAM_PROTOCOL);
    }
    memcpy(s->gs2_header, msg, gs2);
    s->gs2_len = (uint32_t)gs2;
    size_t bare_len = (size_t)(end - p);
    if (bare_len >= sizeof(s->client_first_bare)) {
        return pg_why(why, why_cap, "SCRAM client-first-message too long", PG_SCRAM_PROTOCOL);
    }
    memcpy(s->client_first_bare, p, bare_len);
    s->client_first_bare[bare_len] = '\0';
    if (p < end && *p == 'm') {
        return pg_why(why, why_cap, "client requires an unsupported SCRAM extension",
                      PG_SCRAM_PROTOCOL);
    }
    /* n=<user>, ignored: the user is the one from the startup packet, as in PostgreSQL */
    if (end - p < 2 || p[0] != 'n' || p[1] != '=') {
        return pg_why(why, why_cap, "malformed SCRAM message (expected n=)", PG_SCRAM_PROTOCOL);
    }
    const char *comma = pg_find(p, end, ',');
    if (comma == NULL) {
        return pg_why(why, why_cap, "malformed SCRAM message (expected r=)", PG_SCRAM_PROTOCOL);
    }
    p = comma + 1;
    if (end - p < 2 || p[0] != 'r' || p[1] != '=') {
        return pg_why(why, why_cap, "malformed SCRAM message (expected r=)", PG_SCRAM_PROTOCOL);
    }
    p += 2;
    const char *nend = pg_find(p, end, ',');
    if (nend == NULL) {
        nend = end;
    }
    size_t cn = (size_t)(nend - p);
    size_t sn = strlen(server_nonce);
    if (!pg_nonce_ok(p, cn) || cn + sn >= sizeof(s->nonce)) {
        return pg_why(why, why_cap, "malformed SCRAM message (bad client nonce)",
                      PG_SCRAM_PROTOCOL);
    }
    memcpy(s->nonce, p, cn);
    memcpy(s->nonce + cn, server_nonce, sn + 1);
    char salt64[96];
    pg_b64_encode(s->v.salt, s->v.salt_len, salt64);
    int n = snprintf(s->server_first, sizeof(s->server_first), "r=%s,s=%s,i=%u", s->nonce, salt64,
                     s->v.iterations);
    if (n <= 0 || (size_t)n >= sizeof(s->server_first) || (size_t)n >= cap) {
        return pg_why(why, why_cap, "SCRAM message too long", PG_SCRAM_PROTOCOL);
    }
    memcpy(out, s->server_first, (size_t)n + 1);
    return PG_SCRAM_OK;
}

int32_t pg_scram_final(pg_scram_t *s, const char *msg, size_t len, char *out, size_t cap, char *why,
                       size_t why_cap)
{
    const char *end = msg + len;
    if (len < 2 || memchr(msg, 0, len) != NULL || msg[0] != 'c' || msg[1] != '=') {
        return pg_why(why, why_cap, "malformed SCRAM message (expected c=)", PG_SCRAM_PROTOCOL);
    }
    const char *p = msg + 2;
    const char *comma = pg_find(p, end, ',');
    if (comma == NULL) {
        return pg_why(why, why_cap, "malformed SCRAM message", PG_SCRAM_PROTOCOL);
    }
    uint8_t cbind[512];
    int64_t cbl = pg_b64_decode(p, (size_t)(comma - p), cbind, sizeof(cbind));
    size_t want = s->gs2_len + (s->cb_flag == 'p' ? s->cb_len : 0);
    if (cbl < 0 || (size_t)cbl != want || memcmp(cbind, s->gs2_header, s->gs2_len) != 0 ||
        (s->cb_flag == 'p' && CRYPTO_memcmp(cbind + s->gs2_len, s->cb_data, s->cb_len) != 0)) {
        return pg_why(why, why_cap, "SCRAM channel binding check failed", PG_SCRAM_PROTOCOL);
    }
    p = comma + 1;
    if (end - p < 2 || p[0] != 'r' || p[1] != '=') {
        return pg_why(why, why_cap, "malformed SCRAM message (expected r=)", PG_SCRAM_PROTOCOL);
    }
    p += 2;
    comma = pg_find(p, end, ',');
    if (comma == NULL || (size_t)(comma - p) != strlen(s->nonce) ||
        memcmp(p, s->nonce, (size_t)(comma - p)) != 0) {
        return pg_why(why, why_cap, "SCRAM nonce mismatch", PG_SCRAM_PROTOCOL);
    }
    /* skip extensions up to ",p=" which must be last */
    const char *proof = NULL;
    for (const char *q = comma; q != NULL && q < end; q = pg_find(q + 1, end, ',')) {
        if (end - q >= 3 && q[1] == 'p' && q[2] == '=') {
            proof = q;
            break;
        }
    }
    if (proof == NULL) {
        return pg_why(why, why_cap, "malformed SCRAM message (expected p=)", PG_SCRAM_PROTOCOL);
    }
    uint8_t client_proof[64];
    if (pg_b64_decode(proof + 3, (size_t)(end - proof - 3), client_proof, sizeof(client_proof)) !=
        PG_SCRAM_KEY_LEN) {
        return pg_why(why, why_cap, "malformed SCRAM message (bad proof)", PG_SCRAM_PROTOCOL);
    }
    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    size_t a1 = strlen(s->client_first_bare), a2 = strlen(s->server_first);
    size_t a3 = (size_t)(proof - msg);
    char auth[3072];
    if (a1 + a2 + a3 + 2 > sizeof(auth)) {
        return pg_why(why, why_cap, "SCRAM message too long", PG_SCRAM_PROTOCOL);
    }
    memcpy(auth, s->client_first_bare, a1);
    auth[a1] = ',';
    memcpy(auth + a1 + 1, s->server_first, a2);
    auth[a1 + 1 + a2] = ',';
    memcpy(auth + a1 + a2 + 2, msg, a3);
    size_t alen = a1 + a2 + a3 + 2;

    uint8_t sig[PG_SCRAM_KEY_LEN], client_key[PG_SCRAM_KEY_LEN], h[PG_SCRAM_KEY_LEN];
    pg_hmac(s->v.stored_key, PG_SCRAM_KEY_LEN, auth, alen, sig);
    for (int i = 0; i < PG_SCRAM_KEY_LEN; i++) {
        client_key[i] = client_proof[i] ^ sig[i];
    }
    SHA256(client_key, PG_SCRAM_KEY_LEN, h);
    if (CRYPTO_memcmp(h, s->v.stored_key, PG_SCRAM_KEY_LEN) != 0 || s->mock) {
        return pg_why(why, why_cap, "password does not match", PG_SCRAM_FAIL);
    }
    uint8_t server_sig[PG_SCRAM_KEY_LEN];
    char sig64[48];
    pg_hmac(s->v.server_key, PG_SCRAM_KEY_LEN, auth, alen, server_sig);
    pg_b64_encode(server_sig, PG_SCRAM_KEY_LEN, sig64);
    int n = snprintf(out, cap, "v=%s", sig64);
    if (n <= 0 || (size_t)n >= cap) {
        return pg_why(why, why_cap, "SCRAM message too long", PG_SCRAM_PROTOCOL);
    }
    return PG_SCRAM_OK;
}
