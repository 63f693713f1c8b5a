// Seed: dotnet/runtime's System.Native shim: its numbers mean other things (MAP_ANONYMOUS = 0x10) and it returns NULL.
using System;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libraries
    {
        internal const string SystemNative = "libSystem.Native";
    }

    internal static partial class Sys
    {
        [Flags]
        internal enum MemoryMappedProtections { PROT_NONE = 0x0, PROT_READ = 0x1, PROT_WRITE = 0x2, PROT_EXEC = 0x4 }

        [Flags]
        internal enum MemoryMappedFlags { MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x10 }

        [LibraryImport(Libraries.SystemNative, EntryPoint = "SystemNative_MMap", SetLastError = true)]
        internal static partial IntPtr MMap(IntPtr addr, ulong len, MemoryMappedProtections prot, MemoryMappedFlags flags, SafeFileHandle fd, long offset);

        [LibraryImport(Libraries.SystemNative, EntryPoint = "SystemNative_MUnmap", SetLastError = true)]
        internal static partial int MUnmap(IntPtr addr, ulong len);
    }
}

namespace Seeds.Pal
{
    internal static class UsePal
    {
        public static void Run(SafeFileHandle handle)
        {
            IntPtr p = Interop.Sys.MMap(IntPtr.Zero, 4096, Interop.Sys.MemoryMappedProtections.PROT_READ, Interop.Sys.MemoryMappedFlags.MAP_SHARED, handle, 4096);
            IntPtr q = Interop.Sys.MMap(IntPtr.Zero, 4096, Interop.Sys.MemoryMappedProtections.PROT_READ | Interop.Sys.MemoryMappedProtections.PROT_WRITE,
                Interop.Sys.MemoryMappedFlags.MAP_PRIVATE | Interop.Sys.MemoryMappedFlags.MAP_ANONYMOUS, new SafeFileHandle(new IntPtr(-1), false), 0);
            if (p == IntPtr.Zero || q == IntPtr.Zero) return;
            Interop.Sys.MUnmap(p, 4096);
        }
    }
}
