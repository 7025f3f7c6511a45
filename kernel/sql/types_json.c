/* kernel/sql/types_json.c -- json input validation and jsonb's canonical text form (keys sorted
 * by length then bytes, last duplicate wins, ", " and ": " separators, numbers as numeric). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/sqlint.h"

typedef struct jv {
    char kind; /* o a s n t f z(null) */
    const char *s; /* string (unescaped) or number text */
    uint32_t len;
    struct jv **items; /* object: key,value pairs; array: values */
    uint32_t n;
} jv_t;

typedef struct jp {
    arena_t *a;
    const char *s;
    size_t n, i;
    int depth;
} jp_t;

static void ws(jp_t *p)
{
    while (p->i < p->n && isspace((unsigned char)p->s[p->i])) p->i++;
}

static jv_t *parse_value(jp_t *p);

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static jv_t *parse_string(jp_t *p)
{
    if (p->i >= p->n || p->s[p->i] != '"') return NULL;
    p->i++;
    sbuf_t b = {0};
    sb_putn(&b, "", 0);
    while (p->i < p->n && p->s[p->i] != '"') {
        char c = p->s[p->i++];
        if ((unsigned char)c < 0x20) goto bad;
        if (c != '\\') {
            sb_putc(&b, c);
            continue;
        }
        if (p->i >= p->n) goto bad;
        c = p->s[p->i++];
        switch (c) {
        case '"': sb_putc(&b, '"'); break;
        case '\\': sb_putc(&b, '\\'); break;
        case '/': sb_putc(&b, '/'); break;
        case 'b': sb_putc(&b, '\b'); break;
        case 'f': sb_putc(&b, '\f'); break;
        case 'n': sb_putc(&b, '\n'); break;
        case 'r': sb_putc(&b, '\r'); break;
        case 't': sb_putc(&b, '\t'); break;
        case 'u': {
            unsigned cp;
            if (p->i + 4 > p->n || hex4(p->s + p->i, &cp) != 0) goto bad;
            p->i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && p->i + 6 <= p->n && p->s[p->i] == '\\' &&
                p->s[p->i + 1] == 'u') {
                unsigned lo;
                if (hex4(p->s + p->i + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p->i += 6;
                }
            }
            if (cp == 0) goto bad; /* PostgreSQL refuses \u0000 in text */
            char u[4];
            int k;
            if (cp < 0x80) { u[0] = (char)cp; k = 1; }
            else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 63)); k = 2; }
            else if (cp < 0x10000) { u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 63)); u[2] = (char)(0x80 | (cp & 63)); k = 3; }
            else { u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 63)); u[2] = (char)(0x80 | ((cp >> 6) & 63)); u[3] = (char)(0x80 | (cp & 63)); k = 4; }
            sb_putn(&b, u, (size_t)k);
            break;
        }
        default:
            goto bad;
        }
    }
    if (p->i >= p->n) goto bad;
    p->i++;
    jv_t *v = ar_zalloc(p->a, sizeof *v);
    v->kind = 's';
    v->s = ar_strndup(p->a, b.d, b.len);
    v->len = (uint32_t)b.len;
    sb_free(&b);
    return v;
bad:
    sb_free(&b);
    return NULL;
}

static jv_t *parse_number(jp_t *p)
{
    size_t st = p->i;
    if (p->i < p->n && p->s[p->i] == '-') p->i++;
    if (p->i >= p->n || !isdigit((unsigned char)p->s[p->i])) return NULL;
    if (p->s[p->i] == '0') p->i++;
    else while (p->i < p->n && isdigit((unsigned char)p->s[p->i])) p->i++;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        if (p->i >= p->n || !isdigit((unsigned char)p->s[p->i])) return NULL;
        while (p->i < p->n && isdigit((unsigned char)p->s[p->i])) p->i++;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-')) p->i++;
        if (p->i >= p->n || !isdigit((unsigned char)p->s[p->i])) return NULL;
        while (p->i < p->n && isdigit((unsigned char)p->s[p->i])) p->i++;
    }
    jv_t *v = ar_zalloc(p->a, sizeof *v);
    v->kind = 'n';
    v->s = p->s + st;
    v->len = (uint32_t)(p->i - st);
    return v;
}

static jv_t *parse_container(jp_t *p, char open)
{
    if (++p->depth > 1000) return NULL;
    p->i++;
    jv_t *v = ar_zalloc(p->a, sizeof *v);
    v->kind = open == '{' ? 'o' : 'a';
    uint32_t cap = 0;
    ws(p);
    char close = open == '{' ? '}' : ']';
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        p->depth--;
        return v;
    }
    for (;;) {
        ws(p);
        jv_t *k = NULL, *x;
        if (open == '{') {
            if ((k = parse_string(p)) == NULL) return NULL;
            ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') return NULL;
            p->i++;
        }
        if ((x = parse_value(p)) == NULL) return NULL;
        uint32_t need = v->n + (open == '{' ? 2 : 1);
        if (need > cap) {
            uint32_t nc = cap ? cap * 2 : 8;
            while (nc < need) nc *= 2;
            jv_t **ni = ar_alloc(p->a, sizeof(jv_t *) * nc);
            if (v->n) memcpy(ni, v->items, sizeof(jv_t *) * v->n);
            v->items = ni;
            cap = nc;
        }
        if (k != NULL) v->items[v->n++] = k;
        v->items[v->n++] = x;
        ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            p->depth--;
            return v;
        }
        return NULL;
    }
}

static jv_t *parse_value(jp_t *p)
{
    ws(p);
    if (p->i >= p->n) return NULL;
    char c = p->s[p->i];
    if (c == '{' || c == '[') return parse_container(p, c);
    if (c == '"') return parse_string(p);
    if (c == '-' || isdigit((unsigned char)c)) return parse_number(p);
    static const struct { const char *w; char k; } lits[] = {{"true", 't'}, {"false", 'f'}, {"null", 'z'}};
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(lits[i].w);
        if (p->n - p->i >= l && memcmp(p->s + p->i, lits[i].w, l) == 0) {
            p->i += l;
            jv_t *v = ar_zalloc(p->a, sizeof *v);
            v->kind = lits[i].k;
            return v;
        }
    }
    return NULL;
}

static int key_cmp(const jv_t *a, const jv_t *b)
{
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return memcmp(a->s, b->s, a->len);
}

static void put_string(sbuf_t *b, const char *s, uint32_t n)
{
    sb_putc(b, '"');
    for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': sb_puts(b, "\\\""); break;
        case '\\': sb_puts(b, "\\\\"); break;
        case '\b': sb_puts(b, "\\b"); break;
        case '\f': sb_puts(b, "\\f"); break;
        case '\n': sb_puts(b, "\\n"); break;
        case '\r': sb_puts(b, "\\r"); break;
        case '\t': sb_puts(b, "\\t"); break;
        default:
            if (c < 0x20) sb_printf(b, "\\u%04x", c);
            else sb_putc(b, (char)c);
        }
    }
    sb_putc(b, '"');
}

static void print_jsonb(jv_t *v, sbuf_t *b)
{
    switch (v->kind) {
    case 'o': {
        /* sort pairs by key (stable insertion sort keeps the last duplicate last) */
        uint32_t np = v->n / 2;
        for (uint32_t i = 1; i < np; i++) {
            jv_t *k = v->items[2 * i], *x = v->items[2 * i + 1];
            uint32_t j = i;
            while (j > 0 && key_cmp(v->items[2 * (j - 1)], k) > 0) {
                v->items[2 * j] = v->items[2 * (j - 1)];
                v->items[2 * j + 1] = v->items[2 * (j - 1) + 1];
                j--;
            }
            v->items[2 * j] = k;
            v->items[2 * j + 1] = x;
        }
        sb_putc(b, '{');
        int first = 1;
        for (uint32_t i = 0; i < np; i++) {
            if (i + 1 < np && key_cmp(v->items[2 * i], v->items[2 * (i + 1)]) == 0) continue;
            if (!first) sb_puts(b, ", ");
            first = 0;
            put_string(b, v->items[2 * i]->s, v->items[2 * i]->len);
            sb_puts(b, ": ");
            print_jsonb(v->items[2 * i + 1], b);
        }
        sb_putc(b, '}');
        break;
    }
    case 'a':
        sb_putc(b, '[');
        for (uint32_t i = 0; i < v->n; i++) {
            if (i) sb_puts(b, ", ");
            print_jsonb(v->items[i], b);
        }
        sb_putc(b, ']');
        break;
    case 's':
        put_string(b, v->s, v->len);
        break;
    case 'n': {
        /* jsonb keeps numbers as numeric: 1e2 -> 100, 1.50 stays 1.50 */
        __int128 x;
        int16_t sc;
        if (num_from_str(v->s, v->len, &x, &sc) == 0) num_to_str(x, sc, b);
        else sb_putn(b, v->s, v->len);
        break;
    }
    case 't': sb_puts(b, "true"); break;
    case 'f': sb_puts(b, "false"); break;
    default: sb_puts(b, "null"); break;
    }
}

/* validate s as json; for jsonb also produce the canonical text. 0 or -1 (invalid). */
int json_input(arena_t *a, const char *s, size_t n, int jsonb, const char **out, uint32_t *outlen)
{
    arena_t tmp = {0};
    jp_t p = {.a = &tmp, .s = s, .n = n};
    jv_t *v = parse_value(&p);
    ws(&p);
    int rc = -1;
    if (v != NULL && p.i == n) {
        rc = 0;
        if (jsonb) {
            sbuf_t b = {0};
            print_jsonb(v, &b);
            *out = ar_strndup(a, b.d != NULL ? b.d : "", b.len);
            *outlen = (uint32_t)b.len;
            sb_free(&b);
        } else {
            *out = ar_strndup(a, s, n);
            *outlen = (uint32_t)n;
        }
    }
    ar_free(&tmp);
    return rc;
}
