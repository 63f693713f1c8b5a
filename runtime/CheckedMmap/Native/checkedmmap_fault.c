// CheckedMmap's SIGSEGV/SIGBUS pre-handler (Linux x64 and arm64).
//
// Installed after the .NET runtime has started, so it runs before the runtime's own handler. For a fault outside
// the address range CheckedMmap has ever used (null dereferences, the runtime's own probes) it only calls the saved
// handler: nothing changes. For a fault inside that range it
//   - records the address in a thread-local slot, so the managed side can name the mapping in the
//     AccessViolationException the runtime then raises (when managed code faulted and the runtime hands it on), and
//   - when the fault is going to end the process (the runtime is told not to hand access violations to managed code,
//     or the saved handler gave up and restored the default action, as it does for faults in native code), asks the
//     managed reporter thread for the report through a pipe and waits for it (at most a few seconds) before the
//     process ends.
// Everything done inside the handler is async-signal-safe: reads, a write and a poll on pipes, sigaction.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

// dladdr moved into libc in glibc 2.34; bind the older version so the library loads on every glibc .NET supports.
#if defined(__x86_64__)
__asm__(".symver dladdr,dladdr@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dladdr,dladdr@GLIBC_2.17");
#endif

#define EXPORT __attribute__((visibility("default")))
#define MAX_FRAMES 24

// One fault description, sent to the reporter thread (below PIPE_BUF: one atomic write).
struct cm_request
{
    uint64_t address;
    uint64_t pc;
    int32_t thread_id;
    int32_t signal;
    int32_t frame_count;
    int32_t fatal_reason; // 1: the runtime will fail fast (managed fault without the legacy policy); 2: native fault
};

static struct sigaction saved_segv;
static struct sigaction saved_bus;
static volatile uint64_t hull_low = UINT64_MAX;
static volatile uint64_t hull_high = 0;
static int request_write = -1;
static int reply_read = -1;
static int report_before_chain;
static int wait_milliseconds = 5000;
static volatile int reporting;
static volatile int installed;
static __thread uint64_t last_fault;
static void *frames[MAX_FRAMES];
static int frame_count;
static struct cm_request pending;

static void write_text(const char *text)
{
    size_t n = strlen(text);
    while (n > 0)
    {
        ssize_t w = write(2, text, n);
        if (w <= 0)
        {
            return;
        }

        text += w;
        n -= (size_t)w;
    }
}

static void write_hex(uint64_t v)
{
    char buf[19];
    int i = 18;
    buf[i] = 0;
    do
    {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0);
    buf[--i] = 'x';
    buf[--i] = '0';
    write_text(buf + i);
}

static uint64_t fault_pc(void *context)
{
    ucontext_t *uc = (ucontext_t *)context;
#if defined(__x86_64__)
    return (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uint64_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

// Hands the fault to the managed reporter and waits for its answer; once per process (the first fatal fault wins).
static void request_report(uint64_t address, void *context, int signal, int fatal_reason)
{
    if (__atomic_exchange_n(&reporting, 1, __ATOMIC_ACQ_REL) != 0)
    {
        return;
    }

    // The native frames of the faulting thread (libc's memset, ...); managed frames have no unwind tables the
    // unwinder can read, so the walk stops at the first one. backtrace() was called once at install, so libgcc is
    // already loaded and this call does not allocate.
    frame_count = backtrace(frames, MAX_FRAMES);
    pending.address = address;
    pending.pc = fault_pc(context);
    pending.thread_id = (int32_t)syscall(SYS_gettid);
    pending.signal = signal;
    pending.frame_count = frame_count;
    pending.fatal_reason = fatal_reason;
    if (request_write < 0 || write(request_write, &pending, sizeof pending) != (ssize_t)sizeof pending)
    {
        goto fallback;
    }

    struct pollfd p = { reply_read, POLLIN, 0 };
    int rc;
    do
    {
        rc = poll(&p, 1, wait_milliseconds);
    } while (rc < 0 && errno == EINTR);
    if (rc == 1)
    {
        char ack;
        if (read(reply_read, &ack, 1) == 1)
        {
            return;
        }
    }

fallback:
    write_text("==CheckedMmap== ERROR: invalid access at ");
    write_hex(address);
    write_text(", inside the address range of CheckedMmap's mappings (guard page or unmapped mapping); the full report could not be written in time\n");
}

static int default_action_restored(int signal)
{
    struct sigaction now;
    if (sigaction(signal, NULL, &now) != 0)
    {
        return 0;
    }

    return (now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == SIG_DFL;
}

static void call_saved(struct sigaction *saved, int signal, siginfo_t *info, void *context)
{
    if (saved->sa_flags & SA_SIGINFO)
    {
        if (saved->sa_sigaction != NULL)
        {
            saved->sa_sigaction(signal, info, context);
            return;
        }
    }
    else if (saved->sa_handler != SIG_DFL && saved->sa_handler != SIG_IGN)
    {
        saved->sa_handler(signal);
        return;
    }

    // No handler to call: the default action, taken when the faulting instruction runs again.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(signal, &dfl, NULL);
}

static void on_fault(int signal, siginfo_t *info, void *context)
{
    int saved_errno = errno;
    struct sigaction *saved = signal == SIGBUS ? &saved_bus : &saved_segv;
    uint64_t address = (uint64_t)(uintptr_t)info->si_addr;
    int ours = installed && address >= hull_low && address < hull_high;
    if (ours)
    {
        last_fault = address;
        if (report_before_chain)
        {
            request_report(address, context, signal, 1);
        }
    }

    errno = saved_errno;
    call_saved(saved, signal, info, context);
    if (ours && !report_before_chain && default_action_restored(signal))
    {
        // The runtime did not take the fault (native code): the instruction faults again and the process ends.
        request_report(address, context, signal, 2);
    }

    errno = saved_errno;
}

static int install_one(int signal, struct sigaction *saved)
{
    struct sigaction act;
    if (sigaction(signal, NULL, saved) != 0)
    {
        return -1;
    }

    memset(&act, 0, sizeof act);
    act.sa_sigaction = on_fault;
    act.sa_mask = saved->sa_mask;
    // The runtime's own flags (SA_ONSTACK: stack overflows are handled on the alternate stack), never one-shot.
    act.sa_flags = (saved->sa_flags & ~SA_RESETHAND) | SA_SIGINFO;
    return sigaction(signal, &act, NULL);
}

// Installs the pre-handler. report_first: 1 when every fault in range ends the process (the runtime will not hand
// access violations to managed code), 0 when only faults the runtime gives up on do. Returns 0 and the pipe ends the
// reporter thread uses (it reads requests from *request_fd and writes one byte to *reply_fd per report), or -1.
EXPORT int checkedmmap_fault_install(int report_first, int wait_ms, int *request_fd, int *reply_fd)
{
    int requests[2];
    int replies[2];
    if (installed)
    {
        return -1;
    }

    if (pipe2(requests, O_CLOEXEC) != 0)
    {
        return -1;
    }

    if (pipe2(replies, O_CLOEXEC) != 0)
    {
        close(requests[0]);
        close(requests[1]);
        return -1;
    }

    void *warm[2];
    (void)backtrace(warm, 2);
    request_write = requests[1];
    reply_read = replies[0];
    report_before_chain = report_first;
    wait_milliseconds = wait_ms > 0 ? wait_ms : 5000;
    if (install_one(SIGSEGV, &saved_segv) != 0 || install_one(SIGBUS, &saved_bus) != 0)
    {
        sigaction(SIGSEGV, &saved_segv, NULL);
        return -1;
    }

    *request_fd = requests[0];
    *reply_fd = replies[1];
    installed = 1;
    return 0;
}

// Widens the watched address range to include [low, high) (a mapping with its guard pages).
EXPORT void checkedmmap_fault_watch(uint64_t low, uint64_t high)
{
    uint64_t cur = hull_low;
    while (low < cur && !__atomic_compare_exchange_n(&hull_low, &cur, low, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    {
    }

    cur = hull_high;
    while (high > cur && !__atomic_compare_exchange_n(&hull_high, &cur, high, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    {
    }
}

// The calling thread's last fault address inside the watched range, then clears it (0 when none).
EXPORT uint64_t checkedmmap_fault_take_last(void)
{
    uint64_t a = last_fault;
    last_fault = 0;
    return a;
}

// The native frames of the pending request, read by the reporter thread before it answers.
EXPORT int checkedmmap_fault_frames(uint64_t *out, int max)
{
    int n = frame_count < max ? frame_count : max;
    for (int i = 0; i < n; i++)
    {
        out[i] = (uint64_t)(uintptr_t)frames[i];
    }

    return n;
}

// "memset+0x1d (libc.so.6)" for a code address in a loaded shared object; 0 when none holds it (JIT-compiled code).
EXPORT int checkedmmap_fault_symbolize(uint64_t pc, char *buffer, int size)
{
    Dl_info info;
    if (size <= 0 || dladdr((void *)(uintptr_t)pc, &info) == 0 || info.dli_fname == NULL)
    {
        return 0;
    }

    const char *file = strrchr(info.dli_fname, '/');
    file = file != NULL ? file + 1 : info.dli_fname;
    char *p = buffer;
    char *end = buffer + size - 1;
    // "symbol+0xoff (file)" when the dynamic symbol table names it, else "file+0xoff" from the object's base.
    const char *name = info.dli_sname != NULL && info.dli_saddr != NULL ? info.dli_sname : file;
    uint64_t off = pc - (uint64_t)(uintptr_t)(info.dli_sname != NULL && info.dli_saddr != NULL ? info.dli_saddr : info.dli_fbase);
    for (const char *s = name; *s && p < end; s++)
    {
        *p++ = *s;
    }

    char hex[20];
    int i = 19;
    hex[i] = 0;
    do
    {
        hex[--i] = "0123456789abcdef"[off & 15];
        off >>= 4;
    } while (off != 0);
    hex[--i] = 'x';
    hex[--i] = '0';
    hex[--i] = '+';
    for (const char *s = hex + i; *s && p < end; s++)
    {
        *p++ = *s;
    }

    if (name == file)
    {
        *p = 0;
        return (int)(p - buffer);
    }

    for (const char *s = " ("; *s && p < end; s++)
    {
        *p++ = *s;
    }

    for (const char *s = file; *s && p < end; s++)
    {
        *p++ = *s;
    }

    if (p < end)
    {
        *p++ = ')';
    }

    *p = 0;
    return (int)(p - buffer);
}
