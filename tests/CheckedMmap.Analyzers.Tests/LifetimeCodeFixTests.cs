using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.CodeFixes;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>The MMAP008 and MMAP009 code fixes: one fix and Fix All, each leaving code that compiles with no new diagnostic.</summary>
public class LifetimeCodeFixTests
{
    private const string Binding = """
        using System;
        using System.Runtime.InteropServices;

        public static unsafe class Native
        {
            public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            [DllImport("libc", SetLastError = true)]
            public static extern int munmap(IntPtr addr, UIntPtr length);
        }
        """;

    [Fact]
    public Task A_length_held_in_a_local_for_the_call_is_fixed_where_the_local_gets_it() => new LifetimeCodeFixTest<MunmapLengthCodeFix>("""
        using System;
        using static Libc;

        static class Pages
        {
            static void Half()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                nuint half = 4096;
                [|munmap(p, half)|];
            }

            static void Shared()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                nuint page = 4096;
                Console.WriteLine(page);
                [|munmap(p, page)|];
            }
        }
        """, """
        using System;
        using static Libc;

        static class Pages
        {
            static void Half()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                nuint half = 8192;
                munmap(p, half);
            }

            static void Shared()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                nuint page = 4096;
                Console.WriteLine(page);
                munmap(p, 8192);
            }
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task A_wrong_length_becomes_the_mapping_length_in_every_munmap() => new LifetimeCodeFixTest<MunmapLengthCodeFix>("""
        using System;
        using static Libc;

        sealed class Ring : IDisposable
        {
            private const int Size = 1 << 16;
            private readonly IntPtr _base;

            public Ring()
            {
                _base = mmap(IntPtr.Zero, (UIntPtr)Size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (_base == new IntPtr(-1)) throw new OutOfMemoryException();
            }

            public void Dispose() => [|munmap(_base, (UIntPtr)4096)|];

            public void Close() => [|munmap(_base, UIntPtr.Zero)|];

            static void Local(nuint n)
            {
                const int Length = 8192;
                IntPtr p = mmap(IntPtr.Zero, Length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                [|munmap(p, (UIntPtr)4096)|];
            }
        }
        """, """
        using System;
        using static Libc;

        sealed class Ring : IDisposable
        {
            private const int Size = 1 << 16;
            private readonly IntPtr _base;

            public Ring()
            {
                _base = mmap(IntPtr.Zero, (UIntPtr)Size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (_base == new IntPtr(-1)) throw new OutOfMemoryException();
            }

            public void Dispose() => munmap(_base, (UIntPtr)Size);

            public void Close() => munmap(_base, (UIntPtr)Size);

            static void Local(nuint n)
            {
                const int Length = 8192;
                IntPtr p = mmap(IntPtr.Zero, Length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                munmap(p, Length);
            }
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task No_length_fix_when_the_mapping_length_is_out_of_scope_or_written_again() => new LifetimeCodeFixTest<MunmapLengthCodeFix>("""
        using System;
        using static Libc;

        static class C
        {
            static IntPtr Map()
            {
                nuint length = 8192;
                return mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
            }

            static void Reused()
            {
                nuint length = 8192;
                IntPtr p = mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                length = 4096;
                [|munmap(p, length)|];
            }
        }
        """, """
        using System;
        using static Libc;

        static class C
        {
            static IntPtr Map()
            {
                nuint length = 8192;
                return mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
            }

            static void Reused()
            {
                nuint length = 8192;
                IntPtr p = mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                length = 4096;
                [|munmap(p, length)|];
            }
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task No_length_fix_when_the_mapping_is_unmapped_in_pieces()
    {
        const string Source = """
        using System;
        using static Libc;

        static class C
        {
            static void Pieces()
            {
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                [|munmap(p + 4096, (UIntPtr)4096)|];
                [|munmap(p, (UIntPtr)4096)|];
            }

            static void PiecesThroughALocal()
            {
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)12288, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                [|munmap(p, (UIntPtr)4096)|];
                IntPtr q = p + 4096;
                [|munmap(q, (UIntPtr)8192)|];
            }
        }
        """;
        return new LifetimeCodeFixTest<MunmapLengthCodeFix>(Source, Source).WithSource(Sources.Libc).RunAsync();
    }

    [Fact]
    public Task NULL_comparisons_become_MAP_FAILED_comparisons_in_the_file_own_idiom() => new LifetimeCodeFixTest<FailureCheckCodeFix>("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe class C
        {
            [DllImport("libc")] static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", EntryPoint = "mmap")] static extern void* mmapP(void* addr, nuint length, int prot, int flags, int fd, long offset);

            static void M()
            {
                IntPtr a = Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if ({|MMAP009:a == IntPtr.Zero|}) return;
                nint b = mmap(0, 4096, 3, 0x22, -1, 0);
                if ({|MMAP009:b == 0|}) return;
                nint b2 = mmap(0, 4096, 3, 0x22, -1, 0);
                if ({|MMAP009:b2.ToInt64() == 0|}) return;
                byte* c = (byte*)mmap(0, 4096, 3, 0x22, -1, 0);
                if ({|MMAP009:c == null|}) return;
                void* d = mmapP(null, 4096, 3, 0x22, -1, 0);
                if ({|MMAP009:d is null|}) return;
                void* d2 = mmapP(null, 4096, 3, 0x22, -1, 0);
                if ({|MMAP009:d2 is not null|}) d2 = null;
                nint e = mmap(0, 4096, 3, 0x22, -1, 0);
                if ({|MMAP009:IntPtr.Zero != e|}) e = 0;
            }
        }
        """, """
        using System;
        using System.Runtime.InteropServices;

        static unsafe class C
        {
            [DllImport("libc")] static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", EntryPoint = "mmap")] static extern void* mmapP(void* addr, nuint length, int prot, int flags, int fd, long offset);

            static void M()
            {
                IntPtr a = Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (a == Native.MAP_FAILED) return;
                nint b = mmap(0, 4096, 3, 0x22, -1, 0);
                if (b == -1) return;
                nint b2 = mmap(0, 4096, 3, 0x22, -1, 0);
                if (b2.ToInt64() == -1) return;
                byte* c = (byte*)mmap(0, 4096, 3, 0x22, -1, 0);
                if (c == (byte*)(-1)) return;
                void* d = mmapP(null, 4096, 3, 0x22, -1, 0);
                if (d == (void*)(-1)) return;
                void* d2 = mmapP(null, 4096, 3, 0x22, -1, 0);
                if (d2 != (void*)(-1)) d2 = null;
                nint e = mmap(0, 4096, 3, 0x22, -1, 0);
                if (new IntPtr(-1) != e) e = 0;
            }
        }
        """).WithSource(Binding).RunAsync();

    [Fact]
    public Task A_MAP_FAILED_the_file_sees_through_using_static_is_written_bare() => new LifetimeCodeFixTest<FailureCheckCodeFix>("""
        using System;
        using System.Runtime.InteropServices;
        using static Consts;

        static class Consts
        {
            public static readonly nint MAP_FAILED = -1;
        }

        static class Sys
        {
            [DllImport("libc", EntryPoint = "mmap")] public static extern nint Map(nint addr, nuint length, int prot, int flags, int fd, long offset);
        }

        static class C
        {
            static void M()
            {
                nint p = Sys.Map(0, 4096, 3, 0x22, -1, 0);
                if ({|MMAP009:p == 0|}) throw new OutOfMemoryException();
            }
        }
        """, """
        using System;
        using System.Runtime.InteropServices;
        using static Consts;

        static class Consts
        {
            public static readonly nint MAP_FAILED = -1;
        }

        static class Sys
        {
            [DllImport("libc", EntryPoint = "mmap")] public static extern nint Map(nint addr, nuint length, int prot, int flags, int fd, long offset);
        }

        static class C
        {
            static void M()
            {
                nint p = Sys.Map(0, 4096, 3, 0x22, -1, 0);
                if (p == MAP_FAILED) throw new OutOfMemoryException();
            }
        }
        """).RunAsync();

    [Fact]
    public Task A_local_with_other_values_a_later_local_or_a_field_gets_the_argument_fixed() => new LifetimeCodeFixTest<MunmapLengthCodeFix>("""
        using System;
        using static Libc;

        static class Pages
        {
            private const uint Chunk = 4096;
            private static readonly nuint Size = 8192;

            static void OnSomePaths(bool small)
            {
                IntPtr p = mmap(IntPtr.Zero, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                nuint length = 4096;
                if (small) length = 8192;
                [|munmap(p, length)|];
                Console.WriteLine(length);
            }

            static void DeclaredLater()
            {
                nuint half = 4096;
                nuint size = 8192;
                IntPtr p = mmap(IntPtr.Zero, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                [|munmap(p, half)|];
                Console.WriteLine(half);
            }

            static void Field()
            {
                IntPtr p = mmap(IntPtr.Zero, Size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                [|munmap(p, Chunk)|];
            }
        }
        """, """
        using System;
        using static Libc;

        static class Pages
        {
            private const uint Chunk = 4096;
            private static readonly nuint Size = 8192;

            static void OnSomePaths(bool small)
            {
                IntPtr p = mmap(IntPtr.Zero, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                nuint length = 4096;
                if (small) length = 8192;
                munmap(p, 16384);
                Console.WriteLine(length);
            }

            static void DeclaredLater()
            {
                nuint half = 4096;
                nuint size = 8192;
                IntPtr p = mmap(IntPtr.Zero, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                munmap(p, size);
                Console.WriteLine(half);
            }

            static void Field()
            {
                IntPtr p = mmap(IntPtr.Zero, Size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                munmap(p, Size);
            }
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task A_var_local_keeps_its_type_and_a_private_field_takes_only_a_constant()
    {
        var test = new LifetimeCodeFixTest<MunmapLengthCodeFix>("""
        using System;
        using static Libc;

        static class Pages
        {
            private static readonly nuint Half = 4096;

            static void Typed()
            {
                IntPtr p = mmap(IntPtr.Zero, (nuint)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                var half = (nuint)4096;
                [|munmap(p, half)|];
            }

            static void Untyped()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                var half = (nuint)4096;
                [|munmap(p, half)|];
            }

            static void Field()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                [|munmap(p, Half)|];
            }
        }
        """, """
        using System;
        using static Libc;

        static class Pages
        {
            private static readonly nuint Half = 8192;

            static void Typed()
            {
                IntPtr p = mmap(IntPtr.Zero, (nuint)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                var half = (nuint)8192;
                munmap(p, half);
            }

            static void Untyped()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                var half = (nuint)4096;
                munmap(p, 8192);
            }

            static void Field()
            {
                IntPtr p = mmap(IntPtr.Zero, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                munmap(p, Half);
            }
        }
        """).WithSource(Sources.Libc);

        // 8192 is an int: written into `var half` it would make half an int, which munmap does not take. The argument is
        // fixed instead, and the local is left for its author to remove.
        test.FixedState.ExpectedDiagnostics.Add(Microsoft.CodeAnalysis.Testing.DiagnosticResult.CompilerWarning("CS0219").WithSpan(20, 13, 20, 17).WithArguments("half"));
        return test.RunAsync();
    }
}
