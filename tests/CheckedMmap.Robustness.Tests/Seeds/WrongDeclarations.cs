// Seed: mmap declared with wrong arity and wrong types, and things merely named mmap.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Seeds.Wrong
{
    internal static unsafe class W
    {
        [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, ulong length, int prot);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmap0();
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapStrings(string addr, string length, string prot, string flags, string fd, string offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapObjects(object addr, object length, object prot, object flags, object fd, object offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapDynamic(dynamic addr, dynamic length, dynamic prot, dynamic flags, dynamic fd, dynamic offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapParams(IntPtr addr, ulong length, params int[] rest);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapRef(ref IntPtr addr, out ulong length, in int prot, ref int flags, out int fd, ref long offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapOptional(IntPtr addr = default, ulong length = 4096, int prot = 3, int flags = 0x22 | 0x10, int fd = -1, long offset = 0);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapEight(IntPtr addr, ulong length, int prot, int flags, int fd, long offset, int extra, int more);
        [DllImport("libc", EntryPoint = "mmap")] public static extern void mmapVoid(IntPtr addr, ulong length, int prot, int flags, int fd, long offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapNullable(IntPtr? addr, ulong? length, int? prot, int? flags, int? fd, long? offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapFloats(double addr, float length, decimal prot, char flags, bool fd, byte offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapArgList(__arglist);
        [DllImport("libc", EntryPoint = "mmap")] public static extern T mmapGeneric<T>(T addr, ulong length, int prot, int flags, int fd, long offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapPtr(int* addr, ulong* length, int* prot, int* flags, int* fd, long* offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapSpan(Span<byte> addr, ReadOnlySpan<char> length, int prot, int flags, int fd, long offset);
        [DllImport("libc", EntryPoint = "mmap")] public extern static IntPtr mmapEnumFd(IntPtr addr, ulong length, int prot, int flags, DayOfWeek fd, DateTime offset);
        [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapFnPtr(delegate* unmanaged<int, int> addr, ulong length, int prot, int flags, int fd, long offset);

        public static delegate* unmanaged<IntPtr, nuint, int, int, int, long, IntPtr> mmapPointer;
        public static Func<IntPtr, nuint, int, int, int, long, IntPtr>? mmapDelegate;

        public static void Use(dynamic d, int x)
        {
            mmap(IntPtr.Zero, 4096, 3);
            mmap0();
            mmapStrings("0", "4096", "3", "34", "-1", "0");
            mmapObjects(null, 4096, 3, 0x22, -1, 0);
            mmapDynamic(d, d, d, d, d, d);
            mmapDynamic(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
            mmapParams(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
            mmapParams(IntPtr.Zero, 4096);
            IntPtr a = IntPtr.Zero; ulong l; int p = 3, f = 0x22, fd; long o = 0;
            mmapRef(ref a, out l, in p, ref f, out fd, ref o);
            mmapOptional();
            mmapOptional(flags: 0x21);
            mmapEight(IntPtr.Zero, 4096, 3, 0x22, -1, 0, 1, 2);
            mmapVoid(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
            mmapNullable(null, null, null, null, null, null);
            mmapNullable(IntPtr.Zero, 4096, 3, 0x22 | 0x10, -1, 0);
            mmapFloats(0.0, 4096f, 3m, 'x', true, 0);
            mmapArgList(__arglist(IntPtr.Zero, 4096UL, 3, 0x22, -1, 0L));
            mmapGeneric<IntPtr>(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
            mmapGeneric(x, 4096, 3, 0x23, -1, 0);
            mmapPtr(null, null, null, null, null, null);
            mmapSpan(default, "x", 3, 0x22, -1, 0);
            mmapEnumFd(IntPtr.Zero, 4096, 3, 0x22, DayOfWeek.Monday, DateTime.Now);
            mmapFnPtr(null, 4096, 3, 0x22, -1, 0);
            mmapPointer(IntPtr.Zero, 4096, 3, 0x11, -1, 0);
            mmapDelegate?.Invoke(IntPtr.Zero, 4096, 3, 0x11, -1, 0);
            mmap(mmap(IntPtr.Zero, 4096, 3), (ulong)mmap0(), (int)mmapOptional());
        }
    }

    // Things merely named mmap.
    internal sealed class mmap
    {
        public mmap(IntPtr addr, ulong length, int prot, int flags, int fd, long offset) { }
        public static implicit operator IntPtr(mmap m) => IntPtr.Zero;
        public int this[int prot, int flags] => prot | flags;
    }

    internal sealed class NotPInvoke
    {
        public IntPtr mmap(IntPtr addr, ulong length, int prot, int flags, int fd, long offset) => addr;
        public static IntPtr mmap64(IntPtr addr, ulong length, int prot, int flags, int fd, long offset) => addr;
        public IntPtr Use() { var m = new Seeds.Wrong.mmap(IntPtr.Zero, 4096, 0, 0x11, 3, 1); _ = m[1, 2]; return this.mmap(IntPtr.Zero, 4096, 0, 0x11, 3, 1) + mmap64(IntPtr.Zero, 4096, 7, 0x10, 3, 1); }
    }

    internal abstract class Abstract
    {
        [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, ulong length, int prot, int flags, int fd, long offset);
        public abstract IntPtr Virtual(int flags);
        public IntPtr Use() => mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
    }

    internal struct GenericHolder<T> where T : unmanaged
    {
        [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, ulong length, int prot, int flags, int fd, long offset);
        public static IntPtr Use(T t) => mmap(IntPtr.Zero, (ulong)sizeof(T), 3, 0x22, -1, 0);
    }
}
