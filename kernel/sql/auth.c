/* kernel/sql/auth.c -- SCRAM-SHA-256 verifiers in PostgreSQL's stored format. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>

#include "sql/sqlint.h"

#define SCRAM_ITER 4096

static int b64(const unsigned char *in, int n, char *out, int cap)
{
    if (cap < 4 * ((n + 2) / 3) + 1) return -1;
    return EVP_EncodeBlock((unsigned char *)out, in, n);
}

/* "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" (RFC 5802, as pg_authid stores it) */
int32_t scram_make_verifier(const char *password, char *out, uint32_t cap)
{
    unsigned char salt[16], salted[32], ckey[32], skey[32], stored[32];
    unsigned int l = 32;
    if (RAND_bytes(salt, sizeof salt) != 1) return -1;
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, SCRAM_ITER,
                          EVP_sha256(), 32, salted) != 1) {
        return -1;
    }
    if (HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, ckey, &l) == NULL) return -1;
    l = 32;
    if (HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Server Key", 10, skey, &l) == NULL) return -1;
    EVP_Digest(ckey, 32, stored, NULL, EVP_sha256(), NULL);
    char s64[64], st64[64], sk64[64];
    if (b64(salt, 16, s64, sizeof s64) < 0 || b64(stored, 32, st64, sizeof st64) < 0 ||
        b64(skey, 32, sk64, sizeof sk64) < 0) {
        return -1;
    }
    int n = snprintf(out, cap, "SCRAM-SHA-256$%d:%s$%s:%s", SCRAM_ITER, s64, st64, sk64);
    return n > 0 && (uint32_t)n < cap ? 0 : -1;
}
