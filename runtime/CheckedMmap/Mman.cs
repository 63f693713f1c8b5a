// <sys/mman.h> with libc's names, so that `using Native = CheckedMmap.Mman;` compiles against code written for
// libc. Every function answers exactly as Miri's shim does (see docs/runtime.md) and adds guard pages, a
// quarantine, leak tracking and creation/destruction stacks.
using System;
using System.Runtime.CompilerServices;
using CheckedMmap.Contract;
using CheckedMmap.Registry;

namespace CheckedMmap
{
    /// <summary>
    /// Checked mmap/munmap/mremap/mprotect/madvise with Miri's semantics. Errors Miri reports through errno return
    /// <see cref="MAP_FAILED"/> or -1 and set the error as a <c>SetLastError = true</c> P/Invoke would
    /// (<c>Marshal.GetLastPInvokeError()</c> and <c>Marshal.GetLastSystemError()</c>); what Miri does not support throws
    /// <see cref="UnsupportedMmapException"/>; Undefined Behavior throws <see cref="UndefinedBehaviorException"/>.
    /// </summary>
#pragma warning disable CA1707, IDE1006 // libc's names on purpose
    [System.Diagnostics.StackTraceHidden] // an exception's stack, and where a test runner places the error, start at the user's call
    public static unsafe class Mman
    {
        // ---------------------------------------------------------------- protections (same on every target)

        /// <summary>Pages may not be accessed (unsupported by mmap/mprotect here, as in Miri).</summary>
        public const int PROT_NONE = MmapConstants.PROT_NONE;

        /// <summary>Pages may be read.</summary>
        public const int PROT_READ = MmapConstants.PROT_READ;

        /// <summary>Pages may be written.</summary>
        public const int PROT_WRITE = MmapConstants.PROT_WRITE;

        /// <summary>Pages may be executed (unsupported here, as in Miri).</summary>
        public const int PROT_EXEC = MmapConstants.PROT_EXEC;

        // ---------------------------------------------------------------- flags (same on every target)

        /// <summary>Share the mapping (unsupported here, as in Miri).</summary>
        public const int MAP_SHARED = MmapConstants.MAP_SHARED;

        /// <summary>Private copy-on-write mapping.</summary>
        public const int MAP_PRIVATE = MmapConstants.MAP_PRIVATE;

        /// <summary>Place the mapping exactly at addr (unsupported here, as in Miri).</summary>
        public const int MAP_FIXED = MmapConstants.MAP_FIXED;

        // ---------------------------------------------------------------- flags of the emulated target

        /// <summary>Anonymous mapping: 0x20 on Linux, 0x1000 on macOS and FreeBSD (the emulated target's value).</summary>
        public static int MAP_ANONYMOUS => Settings.Constants.MapAnonymous;

        /// <summary>Same as <see cref="MAP_ANONYMOUS"/>.</summary>
        public static int MAP_ANON => Settings.Constants.MapAnonymous;

        /// <summary>Linux 0x4000, macOS/FreeBSD 0x40.</summary>
        public static int MAP_NORESERVE => Flag("MAP_NORESERVE");

        /// <summary>Linux only (0x8000); throws <see cref="UnsupportedMmapException"/> for other targets.</summary>
        public static int MAP_POPULATE => Flag("MAP_POPULATE");

        /// <summary>Linux only (0x100000).</summary>
        public static int MAP_FIXED_NOREPLACE => Flag("MAP_FIXED_NOREPLACE");

        /// <summary>Linux 0x20000, FreeBSD 0x400; not on macOS.</summary>
        public static int MAP_STACK => Flag("MAP_STACK");

        /// <summary>Linux only (0x40000).</summary>
        public static int MAP_HUGETLB => Flag("MAP_HUGETLB");

        /// <summary>Linux only (0x100).</summary>
        public static int MAP_GROWSDOWN => Flag("MAP_GROWSDOWN");

        /// <summary>Linux only (0x2000).</summary>
        public static int MAP_LOCKED => Flag("MAP_LOCKED");

        /// <summary>Linux x86-64 0x40, macOS 0x8000, FreeBSD 0x80000.</summary>
        public static int MAP_32BIT => Flag("MAP_32BIT");

        /// <summary>macOS only (0x800).</summary>
        public static int MAP_JIT => Flag("MAP_JIT");

        /// <summary>FreeBSD only (0x20000).</summary>
        public static int MAP_NOCORE => Flag("MAP_NOCORE");

        /// <summary>Linux's MAP_SHARED|MAP_PRIVATE (3): always EINVAL here, as in Miri.</summary>
        public static int MAP_SHARED_VALIDATE =>
            Settings is var s && s.Target == TargetOS.Linux ? MmapConstants.MAP_SHARED | MmapConstants.MAP_PRIVATE : Missing("MAP_SHARED_VALIDATE", s);

        /// <summary>mmap's and mremap's error return: the all-ones pointer.</summary>
        public const nint MAP_FAILED = -1;

        /// <summary><see cref="MAP_FAILED"/> as a <c>void*</c>.</summary>
        public static void* MAP_FAILED_POINTER => (void*)-1;

        // ---------------------------------------------------------------- mremap (Linux)

        /// <summary>The mapping may move (required here, as in Miri).</summary>
        public const int MREMAP_MAYMOVE = MmapConstants.MREMAP_MAYMOVE;

        /// <summary>Move to a given address (unsupported here, as in Miri).</summary>
        public const int MREMAP_FIXED = MmapConstants.MREMAP_FIXED;

        /// <summary>Keep the old mapping (unsupported here, as in Miri).</summary>
        public const int MREMAP_DONTUNMAP = MmapConstants.MREMAP_DONTUNMAP;

        // ---------------------------------------------------------------- madvise

        /// <summary>No special treatment.</summary>
        public const int MADV_NORMAL = MmapConstants.MADV_NORMAL;

        /// <summary>Expect random access.</summary>
        public const int MADV_RANDOM = MmapConstants.MADV_RANDOM;

        /// <summary>Expect sequential access.</summary>
        public const int MADV_SEQUENTIAL = MmapConstants.MADV_SEQUENTIAL;

        /// <summary>Expect access soon.</summary>
        public const int MADV_WILLNEED = MmapConstants.MADV_WILLNEED;

        /// <summary>Discard pages (4 on every target; unsupported here, as in Miri).</summary>
        public static int MADV_DONTNEED => Advice("MADV_DONTNEED");

        /// <summary>Free pages lazily (Linux 8, macOS/FreeBSD 5; unsupported here, as in Miri).</summary>
        public static int MADV_FREE => Advice("MADV_FREE");

        // ---------------------------------------------------------------- errno and page size

        /// <summary>Invalid argument.</summary>
        public const int EINVAL = MmapConstants.EINVAL;

        /// <summary>Out of memory (mprotect/madvise length that cannot be rounded; host out of address space).</summary>
        public const int ENOMEM = MmapConstants.ENOMEM;

        /// <summary>The emulated page size in bytes (see <see cref="CheckedMmapOptions.PageSize"/>).</summary>
        public static nuint PageSize => (nuint)MmapRuntime.Current.PageSize;

        /// <summary>sysconf's name for the page size on the emulated target (30 Linux, 29 macOS, 47 FreeBSD).</summary>
        public static int _SC_PAGESIZE => Settings.Constants.ScPageSize;

        /// <summary>Same as <see cref="_SC_PAGESIZE"/>.</summary>
        public static int _SC_PAGE_SIZE => Settings.Constants.ScPageSize;

        /// <summary>The emulated page size.</summary>
        public static int getpagesize() => checked((int)PageSize);

        /// <summary>sysconf(_SC_PAGESIZE) returns the emulated page size; other names are unsupported, as in Miri.</summary>
        public static long sysconf(int name)
        {
            RuntimeSettings s = MmapRuntime.Current; // one snapshot: the name and the answer from the same target
            if (name == s.Constants.ScPageSize)
            {
                return (long)s.PageSize;
            }

            throw new UnsupportedMmapException(MmapMessages.UnimplementedSysconf(name), "sysconf");
        }

        // ---------------------------------------------------------------- functions

        /// <summary>
        /// Creates a mapping. Only <c>mmap(any, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)</c> succeeds:
        /// a page-aligned, zero-filled block of len rounded up to the page size, with an inaccessible guard page on each side.
        /// The address hint is ignored.
        /// </summary>
        /// <returns>The address, or <see cref="MAP_FAILED"/> with EINVAL (bad private/shared, length 0 or unroundable) or ENOMEM (host out of memory).</returns>
        [OverloadResolutionPriority(1)]
        public static nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            (nint)MmapRuntime.Mmap((ulong)addr, length, prot, flags, fd, offset, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset) =>
            mmap(addr, length, prot, flags, fd, offset, string.Empty, string.Empty, 0);

        /// <summary><see cref="mmap(nint, nuint, int, int, int, long, string, string, int)"/> for <c>void*</c> code.</summary>
        /// <returns>The address, or <see cref="MAP_FAILED_POINTER"/>.</returns>
        [OverloadResolutionPriority(1)]
        public static void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            (void*)MmapRuntime.Mmap((ulong)addr, length, prot, flags, fd, offset, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset) =>
            mmap(addr, length, prot, flags, fd, offset, string.Empty, string.Empty, 0);

        /// <summary>
        /// Unmaps exactly one whole mapping: addr must be its start and length must round up to its size. Anything else
        /// is Undefined Behavior, as in Miri. The range is quarantined (kept reserved and inaccessible), so later use faults.
        /// </summary>
        /// <returns>0, or -1 with EINVAL (unaligned address, unroundable length).</returns>
        [OverloadResolutionPriority(1)]
        public static int munmap(nint addr, nuint length, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            MmapRuntime.Munmap((ulong)addr, length, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static int munmap(nint addr, nuint length) => munmap(addr, length, string.Empty, string.Empty, 0);

        /// <summary><see cref="munmap(nint, nuint, string, string, int)"/> for <c>void*</c> code.</summary>
        /// <returns>0, or -1 with errno set.</returns>
        [OverloadResolutionPriority(1)]
        public static int munmap(void* addr, nuint length, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            MmapRuntime.Munmap((ulong)addr, length, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static int munmap(void* addr, nuint length) => munmap(addr, length, string.Empty, string.Empty, 0);

        /// <summary>
        /// Linux target only. Moves a whole mapping to a new block of exactly <paramref name="newSize"/> bytes (not rounded),
        /// copying min(old, new) bytes; MREMAP_MAYMOVE is required. The old block is quarantined.
        /// </summary>
        /// <returns>The new address, or <see cref="MAP_FAILED"/> with EINVAL (unaligned, newSize 0, no MAYMOVE) or ENOMEM.</returns>
        [OverloadResolutionPriority(1)]
        public static nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            (nint)MmapRuntime.Mremap((ulong)oldAddress, oldSize, newSize, flags, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags) => mremap(oldAddress, oldSize, newSize, flags, string.Empty, string.Empty, 0);

        /// <summary><see cref="mremap(nint, nuint, nuint, int, string, string, int)"/> for <c>void*</c> code.</summary>
        /// <returns>The new address, or <see cref="MAP_FAILED_POINTER"/>.</returns>
        // callerLine first: libc-shaped code may pass null as the variadic 5th argument, which must not bind to a string.
        [OverloadResolutionPriority(1)]
        public static void* mremap(void* oldAddress, nuint oldSize, nuint newSize, int flags, [CallerLineNumber] int callerLine = 0, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "") =>
            (void*)MmapRuntime.Mremap((ulong)oldAddress, oldSize, newSize, flags, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static void* mremap(void* oldAddress, nuint oldSize, nuint newSize, int flags) => mremap(oldAddress, oldSize, newSize, flags, 0, string.Empty, string.Empty);

        /// <summary>libc's variadic form: <paramref name="newAddress"/> is ignored, as in Miri (MREMAP_FIXED is unsupported).</summary>
        /// <returns>See <see cref="mremap(nint, nuint, nuint, int, string, string, int)"/>.</returns>
        [OverloadResolutionPriority(1)]
        public static nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags, nint newAddress, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            (nint)MmapRuntime.Mremap((ulong)oldAddress, oldSize, newSize, flags, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags, nint newAddress) => mremap(oldAddress, oldSize, newSize, flags, newAddress, string.Empty, string.Empty, 0);

        /// <summary>libc's variadic form for <c>void*</c> code: <paramref name="newAddress"/> is ignored.</summary>
        /// <returns>See <see cref="mremap(nint, nuint, nuint, int, string, string, int)"/>.</returns>
        [OverloadResolutionPriority(1)]
        public static void* mremap(void* oldAddress, nuint oldSize, nuint newSize, int flags, void* newAddress, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            (void*)MmapRuntime.Mremap((ulong)oldAddress, oldSize, newSize, flags, new CallerSite(callerMember, callerFile, callerLine));

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static void* mremap(void* oldAddress, nuint oldSize, nuint newSize, int flags, void* newAddress) => mremap(oldAddress, oldSize, newSize, flags, newAddress, string.Empty, string.Empty, 0);

        /// <summary>
        /// Only PROT_READ|PROT_WRITE is supported (a no-op, as in Miri); the range (length rounded up) must lie inside one
        /// live mapping, else Undefined Behavior. Length 0 always succeeds.
        /// </summary>
        /// <returns>0, or -1 with EINVAL (unaligned) or ENOMEM (unroundable length).</returns>
        [OverloadResolutionPriority(1)]
        public static int mprotect(nint addr, nuint length, int prot, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            MmapRuntime.Mprotect((ulong)addr, length, prot);

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static int mprotect(nint addr, nuint length, int prot) => mprotect(addr, length, prot, string.Empty, string.Empty, 0);

        /// <summary><see cref="mprotect(nint, nuint, int, string, string, int)"/> for <c>void*</c> code.</summary>
        /// <returns>0, or -1 with errno set.</returns>
        [OverloadResolutionPriority(1)]
        public static int mprotect(void* addr, nuint length, int prot, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            MmapRuntime.Mprotect((ulong)addr, length, prot);

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static int mprotect(void* addr, nuint length, int prot) => mprotect(addr, length, prot, string.Empty, string.Empty, 0);

        /// <summary>
        /// Only MADV_NORMAL/RANDOM/SEQUENTIAL/WILLNEED are supported (no-ops, as in Miri); the range must lie inside one
        /// live mapping, else Undefined Behavior. Length 0 always succeeds.
        /// </summary>
        /// <returns>0, or -1 with EINVAL (unaligned) or ENOMEM (unroundable length).</returns>
        [OverloadResolutionPriority(1)]
        public static int madvise(nint addr, nuint length, int advice, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            MmapRuntime.Madvise((ulong)addr, length, advice);

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static int madvise(nint addr, nuint length, int advice) => madvise(addr, length, advice, string.Empty, string.Empty, 0);

        /// <summary><see cref="madvise(nint, nuint, int, string, string, int)"/> for <c>void*</c> code.</summary>
        /// <returns>0, or -1 with errno set.</returns>
        [OverloadResolutionPriority(1)]
        public static int madvise(void* addr, nuint length, int advice, [CallerMemberName] string callerMember = "", [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0) =>
            MmapRuntime.Madvise((ulong)addr, length, advice);

        /// <summary>libc's exact shape, for method groups (delegates, function pointers) and code compiled before the
        /// caller-info parameters existed; calls bind to the overload above, which also records the call site.</summary>
        /// <returns>See the overload with caller-info parameters.</returns>
        public static int madvise(void* addr, nuint length, int advice) => madvise(addr, length, advice, string.Empty, string.Empty, 0);

        // The emulated target's settings, with the environment applied (target-dependent constants must see CHECKEDMMAP_TARGET).
        private static RuntimeSettings Settings => MmapRuntime.Current;

        private static int Flag(string name)
        {
            RuntimeSettings s = MmapRuntime.Current;
            return s.Constants.TryGetFlag(name, out int v) ? v : Missing(name, s);
        }

        private static int Advice(string name)
        {
            RuntimeSettings s = MmapRuntime.Current;
            return s.Constants.TryGetAdvice(name, out int v) ? v : Missing(name, s);
        }

        private static int Missing(string name, RuntimeSettings s) =>
            throw new UnsupportedMmapException(MmapMessages.NameNotOnTarget(name, s.Target.ToString()));
    }
#pragma warning restore CA1707, IDE1006
}

#if !NET9_0_OR_GREATER
namespace System.Runtime.CompilerServices
{
    /// <summary>
    /// The C# 13 compiler's overload priority (in the BCL from .NET 9), declared for net8.0: the compiler reads it by name.
    /// It makes calls bind to the overloads that take caller-info parameters while libc's exact shapes stay for method
    /// groups and for code compiled against earlier versions.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Constructor | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
    internal sealed class OverloadResolutionPriorityAttribute : Attribute
    {
        public OverloadResolutionPriorityAttribute(int priority) => Priority = priority;

        public int Priority { get; }
    }
}
#endif
