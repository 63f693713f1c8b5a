// Seed: macOS/FreeBSD numbers (MAP_ANON 0x1000; 0x20 is MAP_RENAME there), names that count as anonymous.
using System;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Seeds.Mac
{
    [SupportedOSPlatform("macos")]
    internal static class Darwin
    {
        public const int MAP_ANON = 0x1000;
        public const int MAP_ANONYMOUS_DARWIN = 0x1000;
        public const int MAP_RENAME = 0x20;
        public const int MAP_JIT = 0x800;
        public const int MAP_NORESERVE_DARWIN = 0x40;

        [DllImport("libSystem.dylib", SetLastError = true)]
        public static extern IntPtr mmap(IntPtr addr, UIntPtr len, int prot, int flags, int fd, long off);

        public static void Use()
        {
            _ = mmap(IntPtr.Zero, (UIntPtr)16384, 3, 0x1002, -1, 0);
            _ = mmap(IntPtr.Zero, (UIntPtr)16384, 3, 0x22, -1, 0);
            _ = mmap(IntPtr.Zero, (UIntPtr)16384, 3, 2 | MAP_ANON, -1, 0);
            _ = mmap(IntPtr.Zero, (UIntPtr)16384, 7, 2 | MAP_ANON | MAP_JIT, -1, 0);
            _ = mmap(IntPtr.Zero, (UIntPtr)16384, 3, 2 | MAP_ANONYMOUS_DARWIN | MAP_NORESERVE_DARWIN, -1, 0);
            _ = mmap(IntPtr.Zero, (UIntPtr)16384, 3, 2 | MAP_RENAME, -1, 0);
        }
    }
}
