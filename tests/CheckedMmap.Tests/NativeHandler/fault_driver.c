// Drives the shipped fault pre-handler (libcheckedmmap_fault.so) without .NET, so that it also runs on an
// architecture this machine has no .NET runtime for (arm64, under qemu-user). It plays the part of the runtime:
// loads the library with dlopen, answers report requests on a thread as the managed reporter does, and faults.
//
//   fault_driver <library> native       a write past the end of a watched mapping, with no handler before ours
//                                       (a fault in native code): a report, then death by SIGSEGV
//   fault_driver <library> outside      a write to an unwatched PROT_NONE page: no report, death by SIGSEGV
//   fault_driver <library> handled      a handler installed before ours takes the fault (as the runtime does
//                                       for managed code): no report, the handler's exit code 42, and the
//                                       thread's last fault address is the one written
//   fault_driver <library> report-first as handled, with report_first set: the report, then exit code 42
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*install_fn)(int, int, int *, int *);
typedef void (*watch_fn)(uint64_t, uint64_t);
typedef uint64_t (*take_last_fn)(void);
typedef int (*frames_fn)(uint64_t *, int);
typedef int (*symbolize_fn)(uint64_t, char *, int);

struct request
{
    uint64_t address;
    uint64_t pc;
    int32_t thread_id;
    int32_t signal;
    int32_t frame_count;
    int32_t fatal_reason;
};

static int request_fd;
static int reply_fd;
static frames_fn frames;
static symbolize_fn symbolize;
static take_last_fn take_last;
static volatile uint64_t expected;

static void *reporter(void *unused)
{
    (void)unused;
    struct request r;
    while (read(request_fd, &r, sizeof r) == (ssize_t)sizeof r)
    {
        uint64_t pcs[32];
        int n = frames(pcs, 32);
        char where[256] = "";
        for (int i = 0; i < n && where[0] == 0; i++)
        {
            char name[200];
            if (symbolize(pcs[i], name, sizeof name) > 0 && strstr(name, "fault_driver") == NULL && strstr(name, "libcheckedmmap") == NULL)
            {
                snprintf(where, sizeof where, "%s", name);
            }
        }

        fprintf(stderr, "REPORT address=%#llx signal=%d fatal_reason=%d frames=%d first_libc_frame=%s\n",
                (unsigned long long)r.address, r.signal, r.fatal_reason, n, where[0] ? where : "(none)");
        fflush(stderr);
        char ack = 1;
        if (write(reply_fd, &ack, 1) != 1)
        {
            return NULL;
        }
    }

    return NULL;
}

static void runtime_like_handler(int signal, siginfo_t *info, void *context)
{
    (void)signal;
    (void)context;
    uint64_t last = take_last();
    fprintf(stderr, "HANDLED address=%#llx last_fault=%#llx\n", (unsigned long long)(uintptr_t)info->si_addr, (unsigned long long)last);
    fflush(stderr);
    _exit(last == expected ? 42 : 43);
}

int main(int argc, char **argv)
{
    if (argc != 3)
    {
        fprintf(stderr, "usage: fault_driver <library> native|outside|handled|report-first\n");
        return 2;
    }

    const char *mode = argv[2];
    int handled = strcmp(mode, "handled") == 0 || strcmp(mode, "report-first") == 0;
    if (handled)
    {
        struct sigaction act;
        memset(&act, 0, sizeof act);
        act.sa_sigaction = runtime_like_handler;
        act.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &act, NULL);
    }

    void *lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL)
    {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 3;
    }

    install_fn install = (install_fn)dlsym(lib, "checkedmmap_fault_install");
    watch_fn watch = (watch_fn)dlsym(lib, "checkedmmap_fault_watch");
    take_last = (take_last_fn)dlsym(lib, "checkedmmap_fault_take_last");
    frames = (frames_fn)dlsym(lib, "checkedmmap_fault_frames");
    symbolize = (symbolize_fn)dlsym(lib, "checkedmmap_fault_symbolize");
    if (!install || !watch || !take_last || !frames || !symbolize)
    {
        fprintf(stderr, "missing export\n");
        return 4;
    }

    if (install(strcmp(mode, "report-first") == 0, 5000, &request_fd, &reply_fd) != 0)
    {
        fprintf(stderr, "install failed\n");
        return 5;
    }

    pthread_t thread;
    pthread_create(&thread, NULL, reporter, NULL);

    // A data page followed by a PROT_NONE guard page, as the checked runtime lays out a guarded mapping.
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *base = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED || mprotect(base + page, (size_t)page, PROT_NONE) != 0)
    {
        return 6;
    }

    if (strcmp(mode, "outside") != 0)
    {
        watch((uint64_t)(uintptr_t)base, (uint64_t)(uintptr_t)(base + 2 * page));
    }

    expected = (uint64_t)(uintptr_t)(base + page);
    fprintf(stderr, "FAULTING address=%#llx\n", (unsigned long long)expected);
    fflush(stderr);
    // An overrun by libc's memset: the fault is in native code, 16 bytes past the end of the data page.
    volatile size_t length = 32; // not a constant, so the compiler calls libc instead of inlining the stores
    memset(base + page - 16, 0xAB, length);
    fprintf(stderr, "NOT REACHED\n");
    return 7;
}
