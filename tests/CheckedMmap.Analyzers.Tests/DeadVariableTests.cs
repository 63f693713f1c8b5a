using System.Linq;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.LifetimeAnalyzerTest;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// The tree walk forgets a variable after the statement of its block that holds its last reference, a variable its loop
/// body declares at the loop's head and exit, and the mappings no variable holds once they pile up. Nothing it forgets
/// may be read later: each case here reads a fact after a point where a wrong liveness would have dropped it, and the
/// graph's flow, which forgets nothing, must agree (a goto to the next statement forces the graph).
/// </summary>
public class DeadVariableTests
{
    private const string Map4096 = "mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero)";

    private const string Map8192 = "mmap(IntPtr.Zero, (UIntPtr)8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero)";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_for_loops_header_variable_lives_across_its_passes(bool graph)
    {
        // q is declared by the loop's header, not its body: the next pass reads what this one left in it.
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + $$"""
                IntPtr p = {{Map8192}};
                if (p == new IntPtr(-1)) return;
                for (IntPtr q = p + 4096; unknown > 0; unknown--)
                {
                    {|#0:munmap(q, (UIntPtr)4096)|};
                }
        """).Expect(At(0, WholeMappingMunmapRule.Interior, "4096 bytes", "line " + first)).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_variable_read_in_a_later_pass_of_an_inner_loop_lives_across_it(bool graph)
    {
        // p is declared in the outer loop's body and last read inside the inner loop: the inner loop's next pass reads it.
        int first = graph ? 12 : 11;
        return Libc((graph ? ForceGraph : string.Empty) + $$"""
                while (condition)
                {
                    IntPtr p = {{Map4096}};
                    if (p == new IntPtr(-1)) return;
                    for (int i = 0; i < unknown; i++)
                    {
                        {|#0:munmap(p, (UIntPtr)4096)|};
                    }
                }
        """).Expect(At(0, WholeMappingMunmapRule.Twice, "line " + first, "this munmap, in an earlier pass of its loop")).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_variable_last_read_in_a_nested_branch_lives_to_the_end_of_its_statement(bool graph)
    {
        // The last reference is deep inside an if of the outer block: p lives until that whole statement ends.
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + $$"""
                IntPtr p = {{Map4096}};
                if (p == new IntPtr(-1)) return;
                if (condition)
                {
                    munmap(p, (UIntPtr)4096);
                }

                if (unknown > 0)
                {
                    if (condition)
                    {
                        {|#0:munmap(p, (UIntPtr)4096)|};
                    }
                }
        """).Expect(At(0, WholeMappingMunmapRule.Twice, "line " + first, "line " + (first + 4))).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_parameter_assigned_a_mapping_lives_to_its_last_reference(bool graph)
    {
        // A parameter is declared before the body's first statement: it lives to the statement of its last reference.
        int first = graph ? 14 : 13;
        string members = "void N(IntPtr given)\n{\n" + (graph ? ForceGraph : string.Empty) + $$"""
                given = {{Map4096}};
                if (given == new IntPtr(-1)) return;
                while (given != IntPtr.Zero)
                {
                    if (given != IntPtr.Zero)
                    {
                        {|#0:munmap(given, (UIntPtr)4096)|};
                    }
                }
            }
            """;
        return Libc(string.Empty, members)
            .Expect(At(0, WholeMappingMunmapRule.Twice, "line " + first, "this munmap, in an earlier pass of its loop")).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_variable_a_continue_carries_to_the_loops_head_is_declared_anew_there(bool graph)
    {
        // t's mapping is unmapped on the path that continues; the next pass maps t anew, so its munmap is not a second one.
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + $$"""
                for (int i = 0; i < unknown; i++)
                {
                    IntPtr t = {{Map4096}};
                    if (t == new IntPtr(-1)) return;
                    if (condition)
                    {
                        munmap(t, (UIntPtr)4096);
                        continue;
                    }

                    {|#0:munmap(t, (UIntPtr)8192)|};
                }
        """).Expect(At(0, WholeMappingMunmapRule.LongerLength, "8192", "4096", "line " + (first + 2))).RunAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task A_mapping_outlives_its_first_holder_while_another_variable_holds_it(bool graph)
    {
        // p is dead after its munmap, but alias still holds the mapping (and the unchecked one): both facts must stay.
        int first = graph ? 10 : 9;
        return Libc((graph ? ForceGraph : string.Empty) + $$"""
                IntPtr p = {{Map4096}};
                IntPtr alias = p;
                IntPtr q = {{Map4096}};
                IntPtr other = q;
                if (p == new IntPtr(-1)) return;
                munmap(p, (UIntPtr)4096);
                q = IntPtr.Zero;
                {|#0:munmap(alias, (UIntPtr)4096)|};
                {|#1:*(byte*)other|} = 1;
        """).Expect(
            At(0, WholeMappingMunmapRule.Twice, "line " + first, "line " + (first + 5)),
            At(1, FailureCheckRule.UncheckedUse, "mmap", (first + 2).ToString())).RunAsync();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public Task Mappings_a_live_variable_holds_outlast_the_forgetting_of_many_unheld_ones(bool graph, bool discarded)
    {
        // A hundred map/unmap pairs, or a hundred mmap results assigned to a discard (kept, so unchecked, but held by no
        // variable), pile up unheld mappings past the point where the walk looks for them; the two that variables still
        // hold (one unmapped, one never checked) must stay.
        int first = graph ? 10 : 9;
        string filler = discarded
            ? string.Concat(Enumerable.Range(0, 100).Select(i => $"        _ = {Map4096};\n"))
            : string.Concat(Enumerable.Range(0, 100).Select(i =>
                $"        IntPtr p{i} = {Map4096};\n        if (p{i} == new IntPtr(-1)) return;\n        munmap(p{i}, (UIntPtr)4096);\n"));
        return Libc((graph ? ForceGraph : string.Empty) + $$"""
                IntPtr keep = {{Map8192}};
                if (keep == new IntPtr(-1)) return;
                IntPtr unsure = {{Map4096}};
                munmap(keep, (UIntPtr)8192);
        """ + "\n" + filler + """
                {|#0:munmap(keep, (UIntPtr)8192)|};
                {|#1:*(byte*)unsure|} = 1;
        """).Expect(
            At(0, WholeMappingMunmapRule.Twice, "line " + first, "line " + (first + 3)),
            At(1, FailureCheckRule.UncheckedUse, "mmap", (first + 2).ToString())).RunAsync();
    }
}
