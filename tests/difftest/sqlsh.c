/* tests/difftest/sqlsh.c -- a line-oriented SQL shell over the embedded API, used by the
 * differential tester and for manual checks.
 *
 *   sqlsh DATA_DIR < statements      (one statement per line; lines starting with -- skipped)
 *
 * For each statement prints "#Q <line>", then each row as "=" and tab-separated text values (NULL
 * as \N, tabs/newlines/backslashes escaped), then "#OK <tag>" or "#E <SQLSTATE> <message>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heliosdb.h"

static void put_escaped(const char *s)
{
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*s);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: sqlsh DATA_DIR < statements\n");
        return 2;
    }
    helios_err_t err = HELIOS_ERR_INIT;
    helios_engine_t *eng;
    heliosdb_options_t o = {.size = sizeof o, .no_sync = 1};
    if (heliosdb_open(argv[1], &o, &eng, &err) != 0) {
        fprintf(stderr, "heliosdb_open: %s\n", err.message);
        return 1;
    }
    helios_session_t *s;
    if (heliosdb_connect(eng, NULL, &s, &err) != 0) {
        fprintf(stderr, "connect: %s\n", err.message);
        heliosdb_close(eng);
        return 1;
    }
    static char line[1 << 20];
    long n = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        n++;
        size_t l = strlen(line);
        while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
            line[--l] = '\0';
        if (l == 0 || strncmp(line, "--", 2) == 0)
            continue;
        printf("#Q %ld\n", n);
        heliosdb_stmt_t *st;
        memset(&err, 0, sizeof err);
        int32_t rc = heliosdb_prepare(s, line, &st, &err);
        if (rc == 0) {
            while ((rc = heliosdb_step(st, &err)) == HELIOSDB_ROW) {
                uint32_t nc = heliosdb_column_count(st);
                putchar('=');
                for (uint32_t c = 0; c < nc; c++) {
                    if (c)
                        putchar('\t');
                    const char *t = heliosdb_column_text(st, c);
                    if (t == NULL)
                        fputs("\\N", stdout);
                    else
                        put_escaped(t);
                }
                putchar('\n');
            }
            if (rc == 0)
                printf("#OK %s\n", heliosdb_tag(st));
            heliosdb_finalize(st);
        }
        if (rc != 0) {
            char state[6];
            helios_sqlstate_str(rc, state);
            printf("#E %s %s\n", state, err.message);
        }
        fflush(stdout);
    }
    heliosdb_disconnect(s);
    heliosdb_close(eng);
    return 0;
}
