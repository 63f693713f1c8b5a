// Seed: method name != entry point, mmap64, const library names folded, CallingConvention, wrappers.
using System;
using System.Runtime.InteropServices;

namespace Seeds.EntryPoints
{
    internal static class LibraryNames
    {
        public const string libc = "libc";
        public const string LIBC_6 = libc + ".so.6";
    }

    internal static unsafe class Native
    {
        private const string LibcLibrary = LibraryNames.LIBC_6;

        [DllImport(LibcLibrary, EntryPoint = "mmap", SetLastError = true, CallingConvention = CallingConvention.Cdecl)]
        private static extern IntPtr Internal_mmap(IntPtr address, ulong length, MmapProts prot, MmapFlags flags, int fd, long offset);

        [DllImport(LibraryNames.libc, EntryPoint = "mmap64")]
        public static extern void* mmap64_posix(void* start, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc.dylib", EntryPoint = "mmap")]
        public static extern void* mmap64_mac(void* start, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libm.so", EntryPoint = nameof(munmap))]
        public static extern int munmap(void* start, nuint length);

        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        [DllImport("libc", EntryPoint = "mm" + "ap")]
        public static extern IntPtr MMap(IntPtr address, IntPtr length, int prot, int flags, int fd, IntPtr offset);

        [Flags]
        public enum MmapProts : uint { PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 }

        [Flags]
        public enum MmapFlags : uint
        {
            MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
            MAP_NORESERVE = 0x4000, MAP_UNLOCKED = 0x80000,
        }

        // Ryujinx-like wrapper: the P/Invoke only sees parameters.
        public static IntPtr Mmap(IntPtr address, ulong length, MmapProts prot, MmapFlags flags, int fd, long offset)
            => Internal_mmap(address, length, prot, flags, fd, offset);

        // RavenDB-like dispatch on the OS.
        public static void* mmap64(void* start, nuint length, int prot, int flags, int fd, long offset)
            => OperatingSystem.IsMacOS() ? mmap64_mac(start, length, prot, flags, fd, offset) : mmap64_posix(start, length, prot, flags, fd, offset);

        public static void Use()
        {
            IntPtr a = Internal_mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
            IntPtr b = Internal_mmap(IntPtr.Zero, 4096, (MmapProts)3, (MmapFlags)0x22 | MmapFlags.MAP_NORESERVE, -1, 0L);
            void* c = mmap64_posix(null, 4096, 3, 0x22, -1, 0);
            void* d = mmap64_mac(null, (nuint)Environment.SystemPageSize * 16, 3, 0x1002, -1, 0);
            IntPtr e = MMap(IntPtr.Zero, new IntPtr(4096), 7, 0x22, -1, IntPtr.Zero);
            IntPtr f = Mmap(IntPtr.Zero, 4096, MmapProts.PROT_NONE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS | MmapFlags.MAP_FIXED, -1, 0);
            if ((byte*)c == (byte*)-1 || d == (void*)(-1) || a is 0 or -1) return;
            munmap(c, 4096);
            GC.KeepAlive(new object[] { a, b, e, f });
        }
    }
}
