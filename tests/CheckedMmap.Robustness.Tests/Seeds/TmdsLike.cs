// Seed: a Tmds.LibC-shaped binding: constants are static properties, size_t/off_t structs with conversions.
using System;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Tmds.Linux
{
    public struct size_t { private nuint _v; public static implicit operator size_t(int v) => new size_t { _v = (nuint)v }; public static implicit operator size_t(ulong v) => new size_t { _v = (nuint)v }; }
    public struct off_t { private long _v; public static implicit operator off_t(long v) => new off_t { _v = v }; }

    public static unsafe partial class LibC
    {
        public static int PROT_NONE => 0x0;
        public static int PROT_READ => 0x1;
        public static int PROT_WRITE => 0x2;
        public static int PROT_EXEC => 0x4;
        public static int MAP_SHARED => 0x01;
        public static int MAP_PRIVATE => 0x02;
        public static int MAP_FIXED => 0x10;
        public static int MAP_ANONYMOUS => 0x20;
        public static int MAP_NORESERVE => 0x4000;
        public static int MAP_HUGE_SHIFT => 26;
        public static int MAP_HUGE_2MB => 21 << MAP_HUGE_SHIFT;
        public static void* MAP_FAILED => (void*)-1;

        [DllImport("libc", SetLastError = true)]
        public static extern void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(void* addr, size_t length);
    }
}

namespace Seeds.Tmds
{
    public static unsafe class Ring
    {
        public static void Map(int ringFd, long off)
        {
            void* sq = mmap(null, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | 0x8000, ringFd, 0);
            void* heap = LibC.mmap(null, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            void* big = mmap(null, 2UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGE_2MB, -1, off);
            if (sq == MAP_FAILED || heap == MAP_FAILED || big == MAP_FAILED) return;
            munmap(heap, 1 << 20);
        }
    }
}
