using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.LifetimeAnalyzerTest;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP008: a munmap that cannot release exactly one whole mapping, and the shapes that must stay silent.</summary>
public class MMAP008WholeMappingMunmapTests
{
    private const string Map8192 = "IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);\n";

    private static DiagnosticResult At(int marker, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(marker).WithArguments(arguments).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    // ---- lengths ----

    [Fact]
    public Task A_shorter_length_is_a_partial_munmap_with_both_lengths_and_the_line() => LibcAsync(
        Map8192 + """
                if (p == new IntPtr(-1)) return;
                {|#0:munmap(p, (UIntPtr)4096)|};
        """,
        At(0, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 9"));

    [Fact]
    public Task Releasing_a_mapping_page_by_page_in_a_loop_is_a_partial_munmap() => LibcAsync(
        """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                for (int i = 0; i < 4; i++)
                {
                    {|#0:munmap(p, (UIntPtr)4096)|};
                    p += 4096;
                }

                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (q == new IntPtr(-1)) return;
                for (int i = 0; i < 4; i++)
                {
                    {|#1:munmap(q + i * 4096, (UIntPtr)4096)|};
                }

                IntPtr r = mmap(IntPtr.Zero, (UIntPtr)16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (r == new IntPtr(-1)) return;
                IntPtr at = unknown > 0 ? r + 4096 : r;
                munmap(at, (UIntPtr)16384); // whole when at is r: not always wrong
        """,
        At(0, WholeMappingMunmapRule.WrongLength, "4096", "16384", "line 9"),
        At(1, WholeMappingMunmapRule.WrongLength, "4096", "16384", "line 17"));

    [Fact]
    public Task A_mapping_or_length_passed_by_in_is_still_followed_and_a_mapping_passed_by_ref_is_not() => LibcAsync(
        Map8192 + """
                if (p == new IntPtr(-1)) return;
                UIntPtr half = (UIntPtr)4096;
                Inspect(in p, in half);
                {|#0:munmap(p, half)|};
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (q == new IntPtr(-1)) return;
                Replace(ref q);
                munmap(q, (UIntPtr)4096);

                static void Inspect(in IntPtr mapping, in UIntPtr length) { }
                static void Replace(ref IntPtr mapping) => mapping = IntPtr.Zero;
        """,
        At(0, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 9"));

    [Fact]
    public Task Locals_written_by_a_tuple_assignment_are_not_followed() => LibcAsync(
        """
                IntPtr a = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                IntPtr b = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (a == new IntPtr(-1) || b == new IntPtr(-1)) return;
                (a, b) = (b, a);
                munmap(a, (UIntPtr)8192);
                munmap(b, (UIntPtr)4096);
                UIntPtr length = (UIntPtr)4096;
                IntPtr c = mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (c == new IntPtr(-1)) return;
                munmap(c, length);
                (c, length) = (mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero), (UIntPtr)8192);
                if (c == new IntPtr(-1)) return;
                munmap(c, length);
                IntPtr d = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (d == new IntPtr(-1)) return;
                (IntPtr e, int n) = (d, 1);
                {|#0:munmap(d, (UIntPtr)4096)|};
        """,
        At(0, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 22"));

    [Fact]
    public Task Lengths_written_in_checked_or_unchecked_are_followed() => LibcAsync(
        """
                IntPtr p = mmap(IntPtr.Zero, unchecked((UIntPtr)8192), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                {|#0:munmap(p, checked((UIntPtr)4096))|};
        """,
        At(0, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 9"));

    [Fact]
    public Task Lengths_divided_or_taken_modulo_are_evaluated() => LibcAsync(
        """
                nuint total = 1 << 16;
                IntPtr p = mmap(IntPtr.Zero, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                {|#0:munmap(p, total / 2)|};
                IntPtr q = mmap(IntPtr.Zero, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (q == new IntPtr(-1)) return;
                {|#1:munmap(q, total % 40000)|};
                nuint zero = 0;
                IntPtr r = mmap(IntPtr.Zero, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (r == new IntPtr(-1)) return;
                munmap(r, total / zero);
                long minimum = long.MinValue, minusOne = -1;
                IntPtr s = mmap(IntPtr.Zero, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (s == new IntPtr(-1)) return;
                munmap(s, (UIntPtr)(minimum / minusOne));
        """,
        At(0, WholeMappingMunmapRule.WrongLength, "32768", "65536", "line 10"),
        At(1, WholeMappingMunmapRule.WrongLength, "25536", "65536", "line 13"));

    [Fact]
    public Task A_longer_length_is_reported_too() => LibcAsync(
        """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#0:munmap(p, (UIntPtr)(2 * 4096))|};
        """,
        At(0, WholeMappingMunmapRule.LongerLength, "8192", "4096", "line 9"));

    [Fact]
    public Task Lengths_that_round_to_the_same_pages_are_fine() => LibcAsync(
        """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)5000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                munmap(p, (UIntPtr)8192);
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                munmap(q, (UIntPtr)8192);
        """);

    [Fact]
    public Task Unknown_lengths_are_never_reported() => LibcAsync(
        """
                IntPtr p = mmap(IntPtr.Zero, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                munmap(p, (UIntPtr)4096);
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                munmap(q, size);
        """);

    [Fact]
    public Task Lengths_held_in_const_locals_and_locals_are_evaluated() => LibcAsync(
        """
                const int Mapped = 16384;
                nuint half = Mapped / 2;
                IntPtr p = mmap(IntPtr.Zero, Mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                {|#0:munmap(p, half)|};
        """,
        At(0, WholeMappingMunmapRule.WrongLength, "8192", "16384", "line 11"));

    [Fact]
    public Task A_const_field_mapped_in_the_constructor_and_4096_unmapped_in_Dispose() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        sealed class Buffer : IDisposable
        {
            private const int Size = 1 << 20;
            private readonly IntPtr _base;

            public Buffer()
            {
                _base = mmap(IntPtr.Zero, (UIntPtr)Size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (_base == new IntPtr(-1)) throw new OutOfMemoryException();
            }

            public void Dispose() => {|#0:munmap(_base, (UIntPtr)4096)|};
        }
        """).WithSource(Sources.Libc).Expect(At(0, WholeMappingMunmapRule.WrongLength, "4096", "1048576", "line 11")).RunAsync();

    [Fact]
    public Task A_file_that_never_maps_is_judged_too_a_partial_type_mapped_elsewhere_and_memory_that_is_no_mapping()
    {
        var test = new LifetimeAnalyzerTest("""
            using System;
            using static Libc;

            sealed partial class Buffer
            {
                private const int Size = 1 << 20;
                private readonly IntPtr _base;

                public Buffer()
                {
                    _base = mmap(IntPtr.Zero, (UIntPtr)Size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                    if (_base == new IntPtr(-1)) throw new OutOfMemoryException();
                }
            }
            """);
        test.TestState.Sources.Add(("/Buffer.Dispose.cs", """
            using System;
            using System.Runtime.InteropServices;
            using static Libc;

            sealed partial class Buffer : IDisposable
            {
                public void Dispose() => {|#0:munmap(_base, (UIntPtr)4096)|};

                public static void Scratch()
                {
                    IntPtr h = Marshal.AllocHGlobal(4096);
                    {|#1:munmap(h, (UIntPtr)4096)|};
                }
            }
            """));
        return test.WithSource(Sources.Libc).Expect(
            At(0, WholeMappingMunmapRule.WrongLength, "4096", "1048576", "Test0.cs line 11"),
            At(1, WholeMappingMunmapRule.NotMapping, "Marshal.AllocHGlobal")).RunAsync();
    }

    [Fact]
    public Task A_field_assigned_from_a_checked_local_counts_as_the_mapping() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        sealed class Buffer : IDisposable
        {
            private IntPtr _base;

            public void Open()
            {
                IntPtr mapped = mmap(IntPtr.Zero, (UIntPtr)65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (mapped == new IntPtr(-1)) throw new OutOfMemoryException();
                _base = mapped;
            }

            public void Dispose()
            {
                if (_base != IntPtr.Zero)
                {
                    {|#0:munmap(_base, (UIntPtr)4096)|};
                    _base = IntPtr.Zero;
                }
            }
        }
        """).WithSource(Sources.Libc).Expect(At(0, WholeMappingMunmapRule.WrongLength, "4096", "65536", "line 10")).RunAsync();

    [Fact]
    public Task A_field_also_assigned_something_else_is_unknown() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        sealed class Buffer
        {
            private IntPtr _base;

            public void Open() => _base = mmap(IntPtr.Zero, (UIntPtr)65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);

            public void Adopt(IntPtr other) => _base = other;

            public void Close() => munmap(_base, (UIntPtr)4096);
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task A_field_assigned_from_a_local_written_again_in_its_member_is_unknown() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        sealed class Buffer
        {
            private IntPtr _base;

            public void Open()
            {
                IntPtr first = mmap(IntPtr.Zero, (UIntPtr)65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                _base = first;
                IntPtr second = mmap(IntPtr.Zero, (UIntPtr)65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                second += 4096;
                _base = second;
            }

            public void Close() => munmap(_base, (UIntPtr)4096);
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task Fields_assigned_from_many_locals_of_one_member_are_each_judged() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        sealed class Buffers
        {
            private IntPtr _small, _large;

            public void Open()
            {
                IntPtr a = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                _small = a;
                IntPtr b = mmap(IntPtr.Zero, (UIntPtr)65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                _large = b;
            }

            public void Close()
            {
                munmap(_small, (UIntPtr)4096);
                {|#0:munmap(_large, (UIntPtr)4096)|};
            }
        }
        """).WithSource(Sources.Libc).Expect(At(0, WholeMappingMunmapRule.WrongLength, "4096", "65536", "line 12")).RunAsync();

    // ---- zero length ----

    [Fact]
    public Task A_zero_length_is_reported_whatever_the_address() => LibcAsync(
        Map8192 + """
                {|#0:munmap(p, UIntPtr.Zero)|};
                {|#1:munmap(IntPtr.Zero + unknown, (UIntPtr)0)|};
        """,
        At(0, WholeMappingMunmapRule.ZeroLength, " of the mapping made at line 9"),
        At(1, WholeMappingMunmapRule.ZeroLength, ""));

    // ---- interior addresses ----

    [Fact]
    public Task Base_plus_an_offset_is_reported_with_the_offset() => Libc(
        Map8192 + """
                {|#0:munmap(p + 4096, (UIntPtr)4096)|};
                {|#1:munmap(IntPtr.Add(p, 4096), (UIntPtr)4096)|};
                byte* cursor = (byte*)p;
                cursor += 16;
                {|#2:munmap((IntPtr)cursor, (UIntPtr)8192)|};
                int* words = (int*)p;
                words++;
                {|#3:munmap((IntPtr)words, (UIntPtr)8192)|};
                Page* page = (Page*)p;
                page++;
                {|#4:munmap((IntPtr)page, (UIntPtr)8192)|};
                munmap(p + unknown, (UIntPtr)8192);
        """, "struct Page { public fixed byte Bytes[4096]; }").Expect(
        At(0, WholeMappingMunmapRule.Interior, "4096 bytes", "line 9"),
        At(1, WholeMappingMunmapRule.Interior, "4096 bytes", "line 9"),
        At(2, WholeMappingMunmapRule.Interior, "16 bytes", "line 9"),
        At(3, WholeMappingMunmapRule.Interior, "4 bytes", "line 9"),
        At(4, WholeMappingMunmapRule.Interior, "an address", "line 9")).RunAsync();

    [Fact]
    public Task A_pointer_moved_back_to_the_base_is_fine() => LibcAsync(
        Map8192 + """
                byte* cursor = (byte*)p;
                cursor += 16;
                cursor -= 16;
                munmap((IntPtr)cursor, (UIntPtr)8192);
        """);

    // ---- memory that is not a mapping ----

    [Fact]
    public Task Memory_from_elsewhere_is_reported_with_where_it_came_from() => LibcAsync(
        """
                IntPtr mapped = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                IntPtr h = Marshal.AllocHGlobal(4096);
                {|#0:munmap(h, (UIntPtr)4096)|};
                void* n = NativeMemory.Alloc(4096);
                {|#1:munmap((IntPtr)n, (UIntPtr)4096)|};
                void* z = NativeMemory.AllocZeroed(4096);
                {|#2:munmap((IntPtr)z, (UIntPtr)4096)|};
                void* a = NativeMemory.AlignedAlloc(4096, 4096);
                {|#3:munmap((IntPtr)a, (UIntPtr)4096)|};
                byte* s = stackalloc byte[64];
                {|#4:munmap((IntPtr)s, (UIntPtr)4096)|};
                int local = 0;
                {|#5:munmap((IntPtr)(&local), (UIntPtr)4096)|};
                byte[] array = new byte[4096];
                fixed (byte* f = array)
                {
                    {|#6:munmap((IntPtr)f, (UIntPtr)4096)|};
                }
                Span<byte> onStack = stackalloc byte[64];
                fixed (byte* g = onStack)
                {
                    munmap((IntPtr)g, (UIntPtr)4096); // a Span may wrap any memory: not judged
                }

                GCHandle pin = GCHandle.Alloc(array, GCHandleType.Pinned);
                {|#7:munmap(pin.AddrOfPinnedObject(), (UIntPtr)4096)|};
        """,
        At(0, WholeMappingMunmapRule.NotMapping, "Marshal.AllocHGlobal"),
        At(1, WholeMappingMunmapRule.NotMapping, "NativeMemory.Alloc"),
        At(2, WholeMappingMunmapRule.NotMapping, "NativeMemory.AllocZeroed"),
        At(3, WholeMappingMunmapRule.NotMapping, "NativeMemory.AlignedAlloc"),
        At(4, WholeMappingMunmapRule.NotMapping, "stackalloc"),
        At(5, WholeMappingMunmapRule.NotMapping, "the address of a variable (&)"),
        At(6, WholeMappingMunmapRule.NotMapping, "a fixed statement (pinned managed memory)"),
        At(7, WholeMappingMunmapRule.NotMapping, "GCHandle.AddrOfPinnedObject (pinned managed memory)"));

    // ---- twice ----

    [Fact]
    public Task The_second_munmap_on_one_path_is_reported() => LibcAsync(
        Map8192 + """
                munmap(p, (UIntPtr)8192);
                if (condition)
                {
                    {|#0:munmap(p, (UIntPtr)8192)|};
                }
        """,
        At(0, WholeMappingMunmapRule.Twice, "line 9", "line 10"));

    [Fact]
    public Task A_retry_on_the_branch_where_munmap_failed_is_no_second_munmap_but_one_where_it_succeeded_is() => LibcAsync(
        Map8192 + """
                if (munmap(p, (UIntPtr)8192) != 0) munmap(p, (UIntPtr)8192);
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                int rc = munmap(q, (UIntPtr)8192);
                if (rc == -1) munmap(q, (UIntPtr)8192);
                IntPtr r = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                while (munmap(r, (UIntPtr)8192) < 0) { }
                IntPtr s = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                for (int i = 0; i < 3; i++)
                {
                    if (munmap(s, (UIntPtr)8192) == 0) break;
                }

                IntPtr t = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (munmap(t, (UIntPtr)8192) == 0) {|#0:munmap(t, (UIntPtr)8192)|};
                IntPtr u = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (munmap(u, (UIntPtr)8192) != 5) {|#1:munmap(u, (UIntPtr)8192)|};
        """,
        At(0, WholeMappingMunmapRule.Twice, "line 22", "line 23, column 13"),
        At(1, WholeMappingMunmapRule.Twice, "line 24", "line 25, column 13"));

    [Fact]
    public Task A_retry_is_understood_in_bodies_the_graph_walks_too_and_a_wrapper_result_proves_nothing() => Libc(
        """
                switch (unknown) { case 1: Console.WriteLine(); break; }
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                int rc = munmap(q, (UIntPtr)8192);
                if (rc == -1) munmap(q, (UIntPtr)8192);
                IntPtr r = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (Free(r, (UIntPtr)8192) != false) {|#0:Free(r, (UIntPtr)8192)|};
        """,
        """
            static bool Free(IntPtr p, UIntPtr n) => munmap(p, n) == 0;
        """).Expect(At(0, WholeMappingMunmapRule.Twice, "line 13", "line 14, column 13")).RunAsync();

    [Fact]
    public Task Patterns_and_results_assigned_in_a_retry_loop_tell_a_failed_munmap_too() => LibcAsync(
        """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (munmap(p, (UIntPtr)8192) is -1) munmap(p, (UIntPtr)8192);
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (munmap(q, (UIntPtr)8192) is not 0) munmap(q, (UIntPtr)8192);
                IntPtr r = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                int rc;
                do
                {
                    rc = munmap(r, (UIntPtr)8192);
                }
                while (rc != 0 && unknown > 0);
                IntPtr t = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (munmap(t, (UIntPtr)8192) is 0 or 1) {|#0:munmap(t, (UIntPtr)8192)|};
        """,
        At(0, WholeMappingMunmapRule.Twice, "line 20", "line 21, column 13"));

    [Fact]
    public Task A_pointer_stepped_forward_in_a_loop_and_back_may_be_at_the_start_again() => LibcAsync(
        """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                for (int i = 0; i < 8; i++) p += 4096;
                p -= 8 * 4096;
                munmap(p, (UIntPtr)65536);
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (q == new IntPtr(-1)) return;
                for (int i = 0; i < unknown; i++) q += 4096;
                q += 4096;
                {|#0:munmap(q, (UIntPtr)65536)|};
        """,
        new DiagnosticResult(WholeMappingMunmapRule.Interior).WithLocation(0).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations).WithArguments("an address", "line 14"));

    [Fact]
    public Task An_alias_of_the_mapping_unmapped_again_is_reported() => LibcAsync(
        Map8192 + """
                nint alias = p;
                munmap(p, (UIntPtr)8192);
                {|#0:munmap(alias, (UIntPtr)8192)|};
        """,
        At(0, WholeMappingMunmapRule.Twice, "line 9", "line 11"));

    [Fact]
    public Task Unmapping_on_two_branches_is_fine() => LibcAsync(
        Map8192 + """
                if (condition)
                {
                    munmap(p, (UIntPtr)8192);
                }
                else
                {
                    munmap(p, (UIntPtr)8192);
                }
        """);

    [Fact]
    public Task A_new_mapping_between_two_munmaps_is_fine() => LibcAsync(
        Map8192 + """
                munmap(p, (UIntPtr)8192);
                p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                munmap(p, (UIntPtr)8192);
                for (int i = 0; i < unknown; i++)
                {
                    IntPtr chunk = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                    munmap(chunk, (UIntPtr)8192);
                }
        """);

    [Fact]
    public Task A_munmap_in_a_loop_without_a_new_mapping_is_reported() => LibcAsync(
        Map8192 + """
                for (int i = 0; i < unknown; i++)
                {
                    {|#0:munmap(p, (UIntPtr)8192)|};
                }
        """,
        At(0, WholeMappingMunmapRule.Twice, "line 9", "this munmap, in an earlier pass of its loop"));

    [Fact]
    public Task A_field_reset_between_munmaps_is_fine_and_a_guarded_second_munmap_too() => LibcAsync(
        Map8192 + """
                munmap(p, (UIntPtr)8192);
                p = IntPtr.Zero;
                if (p != IntPtr.Zero) munmap(p, (UIntPtr)8192);
        """);

    // ---- paths that correlate through a bool ----

    [Fact]
    public Task A_flag_set_where_the_mapping_is_unmapped_guards_the_second_munmap() => LibcAsync(
        Map8192 + """
                bool freed = false;
                if (condition) { munmap(p, (UIntPtr)8192); freed = true; }
                if (!freed) munmap(p, (UIntPtr)8192);
        """);

    [Fact]
    public Task The_same_bool_tested_twice_takes_one_branch_or_the_other() => LibcAsync(
        Map8192 + """
                if (condition) munmap(p, (UIntPtr)8192);
                Console.WriteLine("work");
                if (condition == false) munmap(p, (UIntPtr)8192);
        """);

    [Fact]
    public Task A_flag_in_a_loop_body_guards_too() => LibcAsync("""
                for (int i = 0; i < unknown; i++)
                {
                    IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                    if (p == (IntPtr)(-1)) return;
                    bool freed = false;
                    if (condition) { munmap(p, (UIntPtr)8192); freed = true; }
                    if (freed is false) munmap(p, (UIntPtr)8192);
                }
        """);

    [Fact]
    public Task A_flag_written_again_no_longer_guards() => LibcAsync(
        Map8192 + """
                bool freed = false;
                if (condition) { munmap(p, (UIntPtr)8192); freed = true; }
                freed = unknown > 0;
                if (!freed) {|#0:munmap(p, (UIntPtr)8192)|};
                bool again = false;
                if (condition) again = true;
                if (again) {|#1:munmap(p, (UIntPtr)8192)|};
        """,
        At(0, WholeMappingMunmapRule.Twice, "line 9", "line 11"),
        At(1, WholeMappingMunmapRule.Twice, "line 9", "line 11"));
}
