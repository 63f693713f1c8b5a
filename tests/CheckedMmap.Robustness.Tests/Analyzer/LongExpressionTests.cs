using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace CheckedMmap.Robustness.Tests.Analyzer;

/// <summary>Expressions of <see cref="LongExpressions.Terms"/> terms neither crash the analyzers nor hide the rest of their method.</summary>
public sealed class LongExpressionTests(ITestOutputHelper output)
{
    [Fact]
    public void Methods_with_expressions_of_twenty_thousand_terms_are_analyzed_in_full()
    {
        var r = Runtime.ChildScenarios.Start("analyzer-long-expressions", TimeSpan.FromMinutes(3));
        // A stack overflow prints one frame per term: keep the start, which names the recursing method.
        string stderr = string.Join('\n', r.Stderr.Split('\n').Take(40));
        output.WriteLine($"exit {r.ExitCode}\n{r.Stdout}\n{stderr}");
        Assert.True(r.ExitCode == 0, $"the analysis failed or crashed (exit {r.ExitCode}):\n{r.Stdout}\n{stderr}");

        // Lines 10-14 hold the five generated methods (after the binding's nine lines and the class header).
        string[] lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (int line in Enumerable.Range(10, 5))
        {
            Assert.Contains($"MMAP002 line {line}", lines);
            Assert.Contains($"MMAP008 line {line}", lines);
        }
    }
}
