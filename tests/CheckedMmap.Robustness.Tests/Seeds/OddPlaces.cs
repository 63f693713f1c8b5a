// Seed: mmap calls in odd places: lambdas, local functions, field initializers, attributes, expression-bodied members,
// switch expressions, default parameter values, base constructor calls, static constructors, async methods,
// iterators, pattern guards, query expressions, interpolations, object initializers, properties, indexers, operators.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace Seeds.Odd
{
    [AttributeUsage(AttributeTargets.All)]
    public sealed class MapAttribute : Attribute { public MapAttribute(string why, int flags = 0x22) { } public int Prot { get; set; } }

    internal static class L
    {
        public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_SHARED = 1, MAP_ANONYMOUS = 0x20, MAP_FIXED = 0x10;
        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);
        [DllImport("libc", SetLastError = true)]
        public static extern int munmap(IntPtr a, nuint l);
    }

    public class Base { public Base(IntPtr p) { } }

    [Map(nameof(L.mmap), L.MAP_SHARED, Prot = L.PROT_READ)]
    public sealed class Odd : Base
    {
        private static readonly IntPtr s_field = L.mmap(IntPtr.Zero, 4096, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS, -1, 0);
        private readonly IntPtr _field = L.mmap(IntPtr.Zero, 4096, L.PROT_READ, L.MAP_SHARED, 3, 4096);
        private readonly Func<IntPtr> _lambda = () => L.mmap(IntPtr.Zero, 4096, 3, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED, -1, 0);
        private static IntPtr s_static;
        public IntPtr Property => L.mmap(IntPtr.Zero, 4096, 7, 0x22, -1, 0);
        public IntPtr this[int i] => L.mmap(IntPtr.Zero, (nuint)i, 3, 0x22, -1, 0);
        public IntPtr Auto { get; } = L.mmap(IntPtr.Zero, 4096, 3, 0x22, 0, 0);
        public event EventHandler? E = (s, e) => L.mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);

        static Odd() { s_static = L.mmap(IntPtr.Zero, 4096, 3, 0x22 | 0x4000, -1, 0); }

        public Odd() : base(L.mmap(IntPtr.Zero, 4096, 0, 0x22, -1, 0)) { }

        public Odd(int fd) : this() => _ = L.mmap(IntPtr.Zero, 4096, 3, 0x22, fd, 0);

        ~Odd() { L.munmap(_field, 0); }

        public static Odd operator +(Odd a, int b) { _ = L.mmap(IntPtr.Zero, (nuint)b, 3, 0x22, -1, 0); return a; }

        public IntPtr ExpressionBodied(int kind) => kind switch
        {
            0 => L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0),
            1 when L.mmap(IntPtr.Zero, 4096, 3, 0x23, -1, 0) != IntPtr.Zero => IntPtr.Zero,
            _ => L.mmap(IntPtr.Zero, 0, 3, 0x22, -1, 0),
        };

        public void DefaultParam(int flags = L.MAP_SHARED | L.MAP_ANONYMOUS, int prot = L.PROT_READ, long offset = 4096)
        {
            _ = L.mmap(IntPtr.Zero, 4096, prot, flags, -1, offset);
            IntPtr Local(int f) => L.mmap(IntPtr.Zero, 4096, 3, f, -1, 0);
            static IntPtr StaticLocal() => L.mmap(IntPtr.Zero, 4096, 3, L.MAP_SHARED | L.MAP_ANONYMOUS, -1, 0);
            _ = Local(0x22 | L.MAP_FIXED);
            _ = StaticLocal();
            Func<int, IntPtr> f2 = delegate (int x) { return L.mmap(IntPtr.Zero, 4096, x, 0x22, -1, 0); };
            _ = f2(1);
        }

        public async Task<IntPtr> Async()
        {
            await Task.Yield();
            return L.mmap(IntPtr.Zero, 4096, 3, L.MAP_SHARED | L.MAP_ANONYMOUS, -1, 0);
        }

        public async IAsyncEnumerable<IntPtr> AsyncIterator()
        {
            await Task.Yield();
            yield return L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 1);
        }

        public IEnumerable<IntPtr> Iterator()
        {
            yield return L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
            yield return L.mmap(IntPtr.Zero, 4096, 3, 0x2, -1, 0);
        }

        public object Patterns(object o)
        {
            if (o is int n && L.mmap(IntPtr.Zero, (nuint)n, 3, 0x22 | 0x10, -1, 0) is var p && p != IntPtr.Zero) return p;
            switch (o)
            {
                case string s when L.mmap(IntPtr.Zero, 4096, 1, 0x22, -1, 0) == new IntPtr(-1): return s;
                case long l: return L.mmap(IntPtr.Zero, (nuint)l, 3, 0x22, -1, l);
            }
            var q = from i in Enumerable.Range(0, 3) let m = L.mmap(IntPtr.Zero, 4096, 3, i == 0 ? 0x22 : 0x21, -1, 0) where m != IntPtr.Zero select m;
            string text = $"{L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0):x} {(o is null ? L.mmap(IntPtr.Zero, 1, 4, 0x22, -1, 0) : 0)}";
            var init = new Holder { P = L.mmap(IntPtr.Zero, 4096, 3, 0x1022, -1, 0) };
            var tuple = (L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0), L.mmap(IntPtr.Zero, 4096, 3, 0x32, -1, 0));
            IntPtr[] arr = { L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0) };
            IntPtr r = o as IntPtr? ?? L.mmap(IntPtr.Zero, 4096, 3, 0x22 | 0x8000, -1, 0);
            try { throw new Exception(L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0).ToString()); }
            catch (Exception) when (L.mmap(IntPtr.Zero, 4096, 3, 0x20, -1, 0) == IntPtr.Zero) { }
            finally { _ = checked(L.mmap(IntPtr.Zero, unchecked((nuint)(-1)), 3, 0x22, -1, 0)); }
            lock (this) { using (var d = (IDisposable?)null) { _ = L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0); } }
            return (q, text, init, tuple, arr, r);
        }

        private sealed class Holder { public IntPtr P; }
    }

    public record R(IntPtr P)
    {
        public IntPtr Q { get; init; } = L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
        public static R Make() => new(L.mmap(IntPtr.Zero, 4096, 3, 1 | 0x20, -1, 0)) { Q = L.mmap(default, default, default, default, default, default) };
    }

    public struct S
    {
        public S() { }
        public IntPtr F = L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
    }

    public interface I
    {
        static IntPtr Default() => L.mmap(IntPtr.Zero, 4096, 3, 0x22 | 0x10, -1, 0);
        IntPtr M() => L.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
    }
}
