using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Xunit;

namespace CheckedMmap.Robustness.Tests.Analyzer;

/// <summary>The fuzz harness itself must be able to fail: a planted analyzer bug has to be caught and reported.</summary>
public sealed class HarnessSelfTests
{
    /// <summary>Throws on any mmap call whose flags argument is not a compile-time constant: a typical value-tracking bug.</summary>
    // A test-only analyzer, never shipped: the analyzer-authoring rules (RS1041, RS1036, RS2008) do not apply.
#pragma warning disable RS1041, RS1036, RS2008
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class PlantedBugAnalyzer(bool quiet = false) : DiagnosticAnalyzer
    {
        private bool Quiet { get; } = quiet;

        private static readonly DiagnosticDescriptor s_rule = new("PLANT001", "planted", "planted", "Test", DiagnosticSeverity.Warning, true);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [s_rule];

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationAction(c =>
            {
                var invocation = (IInvocationOperation)c.Operation;
                if (invocation.TargetMethod.Name == "mmap")
                {
                    var flags = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "flags");
                    if (flags != null && !flags.Value.ConstantValue.HasValue && !Quiet)
                    {
                        throw new InvalidOperationException("planted: non-constant flags");
                    }
                }
            }, OperationKind.Invocation);
        }
    }
#pragma warning restore RS1041, RS1036, RS2008

    [Fact]
    public async Task A_throwing_analyzer_is_caught_with_seed_case_and_source()
    {
        var host = new AnalyzerHost([new PlantedBugAnalyzer()]);
        var run = await AnalyzerFuzzTests.RunAsync(host, seed: 7, first: 0, end: 200);
        Assert.NotEmpty(run.Failures);
        var first = run.Failures[0];
        Assert.Contains(first.Failures, f => f.Detail.Contains("planted: non-constant flags", StringComparison.Ordinal));
        string report = AnalyzerFuzzTests.Report(7, run.Failures);
        Assert.Contains($"case {first.Case.Index} (seed 7)", report, StringComparison.Ordinal);
        Assert.Contains(first.Case.Text, report, StringComparison.Ordinal);
    }

    [Fact]
    public void Cases_are_reproducible_from_seed_and_index()
    {
        var corpus = AnalyzerFuzzTests.ParseCorpus(SeedCorpus.All);
        for (int i = 0; i < 50; i++)
        {
            var a = AnalyzerFuzzTests.MakeCase(123, i, corpus);
            var b = AnalyzerFuzzTests.MakeCase(123, i, corpus);
            Assert.Equal(a.Text, b.Text);
            Assert.Equal(a.Options, b.Options);
        }

        // And the mutations really change the text.
        int changed = Enumerable.Range(0, 200).Count(i => AnalyzerFuzzTests.MakeCase(123, i, corpus) is var c && corpus.All(s => s.Seed.Text != c.Text));
        Assert.True(changed > 180, $"only {changed} of 200 cases differ from every seed");
    }

    [Fact]
    public void Analyzer_test_markup_is_stripped()
    {
        Assert.Equal("mmap(0, 1, PROT_READ, x)", SeedCorpus.StripMarkup("mmap(0, 1, {|MMAP004:PROT_READ|}, [|x|])"));
        Assert.Equal("f(a)", SeedCorpus.StripMarkup("f({|#0:a|})"));
    }

    [Fact]
    public void Every_embedded_seed_parses_without_syntax_errors()
    {
        // Seeds are the valid starting points; a seed with syntax errors would weaken every case made from it.
        Assert.NotEmpty(SeedCorpus.Embedded);
        foreach (var seed in SeedCorpus.Embedded.Concat(SeedCorpus.OddPlacePrograms()))
        {
            var tree = CSharpSyntaxTree.ParseText(seed.Text, AnalyzerHost.ParseOptions);
            var errors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{seed.Name}: {string.Join("; ", errors)}");
        }
    }
}
