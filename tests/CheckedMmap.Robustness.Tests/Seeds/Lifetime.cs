// Seed: what happens to a mapping after mmap: munmap shapes (partial, zero, interior, twice, foreign memory), failure
// checks in every spelling, dereferences, fields across members, loops, lambdas, local functions, try/finally.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Seeds.Lifetime
{
    internal static unsafe class Libc
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
        public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(IntPtr addr, UIntPtr length);

        [DllImport("libc", EntryPoint = "munmap")]
        public static extern int Release(void* addr, nuint length);

        public static IntPtr MmapPages(nuint length) => mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
    }

    internal sealed unsafe class Region : IDisposable
    {
        private const int Size = 1 << 16;
        private IntPtr _base;
        private byte* _cursor;

        public Region()
        {
            IntPtr mapped = Libc.mmap(IntPtr.Zero, (UIntPtr)Size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
            if (mapped == Libc.MAP_FAILED) throw new OutOfMemoryException();
            _base = mapped;
            _cursor = (byte*)_base;
        }

        public byte* Bump(int bytes)
        {
            byte* at = _cursor;
            _cursor += bytes;
            return at;
        }

        public void Dispose()
        {
            if (_base != IntPtr.Zero)
            {
                Libc.munmap(_base, (UIntPtr)4096);
                Libc.munmap((IntPtr)_cursor, (UIntPtr)Size);
                _base = IntPtr.Zero;
            }
        }
    }

    internal static unsafe class Shapes
    {
        public static int Loops(int count, bool flag)
        {
            int sum = 0;
            for (int i = 0; i < count; i++)
            {
                IntPtr p = Libc.mmap(IntPtr.Zero, (UIntPtr)8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == IntPtr.Zero) continue;
                byte* b = (byte*)p;
                while (flag && b < (byte*)p + 8192)
                {
                    *b++ = 1;
                    sum += b[-1];
                }

                switch (i % 3)
                {
                    case 0: Libc.munmap(p, (UIntPtr)8192); break;
                    case 1: Libc.munmap(p + 4096, (UIntPtr)4096); goto case 0;
                    default: Libc.Release((void*)p, 0); break;
                }
            }

            return sum;
        }

        public static void Guarded(bool a)
        {
            IntPtr p = Libc.MmapPages(16384);
            try
            {
                if (a) throw new InvalidOperationException();
                Marshal.WriteInt64(p, 42);
                new Span<byte>((void*)p, 16).Clear();
                Unsafe.Write((void*)p, 7);
                Buffer.MemoryCopy((void*)p, (void*)(p + 64), 64, 64);
                NativeMemory.Clear((void*)p, 64);
            }
            catch (InvalidOperationException)
            {
                Libc.munmap(p, (UIntPtr)16384);
                throw;
            }
            finally
            {
                Libc.munmap(p, (UIntPtr)16384);
            }

            Action later = () => Libc.munmap(p, (UIntPtr)0);
            later();
            Local(p);

            static void Local(IntPtr q)
            {
                if (q.ToInt64() is 0 or -1) return;
                Libc.munmap(q, (UIntPtr)16384);
                Libc.munmap(q, (UIntPtr)16384);
            }
        }

        public static void Foreign()
        {
            IntPtr h = Marshal.AllocHGlobal(4096);
            Libc.munmap(h, (UIntPtr)4096);
            byte* s = stackalloc byte[32];
            Libc.munmap((IntPtr)s, (UIntPtr)32);
            int x = 0;
            Libc.Release(&x, 4);
            fixed (byte* f = new byte[8]) Libc.Release(f, 8);
            void* n = NativeMemory.AlignedAlloc(4096, 4096);
            Libc.Release(n, 4096);
        }

        public static void* Unchecked()
        {
            void* p = (void*)Libc.mmap(IntPtr.Zero, (UIntPtr)4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
            ((long*)p)[1] = 0;
            if (p is null || p == (void*)-1) return null;
            return p;
        }
    }
}
