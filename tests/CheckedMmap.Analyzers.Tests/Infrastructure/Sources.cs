namespace CheckedMmap.Analyzers.Tests.Infrastructure;

/// <summary>Declarations the tests call into, written the way real projects write them.</summary>
public static class Sources
{
    /// <summary>A typical hand-written libc binding: [DllImport("libc")] with const int constants (Linux numbers).</summary>
    public const string Libc = """
        using System;
        using System.Runtime.InteropServices;

        public static unsafe class Libc
        {
            public const int PROT_NONE = 0;
            public const int PROT_READ = 1;
            public const int PROT_WRITE = 2;
            public const int PROT_EXEC = 4;

            public const int MAP_SHARED = 0x01;
            public const int MAP_PRIVATE = 0x02;
            public const int MAP_FIXED = 0x10;
            public const int MAP_ANONYMOUS = 0x20;
            public const int MAP_NORESERVE = 0x4000;
            public const int MAP_POPULATE = 0x8000;
            public const int MAP_STACK = 0x20000;
            public const int MAP_HUGETLB = 0x40000;
            public const int MAP_FIXED_NOREPLACE = 0x100000;

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            [DllImport("libc", SetLastError = true)]
            public static extern int munmap(IntPtr addr, UIntPtr length);
        }
        """;

    /// <summary>A stand-in with the public surface of CheckedMmap.Mman (the runtime is another assembly).</summary>
    public const string CheckedMmapMman = """
        namespace CheckedMmap
        {
            public static unsafe class Mman
            {
                public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
                public const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10;
                public static int MAP_ANONYMOUS { get { return Target.Anonymous; } }
                public static int MAP_NORESERVE { get { return Target.NoReserve; } }
                public static int MAP_POPULATE { get { return Target.Populate; } }
                public static nint MAP_FAILED => -1;
                public static nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset) => MAP_FAILED;
                public static void* mmap(void* addr, nuint length, int prot, int flags, int fd, long offset) => (void*)MAP_FAILED;
                public static int munmap(nint addr, nuint length) => 0;
            }

            internal static class Target
            {
                // Values chosen at run time (the emulated OS): no compile-time value.
                public static int Anonymous = System.Environment.GetEnvironmentVariable("X") == null ? 0x20 : 0x1000;
                public static int NoReserve = System.Environment.GetEnvironmentVariable("X") == null ? 0x4000 : 0x40;
                public static int Populate = System.Environment.GetEnvironmentVariable("X") == null ? 0x8000 : 0;
            }
        }
        """;
}
