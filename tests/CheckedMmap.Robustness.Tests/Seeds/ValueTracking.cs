// Seed: hostile inputs for value tracking: cycles, self-references, overflow, huge literals, conversions.
using System;
using System.Runtime.InteropServices;

namespace Seeds.Values
{
    internal static unsafe class V
    {
        public const int A = B + 1;
        public const int B = A - 1;
        public static readonly int C = D;
        public static readonly int D = C | 0x22;
        public static int P => P;
        public static int Q => R + 1;
        public static int R => Q - 1;
        public const int MinFlags = int.MinValue;
        public const int AllFlags = ~0;
        public const long HugeOffset = long.MinValue;
        public const ulong HugeLength = ulong.MaxValue;
        public const nint NativeMinusOne = -1;
        public static readonly IntPtr ReadonlyPtr = (IntPtr)(-1);
        public const MyFlags E = (MyFlags)int.MaxValue;

        [Flags] public enum MyFlags : long { Private = 2, Anonymous = 0x20, Weird = long.MinValue, Cycle = Private | Anonymous }

        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", SetLastError = true, EntryPoint = "mmap")]
        public static extern IntPtr mmapLong(IntPtr addr, ulong length, long prot, MyFlags flags, long fd, ulong offset);

        public static void Use(int unknown, bool b)
        {
            _ = mmap(IntPtr.Zero, 4096, A, B, -1, 0);
            _ = mmap(IntPtr.Zero, 4096, C, D, -1, 0);
            _ = mmap(IntPtr.Zero, 4096, P, Q + R, -1, 0);
            _ = mmap(IntPtr.Zero, unchecked((nuint)HugeLength), 3, MinFlags, -1, HugeOffset);
            _ = mmap(IntPtr.Zero, unchecked((nuint)(-4096)), ~AllFlags | 3, AllFlags, int.MinValue, long.MaxValue);
            _ = mmap(IntPtr.Zero, 0x7fff_ffff_ffff_f000, 3, 0x22, -1, 0);
            _ = mmap(IntPtr.Zero, (nuint)(1UL << 63), 3, 0x22, -1, 0);
            _ = mmap(NativeMinusOne, 1, 3, (int)E, -1, 0);
            _ = mmapLong(ReadonlyPtr, ulong.MaxValue - 1, 3L, MyFlags.Cycle, -1L, 0UL);
            _ = mmapLong(IntPtr.Zero, 4096, 3L << 32 | 3, MyFlags.Weird | MyFlags.Cycle, 0xFFFF_FFFFL, ulong.MaxValue);
            int flags = unknown;
            flags |= 0x22;
            flags &= ~0x10;
            flags <<= 0;
            flags >>= 0;
            flags >>>= 0;
            flags %= int.MaxValue;
            flags *= 1;
            flags /= 1;
            flags -= 0;
            flags += 0;
            _ = mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
            int x = 0x22, y = x;
            while (b) { (x, y) = (y, x | 0x10); }
            _ = mmap(IntPtr.Zero, 4096, 3, x, -1, 0);
            int z = 0;
            ref int rz = ref z;
            rz = 0x21;
            _ = mmap(IntPtr.Zero, 4096, 3, z, -1, 0);
            int w;
            Init(out w);
            _ = mmap(IntPtr.Zero, 4096, 3, w, -1, 0);
            int u = 0x22;
            Action bump = () => u |= 0x10;
            bump();
            _ = mmap(IntPtr.Zero, 4096, 3, u, -1, 0);
            int* pf = stackalloc int[1];
            *pf = 0x22;
            _ = mmap(IntPtr.Zero, 4096, 3, *pf, -1, 0);
            _ = mmap(IntPtr.Zero, 4096, 3, checked(0x20 + 2), -1, sizeof(int) - 4);
            _ = mmap(IntPtr.Zero, 4096, 3, (int)(byte)0x122, -1, (long)(ulong)0);
            _ = mmap(IntPtr.Zero, 4096, 3, (int)3.9e0 == 3 ? 0x22 : 0x23, -1, default);
            _ = mmap(IntPtr.Zero, 4096, "abc".Length, nameof(mmap).Length * 0 + 0x22, -1, 0);
            _ = mmap(IntPtr.Zero, 4096, 3, 0x22, -1, b ? 0 : 1);
        }

        private static void Init(out int v) => v = 0x11;
    }
}
