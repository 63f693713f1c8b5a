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
    public void A_source_that_crashes_the_compiler_itself_is_not_blamed_on_the_analyzers()
    {
        // Found by the fuzzer (seed 3, case 2160): Roslyn's binder throws a NullReferenceException on a ref to a
        // readonly field in an assembly attribute's argument, in every build, with or without analyzers.
        const string crashesRoslyn = """
            [assembly: A((long)L.mmap(ref nint.Zero, 4096, 3, 0x22, -1, 0))]
            class A : System.Attribute { public A(long x) { } }
            static class L { [System.Runtime.InteropServices.DllImport("libc")] public static extern nint mmap(nint a, nuint l, int p, int f, int fd, long o); }
            """;
        var host = AnalyzerHost.Shared;
        var compilation = host.Compilation([CSharpSyntaxTree.ParseText(crashesRoslyn, AnalyzerHost.ParseOptions)], executable: false);
        var result = host.Analyze(compilation, null, concurrent: false, CancellationToken.None);
        Assert.Empty(result.Failures);
        Assert.True(result.CompilerCrash != null, "the compiler no longer crashes on this source: the Roslyn bug is fixed, pick another crashing source for this test");
        Assert.Contains("NullReferenceException", result.CompilerCrash, StringComparison.Ordinal);
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

        // Across processes too: the seeds are fixed values, not per-process hashes (HashCode.Combine would change
        // these every run, and "reproduce with CHECKEDMMAP_FUZZ_CASE=n" would rebuild a different case).
        Assert.Equal(-607219653, StableSeed.Mix(20261127, 8762));
        Assert.Equal(1133140305, StableSeed.Mix(7, 0));
        Assert.Equal(459615264, StableSeed.Mix(-1, -1));

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
