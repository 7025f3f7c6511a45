/*
 * tests/config/test_config.c -- the real heliosdb binary against config files: every
 * files/valid_*.yaml passes --check-config (exit 0), every files/invalid_*.yaml fails with
 * exit status 2 and exactly the one line its "# expect:" header names (@FILE@ is the file's
 * path, @BROKEN@ the broken-plugin directory). Plus the other command-line modes.
 *
 * Plugins: $HELIOS_PLUGIN_DIR = the test plugins (good, echo, greet), the broken ones, and the
 * server's own plugin directory (nvme).
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct run_result {
    int status; /* exit status, or 128 + signal */
    char out[16384];
    char err[16384];
} run_result_t;

static void slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    buf[n] = '\0';
}

static void run(const char *const *args, run_result_t *r)
{
    char on[] = "/tmp/helios-cfgtest-outXXXXXX", en[] = "/tmp/helios-cfgtest-errXXXXXX";
    int ofd = mkstemp(on), efd = mkstemp(en);
    unlink(on);
    unlink(en);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(ofd, 1);
        dup2(efd, 2);
        execv(HELIOS_BIN, (char *const *)args);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    slurp(ofd, r->out, sizeof(r->out));
    slurp(efd, r->err, sizeof(r->err));
    close(ofd);
    close(efd);
}

/* Replace @FILE@ and @BROKEN@. */
static void expand(const char *in, const char *file, char *out, size_t cap)
{
    size_t n = 0;
    while (*in != '\0' && n + 1 < cap) {
        const char *rep = NULL;
        size_t skip = 0;
        if (strncmp(in, "@FILE@", 6) == 0) {
            rep = file;
            skip = 6;
        } else if (strncmp(in, "@BROKEN@", 8) == 0) {
            rep = HELIOS_BROKEN_PLUGIN_DIR;
            skip = 8;
        }
        if (rep != NULL) {
            n += (size_t)snprintf(out + n, cap - n, "%s", rep);
            in += skip;
        } else {
            out[n++] = *in++;
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
}

static int n_valid, n_invalid;

static void check_file(const char *path, int invalid)
{
    run_result_t *r = calloc(1, sizeof(*r));
    const char *args[] = {HELIOS_BIN, "--check-config", path, NULL};
    run(args, r);
    if (!invalid) {
        n_valid++;
        if (r->status != 0) {
            fprintf(stderr, "\n  %s: exit %d: %s", path, r->status, r->err);
        }
        CU_ASSERT_EQUAL(r->status, 0);
        char want[800];
        snprintf(want, sizeof(want), "%s: ok (", path);
        CU_ASSERT_EQUAL(strncmp(r->out, want, strlen(want)), 0);
        free(r);
        return;
    }
    n_invalid++;
    char line[1024] = "", want[1400] = "", got[1400] = "";
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (fgets(line, sizeof(line), f) == NULL) {
        line[0] = '\0';
    }
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(strncmp(line, "# expect: ", 10), 0);
    line[strcspn(line, "\n")] = '\0';
    expand(line + 10, path, want, sizeof(want));
    snprintf(got, sizeof(got), "%.1300s", r->err);
    size_t len = strlen(got);
    /* exactly one line */
    CU_ASSERT_TRUE(len > 0 && got[len - 1] == '\n');
    CU_ASSERT_PTR_EQUAL(strchr(got, '\n'), got + len - 1);
    got[strcspn(got, "\n")] = '\0';
    if (r->status != 2 || strcmp(got, want) != 0) {
        fprintf(stderr, "\n  %s: exit %d\n    got:  %s\n    want: %s\n", path, r->status, got,
                want);
    }
    CU_ASSERT_EQUAL(r->status, 2);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_STRING_EQUAL(r->out, "");
    free(r);
}

static void test_files(void)
{
    struct dirent **ents = NULL;
    int n = scandir(HELIOS_CONFIG_FILES, &ents, NULL, alphasort);
    CU_ASSERT_TRUE_FATAL(n > 0);
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        char path[700];
        snprintf(path, sizeof(path), "%s/%s", HELIOS_CONFIG_FILES, name);
        if (strncmp(name, "valid_", 6) == 0) {
            check_file(path, 0);
        } else if (strncmp(name, "invalid_", 8) == 0) {
            check_file(path, 1);
        }
        free(ents[i]);
    }
    free(ents);
    CU_ASSERT_TRUE(n_valid >= 2);
    CU_ASSERT_TRUE(n_invalid >= 30);
}

static void test_missing_file(void)
{
    run_result_t *r = calloc(1, sizeof(*r));
    const char *args[] = {HELIOS_BIN, "--check-config", "/nonexistent/heliosdb.yaml", NULL};
    run(args, r);
    CU_ASSERT_EQUAL(r->status, 2);
    CU_ASSERT_STRING_EQUAL(r->err, "/nonexistent/heliosdb.yaml: cannot open config file: No such "
                                   "file or directory\n");
    const char *args2[] = {HELIOS_BIN, "--config", "/nonexistent/heliosdb.yaml", NULL};
    run(args2, r);
    CU_ASSERT_EQUAL(r->status, 2);
    CU_ASSERT_STRING_EQUAL(r->err, "/nonexistent/heliosdb.yaml: cannot open config file: No such "
                                   "file or directory\n");
    free(r);
}

static void test_cli(void)
{
    run_result_t *r = calloc(1, sizeof(*r));
    const char *v[] = {HELIOS_BIN, "--version", NULL};
    run(v, r);
    CU_ASSERT_EQUAL(r->status, 0);
    CU_ASSERT_EQUAL(strncmp(r->out, "heliosdb ", 9), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "plugin ABI 1.2"));

    const char *bad[] = {HELIOS_BIN, "--frobnicate", NULL};
    run(bad, r);
    CU_ASSERT_EQUAL(r->status, 2);
    CU_ASSERT_EQUAL(strncmp(r->err, "heliosdb: unknown argument \"--frobnicate\"\n", 42), 0);

    const char *noarg[] = {HELIOS_BIN, "--check-config", NULL};
    run(noarg, r);
    CU_ASSERT_EQUAL(r->status, 2);

    const char *pd[] = {HELIOS_BIN, "--print-default-config", NULL};
    run(pd, r);
    CU_ASSERT_EQUAL(r->status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "data_dir: ./heliosdb-data\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "{protocol: postgres, host: 127.0.0.1, port: 5432"));

    /* the printed default is a valid config file (postgres, nvme and lz4 are built) */
    char path[] = "/tmp/helios-default-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, r->out, strlen(r->out)), (ssize_t)strlen(r->out));
    close(fd);
    const char *chk[] = {HELIOS_BIN, "--check-config", path, NULL};
    run(chk, r);
    unlink(path);
    CU_ASSERT_EQUAL(r->status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, ": ok (1 listener, data_dir ./heliosdb-data, storage "
                                          "tier nvme, codec lz4)"));

    /* plugins: every plugin found, and each refusal with its reason */
    const char *pl[] = {HELIOS_BIN, "plugins", NULL};
    run(pl, r);
    CU_ASSERT_EQUAL(r->status, 0);
    CU_ASSERT_EQUAL(strncmp(r->out, "KIND       NAME         VERSION    ABI   PATH\n", 46), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(
        r->out, "codec      good         1.2.3      1.2   " HELIOS_TEST_PLUGIN_DIR "/good.so\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "protocol   echo         1.0.0      1.2   "));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "refused    broken_abi_minor -          -     plugin "
                                          "refused: " HELIOS_BROKEN_PLUGIN_DIR "/abi_minor.so: "
                                          "plugin \"broken_abi_minor\": ABI version 1.9 is newer "
                                          "than the kernel's 1.2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, "refused    -            -          -     plugin "
                                          "refused: " HELIOS_BROKEN_PLUGIN_DIR "/bad_magic.so: "
                                          "wrong magic"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r->out, " refused from "));
    free(r);
}

int main(void)
{
    setenv("HELIOS_PLUGIN_DIR",
           HELIOS_TEST_PLUGIN_DIR ":" HELIOS_BROKEN_PLUGIN_DIR ":" HELIOS_PLUGIN_OUTPUT_DIR, 1);
    setenv("HELIOS_LOG_LEVEL", "error", 1);
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    CU_pSuite s = CU_add_suite("config", NULL, NULL);
    CU_add_test(s, "config files", test_files);
    CU_add_test(s, "missing file", test_missing_file);
    CU_add_test(s, "command line", test_cli);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
