/*
 * localtier.c -- a storage tier on a local directory (shared by the nvme and sata plugins).
 *
 * Durability: put and ATOMIC writers write a hidden temporary in the target's directory, fsync
 * it, rename it into place and fsync the directory, so a crash leaves the old file or the new
 * one, never a mix. APPEND writers fdatasync on wsync and fsync the directory once after
 * creating the file, so the file's name is durable with its first synced bytes. OVERWRITE
 * writers (ABI 1.2) pwrite into an existing file; prealloc writes real zero blocks (not
 * fallocate: unwritten extents would make every later fdatasync journal their conversion).
 * Temporaries are named ".<base>.tmp.<pid>.<n>", never listed, and swept at start when their
 * process is gone (a crash mid-write).
 */
#define _GNU_SOURCE
#include "localtier.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

const helios_config_key_t localtier_config_keys[LOCALTIER_N_CONFIG_KEYS] = {
    HELIOS_CONFIG_KEY(HELIOS_CFG_STRING, "path", localtier_config_t, path,
                      .flags = HELIOS_CFG_RESTART,
                      .help = "directory holding this tier's files (default: under data_dir)"),
    HELIOS_CONFIG_KEY(HELIOS_CFG_BOOL, "fsync", localtier_config_t, fsync,
                      .flags = HELIOS_CFG_RESTART, .default_text = "true",
                      .help = "fsync files and directories (turn off only for throwaway data)"),
};
_Static_assert(sizeof(localtier_config_keys) / sizeof(localtier_config_keys[0]) ==
                   LOCALTIER_N_CONFIG_KEYS,
               "LOCALTIER_N_CONFIG_KEYS out of date");

typedef struct localtier_lib {
    const helios_host_t *host;
} localtier_lib_t;

typedef struct localtier {
    const helios_host_t *host;
    char *root;
    uint32_t do_sync;
    _Atomic int32_t fail_status; /* HELIOS_TIER_CTL_FAIL_WRITES */
    _Atomic uint64_t tmp_counter;
} localtier_t;

#define LOCALTIER_RANGE_SYNC_BYTES (1u << 20)

struct helios_tier_reader {
    localtier_t *lt;
    int fd;
    char name[];
};

struct helios_tier_writer {
    localtier_t *lt;
    int fd;
    uint32_t flags;
    uint32_t dir_sync_pending; /* APPEND: the file was created; its directory needs an fsync */
    uint64_t written;          /* bytes appended; OVERWRITE: the next append's offset */
    uint64_t range_started;    /* ATOMIC: writeback started up to here (sync_file_range) */
    char *path;                /* final path */
    char *tmp;                 /* ATOMIC: temporary path */
    char name[];
};

static int32_t localtier_errno_status(int e)
{
    if (e == ENOENT || e == ENOTDIR) {
        return HELIOS_ERR_UNDEFINED_FILE;
    }
    if (e == ENOSPC || e == EDQUOT) {
        return HELIOS_ERR_DISK_FULL;
    }
    return HELIOS_ERR_IO_ERROR;
}

static int32_t localtier_fail(localtier_t *lt, helios_err_t *err, int e, const char *what,
                              const char *name)
{
    return lt->host->err_set(err, localtier_errno_status(e), "could not %s file \"%s\": %s", what,
                             name, strerror(e));
}

/* A write refused by HELIOS_TIER_CTL_FAIL_WRITES; returns 0 when writes are allowed. */
static int32_t localtier_injected(localtier_t *lt, helios_err_t *err, const char *name)
{
    int32_t st = atomic_load(&lt->fail_status);
    if (st == 0) {
        return 0;
    }
    return lt->host->err_set(err, st, "could not write file \"%s\": %s (injected)", name,
                             st == HELIOS_ERR_DISK_FULL ? strerror(ENOSPC) : strerror(EIO));
}

static int localtier_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0' || name[0] == '/' || name[strlen(name) - 1] == '/') {
        return 0;
    }
    for (const char *p = name; *p != '\0';) {
        const char *e = strchr(p, '/');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n == 0 || (n == 2 && p[0] == '.' && p[1] == '.') || (n == 1 && p[0] == '.')) {
            return 0;
        }
        p += n;
        if (*p == '/') {
            p++;
        }
    }
    return 1;
}

/* Full path of `name` (host->alloc'ed), or an error. */
static int32_t localtier_path(localtier_t *lt, const char *name, char **out, helios_err_t *err)
{
    if (!localtier_name_ok(name)) {
        return lt->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                 "invalid file name \"%s\"", name != NULL ? name : "(null)");
    }
    size_t n = strlen(lt->root) + 1 + strlen(name) + 1;
    char *p = lt->host->alloc(lt->host, n);
    if (p == NULL) {
        return lt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    snprintf(p, n, "%s/%s", lt->root, name);
    *out = p;
    return 0;
}

static int localtier_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* fsync the directory containing `path`. */
static int localtier_fsync_parent(localtier_t *lt, const char *path)
{
    if (!lt->do_sync) {
        return 0;
    }
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash == NULL) {
        return localtier_fsync_dir(".");
    }
    if (slash == buf) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    return localtier_fsync_dir(buf);
}

/* mkdir -p of the directories above `path` (the last component is a file). */
static int localtier_mkparents(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *slash = strrchr(buf, '/');
    if (slash == NULL || slash == buf) {
        return 0;
    }
    *slash = '\0';
    struct stat st;
    if (stat(buf, &st) == 0) {
        return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
    }
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return -1;
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        return -1;
    }
    return 0;
}

static int localtier_write_all(int fd, const void *data, uint64_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len > (1u << 30) ? (1u << 30) : (size_t)len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= (uint64_t)n;
    }
    return 0;
}

static int localtier_pread_all(int fd, uint64_t offset, uint64_t len, void *buf, uint64_t *n_read)
{
    uint8_t *p = buf;
    uint64_t done = 0;
    while (done < len) {
        uint64_t want = len - done;
        ssize_t n = pread(fd, p + done, want > (1u << 30) ? (1u << 30) : (size_t)want,
                          (off_t)(offset + done));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (n == 0) {
            break;
        }
        done += (uint64_t)n;
    }
    *n_read = done;
    return 0;
}

/* Temporary path beside `path`: "<dir>/.<base>.tmp.<n>". */
static char *localtier_tmp_path(localtier_t *lt, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash != NULL ? (size_t)(slash - path) + 1 : 0;
    size_t n = strlen(path) + 48;
    char *t = lt->host->alloc(lt->host, n);
    if (t == NULL) {
        return NULL;
    }
    uint64_t c = atomic_fetch_add(&lt->tmp_counter, 1);
    snprintf(t, n, "%.*s.%s.tmp.%ld.%llu", (int)dir_len, path, path + dir_len, (long)getpid(),
             (unsigned long long)c);
    return t;
}

int32_t localtier_init(const helios_host_t *host, const void *config, void **lib_state,
                       helios_err_t *err)
{
    localtier_lib_t *lib = host->calloc(host, 1, sizeof(*lib));
    if (lib == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    lib->host = host;
    *lib_state = lib;
    return 0;
}

void localtier_fini(void *lib_state)
{
    localtier_lib_t *lib = lib_state;
    if (lib != NULL) {
        lib->host->free(lib->host, lib);
    }
}

int32_t localtier_create(void *lib_state, const void *config, const helios_tier_options_t *opts,
                         void **inst, helios_err_t *err)
{
    localtier_lib_t *lib = lib_state;
    const helios_host_t *host = lib->host;
    const localtier_config_t *cfg = config;
    const char *root = NULL;
    if (cfg != NULL && cfg->path != NULL && cfg->path[0] != '\0') {
        root = cfg->path;
    } else if (opts != NULL && opts->root != NULL && opts->root[0] != '\0') {
        root = opts->root;
    }
    if (root == NULL) {
        return host->err_set(err, HELIOS_ERR_CONFIG_FILE_ERROR,
                             "storage tier \"%s\" has no directory",
                             opts != NULL && opts->name != NULL ? opts->name : "?");
    }
    localtier_t *lt = host->calloc(host, 1, sizeof(*lt));
    if (lt == NULL) {
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') {
        n--;
    }
    lt->root = host->alloc(host, n + 1);
    if (lt->root == NULL) {
        host->free(host, lt);
        return host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(lt->root, root, n);
    lt->root[n] = '\0';
    lt->host = host;
    lt->do_sync = cfg != NULL ? cfg->fsync : 1;
    atomic_init(&lt->fail_status, 0);
    atomic_init(&lt->tmp_counter, 0);
    *inst = lt;
    return 0;
}

/* Remove temporaries left by a process that died mid-write (".<base>.tmp.<pid>.<n>" whose
   pid is gone). Best effort: errors are ignored. */
static void localtier_sweep(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (d == NULL || depth > 16) {
        if (d != NULL) {
            closedir(d);
        }
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char p[PATH_MAX];
        if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p)) {
            continue;
        }
        struct stat st;
        if (lstat(p, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            localtier_sweep(p, depth + 1);
            continue;
        }
        const char *t = de->d_name[0] == '.' ? strstr(de->d_name, ".tmp.") : NULL;
        long pid = 0;
        if (t != NULL && sscanf(t, ".tmp.%ld.", &pid) == 1 && pid > 0 && pid != (long)getpid() &&
            kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            unlink(p);
        }
    }
    closedir(d);
}

int32_t localtier_start(void *inst, helios_err_t *err)
{
    localtier_t *lt = inst;
    char probe[PATH_MAX];
    snprintf(probe, sizeof(probe), "%s/.probe", lt->root);
    if (localtier_mkparents(probe) != 0) {
        return localtier_fail(lt, err, errno, "create directory for", lt->root);
    }
    struct stat st;
    if (stat(lt->root, &st) != 0) {
        return localtier_fail(lt, err, errno, "access", lt->root);
    }
    if (!S_ISDIR(st.st_mode)) {
        return lt->host->err_set(err, HELIOS_ERR_IO_ERROR, "\"%s\" is not a directory", lt->root);
    }
    if (access(lt->root, W_OK | X_OK) != 0) {
        return localtier_fail(lt, err, errno, "write into directory of", lt->root);
    }
    localtier_sweep(lt->root, 0);
    return 0;
}

void localtier_stop(void *inst)
{
    (void)inst;
}

void localtier_destroy(void *inst)
{
    localtier_t *lt = inst;
    if (lt == NULL) {
        return;
    }
    const helios_host_t *host = lt->host;
    host->free(host, lt->root);
    host->free(host, lt);
}

int32_t localtier_put(void *inst, const char *name, const void *data, uint64_t len,
                      helios_err_t *err)
{
    helios_tier_writer_t *w = NULL;
    int32_t rc = localtier_wopen(inst, name, HELIOS_TIER_W_ATOMIC, &w, err);
    if (rc != 0) {
        return rc;
    }
    rc = localtier_append(w, data, len, err);
    if (rc != 0) {
        localtier_wclose(w, 0, NULL);
        return rc;
    }
    return localtier_wclose(w, 1, err);
}

int32_t localtier_get(void *inst, const char *name, uint64_t offset, uint64_t len, void *buf,
                      uint64_t *n_read, helios_err_t *err)
{
    localtier_t *lt = inst;
    char *path = NULL;
    int32_t rc = localtier_path(lt, name, &path, err);
    if (rc != 0) {
        return rc;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = localtier_fail(lt, err, errno, "open", name);
        goto failed;
    }
    uint64_t n = 0;
    if (localtier_pread_all(fd, offset, len, buf, &n) != 0) {
        rc = localtier_fail(lt, err, errno, "read", name);
        close(fd);
        goto failed;
    }
    close(fd);
    *n_read = n;
failed:
    lt->host->free(lt->host, path);
    return rc;
}

int32_t localtier_ropen(void *inst, const char *name, helios_tier_reader_t **r,
                        uint64_t *size_bytes, helios_err_t *err)
{
    localtier_t *lt = inst;
    char *path = NULL;
    int32_t rc = localtier_path(lt, name, &path, err);
    if (rc != 0) {
        return rc;
    }
    helios_tier_reader_t *rd = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = localtier_fail(lt, err, errno, "open", name);
        goto failed;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = localtier_fail(lt, err, errno, "stat", name);
        close(fd);
        goto failed;
    }
    rd = lt->host->alloc(lt->host, sizeof(*rd) + strlen(name) + 1);
    if (rd == NULL) {
        rc = lt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        close(fd);
        goto failed;
    }
    rd->lt = lt;
    rd->fd = fd;
    strcpy(rd->name, name);
    *r = rd;
    *size_bytes = (uint64_t)st.st_size;
failed:
    lt->host->free(lt->host, path);
    return rc;
}

int32_t localtier_read(helios_tier_reader_t *r, uint64_t offset, uint64_t len, void *buf,
                       uint64_t *n_read, helios_err_t *err)
{
    uint64_t n = 0;
    if (localtier_pread_all(r->fd, offset, len, buf, &n) != 0) {
        return localtier_fail(r->lt, err, errno, "read", r->name);
    }
    *n_read = n;
    return 0;
}

void localtier_rclose(helios_tier_reader_t *r)
{
    if (r == NULL) {
        return;
    }
    close(r->fd);
    r->lt->host->free(r->lt->host, r);
}

int32_t localtier_wopen(void *inst, const char *name, uint32_t flags, helios_tier_writer_t **w,
                        helios_err_t *err)
{
    localtier_t *lt = inst;
    const helios_host_t *host = lt->host;
    helios_tier_writer_t *wr = NULL;
    char *path = NULL;
    int32_t rc = localtier_path(lt, name, &path, err);
    if (rc != 0) {
        return rc;
    }
    uint32_t mode = flags & (HELIOS_TIER_W_ATOMIC | HELIOS_TIER_W_APPEND | HELIOS_TIER_W_OVERWRITE);
    if (mode != HELIOS_TIER_W_ATOMIC && mode != HELIOS_TIER_W_APPEND &&
        mode != HELIOS_TIER_W_OVERWRITE) {
        rc = host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                           "writer for \"%s\" needs exactly one of ATOMIC, APPEND and OVERWRITE",
                           name);
        goto failed;
    }
    if ((rc = localtier_injected(lt, err, name)) != 0) {
        goto failed;
    }
    wr = host->calloc(host, 1, sizeof(*wr) + strlen(name) + 1);
    if (wr == NULL) {
        rc = host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    wr->lt = lt;
    wr->fd = -1;
    wr->flags = flags;
    strcpy(wr->name, name);
    wr->path = path;
    path = NULL;
    if (localtier_mkparents(wr->path) != 0) {
        rc = localtier_fail(lt, err, errno, "create directory for", name);
        goto failed;
    }
    if (flags & HELIOS_TIER_W_ATOMIC) {
        wr->tmp = localtier_tmp_path(lt, wr->path);
        if (wr->tmp == NULL) {
            rc = host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            goto failed;
        }
        wr->fd = open(wr->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } else if (flags & HELIOS_TIER_W_OVERWRITE) {
        wr->fd = open(wr->path, O_WRONLY | O_CLOEXEC);
    } else {
        wr->fd = open(wr->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
        if (wr->fd >= 0) {
            wr->dir_sync_pending = 1;
        } else if (errno == EEXIST) {
            wr->fd = open(wr->path, O_WRONLY | O_APPEND | O_CLOEXEC);
        }
    }
    if (wr->fd < 0) {
        rc = localtier_fail(lt, err, errno, "open", name);
        goto failed;
    }
    *w = wr;
    return 0;
failed:
    if (wr != NULL) {
        host->free(host, wr->path);
        host->free(host, wr->tmp);
        host->free(host, wr);
    }
    host->free(host, path);
    return rc;
}

int32_t localtier_append(helios_tier_writer_t *w, const void *data, uint64_t len, helios_err_t *err)
{
    int32_t rc = localtier_injected(w->lt, err, w->name);
    if (rc != 0) {
        return rc;
    }
    if (w->flags & HELIOS_TIER_W_OVERWRITE) {
        return localtier_write_at(w, w->written, data, len, err);
    }
    if (localtier_write_all(w->fd, data, len) != 0) {
        return localtier_fail(w->lt, err, errno, "write", w->name);
    }
    w->written += len;
    /* Start writeback of a big ATOMIC file as it grows (RocksDB's bytes_per_sync): its final
       fsync is then short, and, more important, a WAL fdatasync on the same file system does
       not have to wait behind tens of megabytes of its dirty pages (ext4 ordered mode). */
    if ((w->flags & HELIOS_TIER_W_ATOMIC) && w->lt->do_sync &&
        w->written - w->range_started >= LOCALTIER_RANGE_SYNC_BYTES) {
        sync_file_range(w->fd, (off64_t)w->range_started, (off64_t)(w->written - w->range_started),
                        SYNC_FILE_RANGE_WRITE);
        w->range_started = w->written;
    }
    return 0;
}

int32_t localtier_wsync(helios_tier_writer_t *w, helios_err_t *err)
{
    localtier_t *lt = w->lt;
    int32_t rc = localtier_injected(lt, err, w->name);
    if (rc != 0) {
        return rc;
    }
    if (!lt->do_sync) {
        return 0;
    }
    if (fdatasync(w->fd) != 0) {
        return localtier_fail(lt, err, errno, "fsync", w->name);
    }
    if (w->dir_sync_pending) {
        if (localtier_fsync_parent(lt, w->path) != 0) {
            return localtier_fail(lt, err, errno, "fsync directory of", w->name);
        }
        w->dir_sync_pending = 0;
    }
    return 0;
}

int32_t localtier_wclose(helios_tier_writer_t *w, uint32_t commit, helios_err_t *err)
{
    localtier_t *lt = w->lt;
    const helios_host_t *host = lt->host;
    int32_t rc = 0;
    if (w->flags & HELIOS_TIER_W_ATOMIC) {
        if (commit) {
            if ((rc = localtier_injected(lt, err, w->name)) != 0) {
                goto discard;
            }
            if (lt->do_sync && fsync(w->fd) != 0) {
                rc = localtier_fail(lt, err, errno, "fsync", w->name);
                goto discard;
            }
            if (close(w->fd) != 0) {
                w->fd = -1;
                rc = localtier_fail(lt, err, errno, "close", w->name);
                goto discard;
            }
            w->fd = -1;
            if (rename(w->tmp, w->path) != 0) {
                rc = localtier_fail(lt, err, errno, "rename temporary into", w->name);
                goto discard;
            }
            if (localtier_fsync_parent(lt, w->path) != 0) {
                rc = localtier_fail(lt, err, errno, "fsync directory of", w->name);
            }
            goto done;
        }
    discard:
        if (w->fd >= 0) {
            close(w->fd);
            w->fd = -1;
        }
        unlink(w->tmp);
    } else {
        if (commit) {
            rc = localtier_wsync(w, err);
        }
        if (close(w->fd) != 0 && rc == 0 && commit) {
            rc = localtier_fail(lt, err, errno, "close", w->name);
        }
        w->fd = -1;
    }
done:
    host->free(host, w->path);
    host->free(host, w->tmp);
    host->free(host, w);
    return rc;
}

int32_t localtier_truncate(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err)
{
    localtier_t *lt = inst;
    char *path = NULL;
    int32_t rc = localtier_path(lt, name, &path, err);
    if (rc != 0) {
        return rc;
    }
    if ((rc = localtier_injected(lt, err, name)) != 0) {
        goto failed;
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = localtier_fail(lt, err, errno, "open", name);
        goto failed;
    }
    if (ftruncate(fd, (off_t)size_bytes) != 0) {
        rc = localtier_fail(lt, err, errno, "truncate", name);
    } else if (lt->do_sync && fsync(fd) != 0) {
        rc = localtier_fail(lt, err, errno, "fsync", name);
    }
    close(fd);
failed:
    lt->host->free(lt->host, path);
    return rc;
}

int32_t localtier_remove(void *inst, const char *name, helios_err_t *err)
{
    localtier_t *lt = inst;
    char *path = NULL;
    int32_t rc = localtier_path(lt, name, &path, err);
    if (rc != 0) {
        return rc;
    }
    if (unlink(path) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            rc = localtier_fail(lt, err, errno, "remove", name);
        }
        goto failed;
    }
    if (localtier_fsync_parent(lt, path) != 0) {
        rc = localtier_fail(lt, err, errno, "fsync directory of", name);
    }
failed:
    lt->host->free(lt->host, path);
    return rc;
}

/* ---- list: walk the directory under the prefix's directory part, sort, call back ---- */

typedef struct localtier_entry {
    char *name;
    helios_tier_stat_t st;
} localtier_entry_t;

typedef struct localtier_walk {
    localtier_t *lt;
    const char *prefix;
    localtier_entry_t *v;
    size_t n, cap;
    int32_t rc;
    helios_err_t *err;
} localtier_walk_t;

static int localtier_prefix_may_match(const char *rel, const char *prefix)
{
    /* a directory "rel/" can hold matches if one of them is a prefix of the other */
    size_t a = strlen(rel), b = strlen(prefix);
    return strncmp(rel, prefix, a < b ? a : b) == 0;
}

static void localtier_walk_dir(localtier_walk_t *wk, const char *rel)
{
    localtier_t *lt = wk->lt;
    const helios_host_t *host = lt->host;
    char dirpath[PATH_MAX];
    snprintf(dirpath, sizeof(dirpath), "%s%s%s", lt->root, rel[0] != '\0' ? "/" : "", rel);
    DIR *d = opendir(dirpath);
    if (d == NULL) {
        if (errno != ENOENT && errno != ENOTDIR) {
            wk->rc = localtier_fail(lt, wk->err, errno, "list directory", rel[0] ? rel : ".");
        }
        return;
    }
    struct dirent *de;
    while (wk->rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue; /* ".", "..", temporaries, the start probe */
        }
        char child[PATH_MAX];
        char full[PATH_MAX + 8];
        if (snprintf(child, sizeof(child), "%s%s%s", rel, rel[0] != '\0' ? "/" : "", de->d_name) >=
                (int)sizeof(child) ||
            snprintf(full, sizeof(full), "%s/%s", lt->root, child) >= (int)sizeof(full)) {
            continue;
        }
        struct stat st;
        if (stat(full, &st) != 0) {
            continue; /* removed while listing */
        }
        if (S_ISDIR(st.st_mode)) {
            char withslash[PATH_MAX + 2];
            snprintf(withslash, sizeof(withslash), "%s/", child);
            if (localtier_prefix_may_match(withslash, wk->prefix)) {
                localtier_walk_dir(wk, child);
            }
            continue;
        }
        if (!S_ISREG(st.st_mode) || strncmp(child, wk->prefix, strlen(wk->prefix)) != 0) {
            continue;
        }
        if (wk->n == wk->cap) {
            size_t cap = wk->cap ? wk->cap * 2 : 64;
            localtier_entry_t *nv = host->realloc(host, wk->v, cap * sizeof(*nv));
            if (nv == NULL) {
                wk->rc = host->err_set(wk->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
                break;
            }
            wk->v = nv;
            wk->cap = cap;
        }
        size_t len = strlen(child) + 1;
        char *copy = host->alloc(host, len);
        if (copy == NULL) {
            wk->rc = host->err_set(wk->err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
            break;
        }
        memcpy(copy, child, len);
        wk->v[wk->n].name = copy;
        wk->v[wk->n].st.size_bytes = (uint64_t)st.st_size;
        wk->v[wk->n].st.mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
        wk->n++;
    }
    closedir(d);
}

static int localtier_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const localtier_entry_t *)a)->name, ((const localtier_entry_t *)b)->name);
}

int32_t localtier_list(void *inst, const char *prefix, helios_tier_list_cb cb, void *arg,
                       helios_err_t *err)
{
    localtier_t *lt = inst;
    const helios_host_t *host = lt->host;
    localtier_walk_t wk = {.lt = lt, .prefix = prefix != NULL ? prefix : "", .err = err};
    localtier_walk_dir(&wk, "");
    int32_t rc = wk.rc;
    if (rc == 0 && wk.n > 0) {
        qsort(wk.v, wk.n, sizeof(*wk.v), localtier_entry_cmp);
        for (size_t i = 0; i < wk.n; i++) {
            int32_t r = cb(wk.v[i].name, &wk.v[i].st, arg);
            if (r != 0) {
                rc = r;
                break;
            }
        }
    }
    for (size_t i = 0; i < wk.n; i++) {
        host->free(host, wk.v[i].name);
    }
    host->free(host, wk.v);
    return rc;
}

int32_t localtier_stat(void *inst, const char *name, helios_tier_stat_t *out, helios_err_t *err)
{
    localtier_t *lt = inst;
    char *path = NULL;
    int32_t rc = localtier_path(lt, name, &path, err);
    if (rc != 0) {
        return rc;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        rc = localtier_fail(lt, err, errno, "stat", name);
    } else if (!S_ISREG(st.st_mode)) {
        rc = lt->host->err_set(err, HELIOS_ERR_UNDEFINED_FILE, "\"%s\" is not a file", name);
    } else {
        out->size_bytes = (uint64_t)st.st_size;
        out->mtime_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
    }
    lt->host->free(lt->host, path);
    return rc;
}

int32_t localtier_control(void *inst, uint32_t op, void *arg, helios_err_t *err)
{
    localtier_t *lt = inst;
    if (op == HELIOS_TIER_CTL_FAIL_WRITES) {
        if (arg == NULL) {
            return lt->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                     "HELIOS_TIER_CTL_FAIL_WRITES needs an int32_t status");
        }
        int32_t st = *(const int32_t *)arg;
        if (st < 0) {
            return lt->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                     "fail status must be a SQLSTATE or 0");
        }
        atomic_store(&lt->fail_status, st);
        return 0;
    }
    return HELIOS_DECLINED;
}

/* ---- ABI 1.2: in-place writes ---- */

int32_t localtier_write_at(helios_tier_writer_t *w, uint64_t offset, const void *data, uint64_t len,
                           helios_err_t *err)
{
    if ((w->flags & HELIOS_TIER_W_OVERWRITE) == 0) {
        return w->lt->host->err_set(err, HELIOS_ERR_INVALID_PARAMETER_VALUE,
                                    "write_at on \"%s\" needs an OVERWRITE writer", w->name);
    }
    int32_t rc = localtier_injected(w->lt, err, w->name);
    if (rc != 0) {
        return rc;
    }
    const uint8_t *p = data;
    uint64_t done = 0;
    while (done < len) {
        uint64_t want = len - done;
        ssize_t n = pwrite(w->fd, p + done, want > (1u << 30) ? (1u << 30) : (size_t)want,
                           (off_t)(offset + done));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return localtier_fail(w->lt, err, errno, "write", w->name);
        }
        done += (uint64_t)n;
    }
    w->written = offset + len;
    return 0;
}

int32_t localtier_prealloc(void *inst, const char *name, uint64_t size_bytes, helios_err_t *err)
{
    localtier_t *lt = inst;
    helios_tier_writer_t *w = NULL;
    uint8_t *zeros = NULL;
    const uint64_t chunk = 1u << 20;
    int32_t rc = localtier_wopen(inst, name, HELIOS_TIER_W_ATOMIC, &w, err);
    if (rc != 0) {
        return rc;
    }
    zeros = lt->host->calloc(lt->host, 1, chunk);
    if (zeros == NULL) {
        rc = lt->host->err_set(err, HELIOS_ERR_OUT_OF_MEMORY, "out of memory");
        goto failed;
    }
    for (uint64_t off = 0; off < size_bytes; off += chunk) {
        uint64_t n = size_bytes - off < chunk ? size_bytes - off : chunk;
        if ((rc = localtier_append(w, zeros, n, err)) != 0) {
            goto failed;
        }
        if (lt->do_sync) {
            /* write back chunk by chunk and pause between chunks, so the commits' fdatasyncs
               on the same disk wait behind 1 MiB at most, not a whole segment */
            sync_file_range(w->fd, (off64_t)off, (off64_t)n,
                            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                SYNC_FILE_RANGE_WAIT_AFTER);
            w->range_started = off + n;
            struct timespec pause = {0, 2 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    lt->host->free(lt->host, zeros);
    return localtier_wclose(w, 1, err); /* fsync, rename into place, fsync the directory */
failed:
    lt->host->free(lt->host, zeros);
    localtier_wclose(w, 0, NULL);
    return rc;
}

int32_t localtier_rename(void *inst, const char *from, const char *to, helios_err_t *err)
{
    localtier_t *lt = inst;
    char *pf = NULL, *pt = NULL;
    int32_t rc = localtier_path(lt, from, &pf, err);
    if (rc != 0) {
        return rc;
    }
    if ((rc = localtier_path(lt, to, &pt, err)) != 0) {
        goto failed;
    }
    if ((rc = localtier_injected(lt, err, to)) != 0) {
        goto failed;
    }
    if (localtier_mkparents(pt) != 0) {
        rc = localtier_fail(lt, err, errno, "create directory for", to);
        goto failed;
    }
    if (rename(pf, pt) != 0) {
        rc = localtier_fail(lt, err, errno, "rename", from);
        goto failed;
    }
    if (localtier_fsync_parent(lt, pt) != 0) {
        rc = localtier_fail(lt, err, errno, "fsync directory of", to);
        goto failed;
    }
    /* a move between directories changes the source directory too */
    const char *sf = strrchr(pf, '/'), *st = strrchr(pt, '/');
    if ((sf - pf) != (st - pt) || strncmp(pf, pt, (size_t)(sf - pf)) != 0) {
        if (localtier_fsync_parent(lt, pf) != 0) {
            rc = localtier_fail(lt, err, errno, "fsync directory of", from);
        }
    }
failed:
    lt->host->free(lt->host, pf);
    lt->host->free(lt->host, pt);
    return rc;
}
