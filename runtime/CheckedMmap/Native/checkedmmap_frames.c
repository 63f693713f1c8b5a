// What the managed frame-pointer stack capture (Reports/FramePointerStacks.cs) cannot do itself: read its own frame
// pointer and its thread's stack bounds, read memory that may not be mapped without faulting, and tell code of a
// loaded native module from the runtime's generated code.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

// dladdr and pthread_getattr_np moved into libc in glibc 2.34; bind the older versions so the library loads on every
// glibc .NET supports.
#if defined(__x86_64__)
__asm__(".symver dladdr,dladdr@GLIBC_2.2.5");
__asm__(".symver pthread_getattr_np,pthread_getattr_np@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dladdr,dladdr@GLIBC_2.17");
__asm__(".symver pthread_getattr_np,pthread_getattr_np@GLIBC_2.17");
#endif

#define EXPORT __attribute__((visibility("default")))

// Copies this function's frame record, below every frame of the caller's: out[0] the caller's frame pointer, out[1]
// the return address into the caller; returns the record's address. Called without a GC transition: it only reads
// its own frame.
EXPORT __attribute__((noinline, optimize("no-omit-frame-pointer"))) uintptr_t checkedmmap_frame_record(uintptr_t out[2])
{
    uintptr_t *record = (uintptr_t *)__builtin_frame_address(0);
    out[0] = record[0];
    out[1] = record[1];
    return (uintptr_t)record;
}

// The end (highest address) of the calling thread's stack, 0 when unknown. Reads /proc/self/maps for the main thread.
EXPORT uintptr_t checkedmmap_stack_end(void)
{
    pthread_attr_t attributes;
    void *low;
    size_t size;
    uintptr_t end = 0;
    if (pthread_getattr_np(pthread_self(), &attributes) == 0)
    {
        if (pthread_attr_getstack(&attributes, &low, &size) == 0)
        {
            end = (uintptr_t)low + size;
        }

        pthread_attr_destroy(&attributes);
    }

    return end;
}

// Copies `length` bytes at `address` to `destination`; 0 when any of them is not readable (no fault).
EXPORT int checkedmmap_read(uintptr_t address, void *destination, size_t length)
{
    struct iovec local = { destination, length };
    struct iovec remote = { (void *)address, length };
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)length;
}

// 2 when `address` lies in the .NET runtime (libcoreclr.so), 1 in another loaded ELF module (libc, the host), 0 in
// generated or unmapped code.
EXPORT int checkedmmap_module_kind(uintptr_t address)
{
    Dl_info info;
    if (dladdr((void *)address, &info) == 0 || info.dli_fname == 0)
    {
        return 0;
    }

    const char *name = strrchr(info.dli_fname, '/');
    name = name == 0 ? info.dli_fname : name + 1;
    return strcmp(name, "libcoreclr.so") == 0 ? 2 : 1;
}
