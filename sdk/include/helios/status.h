/*
 * helios/status.h -- status codes and the error object shared by the kernel and plugins.
 *
 * Every fallible function returns an int32_t status:
 *   0    success;
 *   > 0  an error: a SQLSTATE packed six bits per character as PostgreSQL packs it
 *        (HELIOS_SQLSTATE('2','2','0','1','2')), so the class is HELIOS_SQLSTATE_CLASS(code);
 *   < 0  a control signal, not an error: HELIOS_AGAIN, HELIOS_DECLINED, HELIOS_SUSPENDED.
 * Results come back through out-parameters set only on success. A `helios_err_t *err` as the
 * last parameter receives the message; fill it with host->err_set() (plugins) or
 * helios_err_set() (kernel). A function that returns an error does not also log it.
 *
 * The SQLSTATE constants (HELIOS_ERR_*) are generated from sdk/sqlstate.txt into
 * helios/sqlstate.h.
 */
#ifndef HELIOS_STATUS_H
#define HELIOS_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HELIOS_OK 0
#define HELIOS_AGAIN (-1)     /* would block; try again when ready */
#define HELIOS_DECLINED (-2)  /* not mine: detect() on another protocol, unknown control op */
#define HELIOS_SUSPENDED (-3) /* a portal stopped at its row limit; execute again for more */

#define HELIOS_PGSIXBIT(ch) ((int32_t)(((ch) - '0') & 0x3F))
#define HELIOS_SQLSTATE(c1, c2, c3, c4, c5)                                                        \
    (HELIOS_PGSIXBIT(c1) + (HELIOS_PGSIXBIT(c2) << 6) + (HELIOS_PGSIXBIT(c3) << 12) +              \
     (HELIOS_PGSIXBIT(c4) << 18) + (HELIOS_PGSIXBIT(c5) << 24))
#define HELIOS_SQLSTATE_CLASS(code) ((code) & ((1 << 12) - 1))

/* Unpack a status > 0 into five characters plus NUL. */
static inline void helios_sqlstate_str(int32_t code, char out[6])
{
    for (int i = 0; i < 5; i++) {
        out[i] = (char)(((code >> (6 * i)) & 0x3F) + '0');
    }
    out[5] = '\0';
}

/* Severity for errors and notices (stored as uint32_t). */
#define HELIOS_SEV_ERROR 1u
#define HELIOS_SEV_FATAL 2u
#define HELIOS_SEV_PANIC 3u
#define HELIOS_SEV_WARNING 4u
#define HELIOS_SEV_NOTICE 5u
#define HELIOS_SEV_DEBUG 6u
#define HELIOS_SEV_INFO 7u
#define HELIOS_SEV_LOG 8u

#define HELIOS_ERR_MSG_MAX 512
#define HELIOS_ERR_TEXT_MAX 256

/*
 * An error (or notice) with PostgreSQL's fields. Fixed buffers: whoever fills it copies the
 * text in, so nothing is owned across the boundary. Zero-fill before first use
 * (HELIOS_ERR_INIT). `position` is 1-based into the statement text, 0 when unknown.
 */
typedef struct helios_err {
    int32_t code;      /* the status, > 0 when set */
    uint32_t severity; /* HELIOS_SEV_*; 0 means ERROR */
    int32_t position;  /* 1-based cursor position in the query, 0: none */
    uint32_t reserved;
    char message[HELIOS_ERR_MSG_MAX]; /* primary: lower case, no trailing period */
    char detail[HELIOS_ERR_TEXT_MAX]; /* a sentence, or empty */
    char hint[HELIOS_ERR_TEXT_MAX];   /* a sentence, or empty */
} helios_err_t;

#define HELIOS_ERR_INIT                                                                            \
    {                                                                                              \
        0                                                                                          \
    }

#ifdef __cplusplus
}
#endif
#endif /* HELIOS_STATUS_H */
