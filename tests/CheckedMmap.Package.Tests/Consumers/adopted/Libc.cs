using System;
using System.Runtime.InteropServices;

namespace Adopted
{
    [Flags]
    public enum Protection { Read = 1, Write = 2 }

    public static unsafe class Libc
    {
        public const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
        public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

        /// <summary>libc's mmap.</summary>
#if CHECKED
        public static IntPtr mmap(IntPtr addr, UIntPtr length, Protection prot, int flags, int fd, IntPtr offset, [System.Runtime.CompilerServices.CallerMemberName] string callerMember = "", [System.Runtime.CompilerServices.CallerFilePath] string callerFile = "", [System.Runtime.CompilerServices.CallerLineNumber] int callerLine = 0) =>
            global::CheckedMmap.Mman.mmap(addr, length, (int)prot, flags, fd, (long)offset, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
#else
        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr mmap(IntPtr addr, UIntPtr length, Protection prot, int flags, int fd, IntPtr offset);
#endif

#if CHECKED
        public static int munmap(void* addr, UIntPtr length, [System.Runtime.CompilerServices.CallerMemberName] string callerMember = "", [System.Runtime.CompilerServices.CallerFilePath] string callerFile = "", [System.Runtime.CompilerServices.CallerLineNumber] int callerLine = 0) =>
            global::CheckedMmap.Mman.munmap((nint)addr, length, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
#else
        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(void* addr, UIntPtr length);
#endif

#if CHECKED
        public static int Advise(IntPtr addr, UIntPtr length, int advice, [System.Runtime.CompilerServices.CallerMemberName] string callerMember = "", [System.Runtime.CompilerServices.CallerFilePath] string callerFile = "", [System.Runtime.CompilerServices.CallerLineNumber] int callerLine = 0) =>
            global::CheckedMmap.Mman.madvise(addr, length, advice, callerMember: callerMember, callerFile: callerFile, callerLine: callerLine);
#else
        [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
        public static extern int Advise(IntPtr addr, UIntPtr length, int advice);
#endif

        public static UIntPtr PageSize => (UIntPtr)Environment.SystemPageSize;
    }
}
