using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.LifetimeAnalyzerTest;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// The flow runs over the operation tree for bodies without goto, labels, try, switch or lambdas, and over the control
/// flow graph for the others: the same code must get the same diagnostics either way (a goto to the next statement
/// forces the graph).
/// </summary>
public class LifetimeFlowParityTests
{
    private const string Body = """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                IntPtr q = condition ? mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero) : p;
                if (condition && p == new IntPtr(-1)) return;
                {|#0:*(byte*)p|} = 1;
                if (p == IntPtr.Zero || p == new IntPtr(-1)) return;
                if (condition)
                {
                    munmap(p, (UIntPtr)8192);
                }
                else
                {
                    {|#1:munmap(p, (UIntPtr)4096)|};
                    throw new InvalidOperationException();
                }

                {|#2:munmap(p, (UIntPtr)8192)|};
                var r = condition ? 1 : 0;
                {|#3:munmap(p + r * 0 + 4096, (UIntPtr)4096)|};
                if ({|#4:q == IntPtr.Zero|}) return;
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Tree_walk_and_graph_agree(bool graph)
    {
        int first = graph ? 10 : 9;
        var expected = new[]
        {
            At(0, FailureCheckRule.UncheckedUse, "mmap", first.ToString()),
            At(1, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line " + first),
            At(2, WholeMappingMunmapRule.Twice, "line " + first, "line " + (first + 7)),
            At(3, WholeMappingMunmapRule.Interior, "4096 bytes", "line " + first),
            At(4, FailureCheckRule.NullCheck, "mmap", (first + 1).ToString()),
        };
        return Libc((graph ? ForceGraph : string.Empty) + Body).Expect(expected).RunAsync();
    }

    private const string Loops = """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                for (int i = 0; i < unknown; i++)
                {
                    if (i == 3) continue;
                    {|#0:munmap(p, (UIntPtr)8192)|};
                }

                IntPtr q;
                while (true)
                {
                    q = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                    if (q != new IntPtr(-1)) break;
                }

                *(byte*)q = 1;
                {|#1:munmap(q, (UIntPtr)8192)|};
                IntPtr r = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                do
                {
                    {|#2:*(byte*)r|} = 2;
                }
                while (condition);

                if (r == new IntPtr(-1)) return;
                foreach (int item in new[] { unknown, 1 })
                {
                    if (item == 0) break;
                    munmap(r, (UIntPtr)4096);
                    r = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                    if (r == new IntPtr(-1)) return;
                }

                munmap(r, (UIntPtr)4096);
                IntPtr s = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (s == new IntPtr(-1)) return;
                for (int j = 0; j < unknown; j++)
                {
                    if (j == unknown - 1)
                    {
                        munmap(s, (UIntPtr)4096);
                        break;
                    }
                }

                {|#3:munmap(s, (UIntPtr)4096)|};
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Loops_agree_in_both_walks(bool graph)
    {
        int first = graph ? 10 : 9;
        var expected = new[]
        {
            At(0, WholeMappingMunmapRule.Twice, "line " + first, "this munmap, in an earlier pass of its loop"),
            At(1, WholeMappingMunmapRule.LongerLength, "8192", "4096", "line " + (first + 11)),
            At(2, FailureCheckRule.UncheckedUse, "mmap", (first + 17).ToString()),
            At(3, WholeMappingMunmapRule.Twice, "line " + (first + 34), "line " + (first + 40)),
        };
        return Libc((graph ? ForceGraph : string.Empty) + Loops).Expect(expected).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_cursor_advanced_in_a_loop_settles_in_both_walks(bool graph)
    {
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                IntPtr cursor = p;
                for (int i = 0; i < unknown; i++)
                {
                    cursor = cursor + 4096;
                }

                munmap(cursor, (UIntPtr)8192);
                munmap(p, (UIntPtr)8192);
                {|#0:munmap(p, (UIntPtr)8192)|};
        """).Expect(At(0, WholeMappingMunmapRule.Twice, "line " + first, "line " + (first + 9))).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_for_without_a_condition_leaves_only_through_its_break(bool graph)
    {
        int first = graph ? 13 : 12;
        return Libc((graph ? ForceGraph : string.Empty) + """
                IntPtr q;
                for (;;)
                {
                    q = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                    if (q != new IntPtr(-1)) break;
                }

                *(byte*)q = 1;
                {|#0:munmap(q, (UIntPtr)8192)|};
        """).Expect(At(0, WholeMappingMunmapRule.LongerLength, "8192", "4096", "line " + first)).RunAsync();
    }

    [Fact]
    public Task Loops_nested_beyond_the_walks_budget_go_to_the_graph_and_report_once()
    {
        // Ten nested loops: their passes multiply past the tree walk's bound, which drops what it found and lets the
        // graph decide; each finding is still reported once.
        var body = new System.Text.StringBuilder();
        body.AppendLine("IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);");
        body.AppendLine("if (p == new IntPtr(-1)) return;");
        for (int i = 0; i < 10; i++)
        {
            body.AppendLine($"for (int i{i} = 0; i{i} < unknown; i{i}++) {{");
        }

        body.AppendLine("if (condition) { {|#0:munmap(p, (UIntPtr)8192)|}; }");
        body.AppendLine(new string('}', 10));
        body.AppendLine("{|#1:munmap(p, (UIntPtr)8192)|};");
        return Libc(body.ToString()).Expect(
            At(0, WholeMappingMunmapRule.Twice, "line 9", "this munmap, in an earlier pass of its loop"),
            At(1, WholeMappingMunmapRule.Twice, "line 9", "line 21")).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_join_names_the_first_arms_munmap_where_both_arms_unmapped(bool graph)
    {
        // The second arm unmaps everything the first did and more: the join must still name the first arm's munmap of p.
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1) || q == new IntPtr(-1)) return;
                if (condition)
                {
                    munmap(p, (UIntPtr)8192);
                }
                else
                {
                    munmap(q, (UIntPtr)4096);
                    munmap(p, (UIntPtr)8192);
                }

                {|#0:munmap(p, (UIntPtr)8192)|};
                {|#1:munmap(q, (UIntPtr)4096)|};
        """).Expect(
            At(0, WholeMappingMunmapRule.Twice, "line " + first, "line " + (first + 5)),
            At(1, WholeMappingMunmapRule.Twice, "line " + (first + 1), "line " + (first + 9))).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_join_keeps_what_only_one_arm_unmapped(bool graph)
    {
        // One arm unmaps, the other does nothing: the join is the unmapping arm's state, in either order of the arms.
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1) || q == new IntPtr(-1)) return;
                if (condition)
                {
                    munmap(p, (UIntPtr)8192);
                }

                if (!condition)
                {
                }
                else
                {
                    munmap(q, (UIntPtr)4096);
                }

                {|#0:munmap(p, (UIntPtr)8192)|};
                {|#1:munmap(q, (UIntPtr)4096)|};
        """).Expect(
            At(0, WholeMappingMunmapRule.Twice, "line " + first, "line " + (first + 5)),
            At(1, WholeMappingMunmapRule.Twice, "line " + (first + 1), "line " + (first + 13))).RunAsync();
    }

    [Theory]
    [InlineData("do { munmap(p, (UIntPtr)4096); } while (false);", false)]
    [InlineData("do { munmap(p, (UIntPtr)4096); } while (false);", true)]
    [InlineData("while (true) { munmap(p, (UIntPtr)4096); break; }", false)]
    [InlineData("while (true) { munmap(p, (UIntPtr)4096); break; }", true)]
    [InlineData("for (;;) { munmap(p, (UIntPtr)4096); return; }", false)]
    [InlineData("for (;;) { munmap(p, (UIntPtr)4096); return; }", true)]
    [InlineData("do { if (munmap(p, (UIntPtr)4096) != 0) break; } while (false);", false)]
    [InlineData("do { if (munmap(p, (UIntPtr)4096) != 0) break; } while (false);", true)]
    public Task A_loop_that_cannot_go_round_unmaps_once(string loop, bool graph) => Libc((graph ? ForceGraph : string.Empty) + """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
        """ + loop).RunAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_loop_that_can_go_round_unmaps_again(bool graph)
    {
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + """
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                do { {|#0:munmap(p, (UIntPtr)4096)|}; } while (condition);
        """).Expect(At(0, WholeMappingMunmapRule.Twice, "line " + first, "this munmap, in an earlier pass of its loop")).RunAsync();
    }
}
