// Seed: shapes of real mmap call sites: helpers that convert flags, wrappers of any name, OS checks behind helpers,
// descriptors from open()/socket()/FileStream, guards, many optional bits, and hostile variants of each.
using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Seeds.RealCode
{
    [Flags] public enum MapFlags { None = 0, Shared = 1, Private = 2, Anonymous = 4, Fixed = 8, NoReserve = 16 }

    internal static class Polyfills
    {
        public static bool IsLinux() => OperatingSystem.IsLinux();
        public static bool IsMac() { return RuntimeInformation.IsOSPlatform(OSPlatform.OSX); }
        public static bool IsMacOSX => IsMac();
        public static readonly bool IsFreeBsd = RuntimeInformation.IsOSPlatform(OSPlatform.FreeBSD);
        public static bool Loop() => Loop();
        public static bool Ping => Pong;
        public static bool Pong => Ping;
    }

    internal static unsafe class Native
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
        public static int MAP_NORESERVE => Polyfills.IsMacOSX ? 0x40 : 0x4000;

        [DllImport("libc", SetLastError = true)] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
        [DllImport("libc", SetLastError = true)] public static extern int open(string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr MapHandle(IntPtr addr, nuint length, int prot, int flags, SafeFileHandle fd, long offset);

        private static int ToNative(MapFlags flags)
        {
            int result = 0;
            if (flags.HasFlag(MapFlags.Shared)) result |= MAP_SHARED;
            if ((flags & MapFlags.Private) != 0) result |= MAP_PRIVATE;
            if (flags.HasFlag(MapFlags.Anonymous)) result |= OperatingSystem.IsMacOS() ? 0x1000 : MAP_ANONYMOUS;
            if (flags.HasFlag(MapFlags.Fixed)) result |= MAP_FIXED;
            switch (flags & MapFlags.NoReserve)
            {
                case MapFlags.NoReserve: result |= MAP_NORESERVE; break;
                default: break;
            }

            return result;
        }

        private static int Recurse(int flags) => flags > 100 ? flags : Recurse(flags * 2 + 1);
        private static int Loops(int flags) { while (flags < 1000) { flags <<= 1; } return flags; }
        private static int Throws(int flags) => throw new InvalidOperationException();

        public static IntPtr Create(nuint length, MapFlags flags, int fd = -1) => mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, ToNative(flags), fd, 0);

        public static IntPtr Grow(nuint length, int flags) => mmap(IntPtr.Zero, length, 3, flags | MAP_ANONYMOUS, -1, 0);

        public static void Use(int unknown, bool condition, FileStream stream, SafeFileHandle given)
        {
            Create(4096, MapFlags.Shared);
            Create(4096, MapFlags.Fixed | MapFlags.Shared);
            Create(4096, MapFlags.Fixed | MapFlags.Private | MapFlags.NoReserve);
            Create(4096, MapFlags.Private | MapFlags.Anonymous);
            Create(4096, (MapFlags)unknown);
            Grow(4096, MAP_SHARED);
            mmap(IntPtr.Zero, 4096, 3, Recurse(1), -1, 0);
            mmap(IntPtr.Zero, 4096, 3, Loops(unknown), -1, 0);
            mmap(IntPtr.Zero, 4096, 3, Throws(3), -1, 0);
            mmap(IntPtr.Zero, 4096, 3, (int)(object)null, -1, 0);
            mmap(IntPtr.Zero, 4096, 3, Polyfills.IsLinux() ? 0x22 : 0x1002, -1, 0);
            mmap(IntPtr.Zero, 4096, 3, Polyfills.Loop() ? 0x22 : 0x1002, -1, 0);
            mmap(IntPtr.Zero, 4096, 3, Polyfills.Ping ? 0x22 : 0x1002, -1, 0);
            mmap(IntPtr.Zero, 4096, 3, 0x22 | MAP_NORESERVE, -1, 0);

            int fd = open("/dev/fb0", 2);
            if (fd < 0) return;
            mmap(IntPtr.Zero, 4096, 3, MAP_SHARED, fd, 0);
            int sock = condition ? -1 : socket(44, 3, 0);
            mmap(IntPtr.Zero, 4096, 3, MAP_SHARED, sock, 0);
            if (unknown == -1) throw new IOException();
            mmap(IntPtr.Zero, 4096, 3, MAP_SHARED, unknown, 0);
            MapHandle(IntPtr.Zero, 4096, 3, MAP_SHARED, File.OpenHandle("/data"), 0);
            MapHandle(IntPtr.Zero, 4096, 3, MAP_SHARED, stream.SafeFileHandle, 0);
            MapHandle(IntPtr.Zero, 4096, 3, MAP_SHARED, given, 0);

            int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
            if (unknown > 1) flags |= 0x4000;
            if (unknown > 2) flags |= 0x8000;
            if (unknown > 3) flags |= 0x20000;
            if (unknown > 4) flags |= 0x40000;
            if (unknown > 5) flags |= 0x1000;
            if (unknown > 6) flags |= 0x2000;
            mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
            for (int i = 0; i < unknown; i++) { flags |= 1 << i; }
            mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);

            IntPtr Map(int f) => mmap(IntPtr.Zero, 4096, 3, f, -1, 0);
            Map(MAP_SHARED);
        }
    }
}
