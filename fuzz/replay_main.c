/*
 * replay_main.c: the plain (non-fuzzing) main every harness links in the replay flavour.
 * `meson test --suite fuzz` runs it over corpus/<target>/; a developer runs it on one crash
 * file to reproduce a finding under a debugger.
 *
 *   replay_<target> [--keep-going] [--features] [--repeat N] [-q] PATH...
 *
 * A PATH that is a directory stands for its regular files, in name order, except hidden
 * files and README* (notes about the corpus, not inputs). Each input goes once (or N times)
 * through LLVMFuzzerTestOneInput; a finding traps, so the process dies on the first one, after
 * its name was printed (what a debugger wants). With --keep-going each input runs in a child
 * process instead, and every input that dies is listed (what a test wants). Exit status: 0
 * every input ran clean, 1 an input died or could not be read, 2 usage. At the end: inputs,
 * total bytes, execs/s, and with --features (without --keep-going) the distinct
 * protocol-state features the inputs reached (fuzz.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

struct replay {
    unsigned long repeat;
    bool quiet;
    bool keep_going;
    unsigned long died;
    unsigned long inputs;
    unsigned long execs;
    unsigned long long bytes;
    double seconds;
};

static double replay_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --keep-going: the input runs in a child; a child that dies is reported, not fatal. */
static void replay_in_child(struct replay *rp, const char *path, const uint8_t *buf, size_t size)
{
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        for (unsigned long i = 0; i < rp->repeat; i++)
            (void)LLVMFuzzerTestOneInput(buf, size);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        fprintf(stderr, "replay: %s: cannot run a child: %s\n", path, strerror(errno));
        rp->died++;
        return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    rp->died++;
    if (WIFSIGNALED(status))
        printf("replay: FAILED %s (signal %d)\n", path, WTERMSIG(status));
    else
        printf("replay: FAILED %s (exit status %d)\n", path, WEXITSTATUS(status));
}

static int replay_file(struct replay *rp, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 4096, size = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + size, 1, cap - size, f)) > 0) {
        size += n;
        if (size == cap) {
            uint8_t *grown = realloc(buf, cap *= 2);
            if (grown == NULL)
                free(buf);
            buf = grown;
        }
    }
    bool bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        return 1;
    }
    if (!rp->quiet)
        printf("replay %s (%zu bytes)\n", path, size);
    fflush(stdout);
    double start = replay_now();
    if (rp->keep_going)
        replay_in_child(rp, path, buf, size);
    else
        for (unsigned long i = 0; i < rp->repeat; i++)
            (void)LLVMFuzzerTestOneInput(buf, size);
    rp->seconds += replay_now() - start;
    rp->inputs++;
    rp->execs += rp->repeat;
    rp->bytes += size;
    free(buf);
    return 0;
}

static bool replay_skipped(const char *name)
{
    return name[0] == '.' || strncmp(name, "README", 6) == 0;
}

static int replay_name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_path(struct replay *rp, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(rp, path);
    struct dirent **names;
    int count = scandir(path, &names, NULL, replay_name_cmp);
    if (count < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < count; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
        if (!replay_skipped(names[i]->d_name) && stat(file, &st) == 0 && S_ISREG(st.st_mode))
            rc |= replay_file(rp, file);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int replay_usage(void)
{
    fprintf(stderr, "usage: replay [--keep-going] [--features] [--repeat N] [-q] PATH...\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct replay rp = { .repeat = 1 };
    bool features = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--features") == 0)
            features = true;
        else if (strcmp(argv[first], "-q") == 0)
            rp.quiet = true;
        else if (strcmp(argv[first], "--keep-going") == 0)
            rp.keep_going = true;
        else if (strcmp(argv[first], "--repeat") == 0 && first + 1 < argc)
            rp.repeat = strtoul(argv[++first], NULL, 10);
        else
            return replay_usage();
    }
    if (first == argc || rp.repeat == 0)
        return replay_usage();
    if (LLVMFuzzerInitialize != NULL)
        (void)LLVMFuzzerInitialize(&argc, &argv);
    int rc = 0;
    for (int i = first; i < argc; i++)
        rc |= replay_path(&rp, argv[i]);
    printf("replay: %lu inputs, %llu bytes, %lu execs in %.3f s (%.0f execs/s)\n", rp.inputs,
           rp.bytes, rp.execs, rp.seconds, rp.seconds > 0 ? (double)rp.execs / rp.seconds : 0.0);
    if (features && !rp.keep_going)
        printf("replay: %u distinct protocol-state features\n", fuzz_features_distinct());
    if (rp.died > 0)
        printf("replay: %lu input(s) FAILED\n", rp.died);
    return rc != 0 || rp.died > 0 ? 1 : 0;
}
