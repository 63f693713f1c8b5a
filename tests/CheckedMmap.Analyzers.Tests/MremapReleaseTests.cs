using System.Threading.Tasks;
using CheckedMmap.Analyzers.Lifetime;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// MMAP008 after mremap: a successful mremap releases the old mapping (Miri and the checked runtime always move it), so a
/// later munmap of the old address on that path frees it twice; the branch that finds mremap's result to be MAP_FAILED
/// keeps the old mapping. Each shape runs over the operation tree and over the control flow graph (a loop that runs
/// nothing forces the graph).
/// </summary>
public class MremapReleaseTests
{
    private static string Source(string body, bool graph) => $$"""
        using System;
        using System.Runtime.InteropServices;

        unsafe class C
        {
            const int Small = 4096, Big = 4 * 4096, MREMAP_MAYMOVE = 1;
            static readonly IntPtr MAP_FAILED = new IntPtr(-1);
            IntPtr _base;

            [DllImport("libc", SetLastError = true)] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", SetLastError = true)] static extern int munmap(IntPtr addr, nuint length);
            [DllImport("libc", SetLastError = true)] static extern IntPtr mremap(IntPtr old, nuint oldSize, nuint newSize, int flags);

            void M(bool condition)
            {
                {{(graph ? "for (int spin = 0; spin < 0; spin++) { }" : string.Empty)}}
                IntPtr p = mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);
                if (p == MAP_FAILED) return;
        {{body}}
            }
        }
        """;

    private static Task RunAsync(string body, bool graph, params DiagnosticResult[] expected) =>
        new LifetimeAnalyzerTest(Source(body, graph)).Expect(expected).RunAsync();

    private static DiagnosticResult Released(string mremapLine) =>
        new DiagnosticResult(WholeMappingMunmapRule.ReleasedByMremap).WithLocation(0).WithArguments("line 17", mremapLine)
            .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Unmapping_the_old_address_after_a_successful_mremap_is_reported(bool graph) => RunAsync(
        """
                IntPtr q = mremap(p, Small, Big, MREMAP_MAYMOVE);
                if (q == MAP_FAILED) return;
                {|#0:munmap(p, Small)|};
                munmap(q, Big);
        """,
        graph,
        Released("line 19"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task The_old_mapping_is_kept_where_mremap_failed(bool graph) => RunAsync(
        """
                IntPtr q = mremap(p, Small, Big, MREMAP_MAYMOVE);
                if (q == MAP_FAILED) { munmap(p, Small); return; }
                munmap(q, Big);
                IntPtr r = mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);
                if (r == MAP_FAILED) return;
                IntPtr s = mremap(r, Small, Big, MREMAP_MAYMOVE);
                if (s != MAP_FAILED) munmap(s, Big); else munmap(r, Small);
                nint t = (nint)mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);
                if (t == -1) return;
                nint u = (nint)mremap(t, Small, Big, MREMAP_MAYMOVE);
                if (u is -1) { munmap(t, Small); return; }
                if (u is not -1) munmap(u, Big); else munmap(t, Small);
        """,
        graph);

    public static TheoryData<string, bool> FailureTests()
    {
        var data = new TheoryData<string, bool>();
        foreach (string test in new[]
        {
            "q == MAP_FAILED || q == IntPtr.Zero",
            "(long)q < 0",
            "q.ToInt64() <= -1",
            "(nint)q is -1 or 0",
            "(nint)q is < 0",
            "!(q != MAP_FAILED)",
            "q == MAP_FAILED && condition",
            "!(q != MAP_FAILED && q != IntPtr.Zero)",
        })
        {
            data.Add(test, false);
            data.Add(test, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FailureTests))]
    public Task Every_test_that_finds_mremap_failed_keeps_the_old_mapping(string failed, bool graph) => RunAsync(
        $$"""
                IntPtr q = mremap(p, Small, Big, MREMAP_MAYMOVE);
                if ({{failed}}) { munmap(p, Small); return; }
                munmap(q, Big);
        """,
        graph);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_bool_that_holds_the_test_keeps_the_old_mapping_where_it_says_mremap_failed(bool graph) => RunAsync(
        """
                IntPtr q = mremap(p, Small, Big, MREMAP_MAYMOVE);
                bool moved = q != MAP_FAILED;
                if (!moved) { munmap(p, Small); return; }
                munmap(q, Big);
                IntPtr r = mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);
                if (r == MAP_FAILED) return;
                IntPtr s = mremap(r, Small, Big, MREMAP_MAYMOVE);
                bool failed = s == MAP_FAILED;
                Console.WriteLine("grown");
                if (failed) munmap(r, Small); else munmap(s, Big);
        """,
        graph);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_bool_that_says_mremap_succeeded_or_was_written_again_proves_nothing(bool graph) => RunAsync(
        """
                IntPtr q = mremap(p, Small, Big, MREMAP_MAYMOVE);
                bool moved = q != MAP_FAILED;
                if (moved) { {|#0:munmap(p, Small)|}; return; }
                IntPtr r = mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);
                if (r == MAP_FAILED) return;
                IntPtr s = mremap(r, Small, Big, MREMAP_MAYMOVE);
                bool failed = s == MAP_FAILED;
                failed = condition;
                if (failed) {|#1:munmap(r, Small)|};
        """,
        graph,
        Released("line 19"),
        new DiagnosticResult(WholeMappingMunmapRule.ReleasedByMremap).WithLocation(1).WithArguments("line 22", "line 24")
            .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task An_mremap_that_cannot_move_or_keeps_the_old_range_releases_nothing(bool graph) => RunAsync(
        """
                IntPtr q = mremap(p, Small, Small / 2, 0);
                if (q == MAP_FAILED) return;
                munmap(p, Small / 2);
                IntPtr r = mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);
                if (r == MAP_FAILED) return;
                IntPtr s = mremap(r, Small, Small, MREMAP_MAYMOVE | 4);
                if (s == MAP_FAILED) return;
                munmap(s, Small);
                munmap(r, Small);
        """,
        graph);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task The_result_assigned_back_is_the_mapping_to_unmap(bool graph) => RunAsync(
        """
                IntPtr q = mremap(p, Small, Big, MREMAP_MAYMOVE);
                if (q == MAP_FAILED) return;
                p = q;
                munmap(p, Big);
                IntPtr t = mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);
                if (t == MAP_FAILED) return;
                t = mremap(t, Small, Big, MREMAP_MAYMOVE);
                if (t == MAP_FAILED) throw new InvalidOperationException();
                munmap(t, Big);
        """,
        graph);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_failure_that_throws_leaves_the_old_mapping_released_after_it(bool graph) => RunAsync(
        """
                IntPtr q = mremap(p, Small, Big, MREMAP_MAYMOVE);
                if (q == MAP_FAILED) throw new InvalidOperationException("mremap failed");
                munmap(q, Big);
                {|#0:munmap(p, Small)|};
        """,
        graph,
        Released("line 19"));

    [Fact]
    public Task A_field_remapped_and_then_unmapped_by_its_old_value_is_reported() => new LifetimeAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        unsafe class Buffer
        {
            const int Small = 4096, Big = 4 * 4096, MREMAP_MAYMOVE = 1;
            static readonly IntPtr MAP_FAILED = new IntPtr(-1);
            IntPtr _base = mmap(IntPtr.Zero, Small, 3, 0x22, -1, 0);

            [DllImport("libc", SetLastError = true)] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", SetLastError = true)] static extern int munmap(IntPtr addr, nuint length);
            [DllImport("libc", SetLastError = true)] static extern IntPtr mremap(IntPtr old, nuint oldSize, nuint newSize, int flags);

            IntPtr GrowAndForget()
            {
                IntPtr grown = mremap(_base, Small, Big, MREMAP_MAYMOVE);
                if (grown == MAP_FAILED) return IntPtr.Zero;
                {|#0:munmap(_base, Small)|};
                return grown;
            }

            void Grow()
            {
                IntPtr grown = mremap(_base, Small, Big, MREMAP_MAYMOVE);
                if (grown == MAP_FAILED) return;
                _base = grown;
                munmap(_base, Big);
            }
        }
        """).Expect(new DiagnosticResult(WholeMappingMunmapRule.ReleasedByMremap).WithLocation(0).WithArguments("line 8", "line 16")
            .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)).RunAsync();
}
