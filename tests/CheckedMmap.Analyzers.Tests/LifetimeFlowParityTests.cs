using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.LifetimeAnalyzerTest;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// The flow runs over the operation tree for bodies without loops, jumps, try or lambdas, and over the control flow
/// graph for the others: the same code must get the same diagnostics either way (a loop that runs nothing forces the graph).
/// </summary>
public class LifetimeFlowParityTests
{
    private const string ForceGraph = "for (int spin = 0; spin < 0; spin++) { }\n";

    private static DiagnosticResult At(int marker, DiagnosticDescriptor descriptor, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(marker).WithArguments(arguments).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

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
}
