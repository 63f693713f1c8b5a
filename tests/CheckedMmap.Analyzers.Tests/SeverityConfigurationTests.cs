using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// <c>dotnet_diagnostic.MMAP002.severity</c> from .editorconfig. Through Microsoft.CodeAnalysis.Testing 1.1.4 (with
/// Workspaces 4.14) "none" and "suggestion" take effect, but "error" comes back as a Warning whatever the expected
/// diagnostic says (checked: <c>.WithSeverity(DiagnosticSeverity.Error)</c> fails with "Expected diagnostic severity to
/// be Error was Warning", for an .editorconfig and for a .globalconfig alike). So "error" is tested one level down, on
/// the compiler's own per-tree options (how the command-line compiler hands .editorconfig severities to a compilation).
/// </summary>
public class SeverityConfigurationTests
{
    private const string SharedMessage =
        "mmap flags are MAP_SHARED|MAP_ANONYMOUS, a shared mapping; the checked runtime and Miri support only private anonymous mappings: \"" +
        MmapMessages.Flags + "\"";

    private static MmapAnalyzerTest SharedMapping(string severity)
    {
        MmapAnalyzerTest test = Libc(Call(flags: "{|#0:MAP_SHARED | MAP_ANONYMOUS|}"));
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\ndotnet_diagnostic.MMAP002.severity = " + severity + "\n"));
        return test;
    }

    [Fact]
    public Task Severity_none_in_editorconfig_silences_the_rule() =>
        SharedMapping("none").RunAsync();

    [Fact]
    public Task Severity_suggestion_in_editorconfig_makes_the_rule_info() =>
        SharedMapping("suggestion")
            .Expect(Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithSeverity(DiagnosticSeverity.Info).WithMessage(SharedMessage))
            .RunAsync();

    [Theory]
    [InlineData(ReportDiagnostic.Error, DiagnosticSeverity.Error)]
    [InlineData(ReportDiagnostic.Warn, DiagnosticSeverity.Warning)]
    [InlineData(ReportDiagnostic.Info, DiagnosticSeverity.Info)]
    public async Task Per_file_severity_from_editorconfig_reaches_the_diagnostic(ReportDiagnostic configured, DiagnosticSeverity expected)
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeWithTreeSeverity(configured);
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("MMAP002", d.Id);
        Assert.Equal(expected, d.Severity);
    }

    [Fact]
    public async Task Per_file_severity_none_from_editorconfig_silences_the_rule() =>
        Assert.Empty(await AnalyzeWithTreeSeverity(ReportDiagnostic.Suppress));

    private static Task<ImmutableArray<Diagnostic>> AnalyzeWithTreeSeverity(ReportDiagnostic severity)
    {
        const string source = """
            using System;
            using System.Runtime.InteropServices;
            static class P
            {
                [DllImport("libc")] static extern IntPtr mmap(IntPtr a, ulong l, int p, int f, int fd, long o);
                static void M() => mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
            }
            """;
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, path: "/src/P.cs");
        var compilation = CSharpCompilation.Create(
            "Severity",
            new[] { tree },
            Basic.Reference.Assemblies.Net80.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
                .WithSyntaxTreeOptionsProvider(new OneTreeSeverity(tree, "MMAP002", severity)));
        return compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new MmapAnalyzer())).GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>What the compiler builds from "[*.cs] dotnet_diagnostic.ID.severity = ..." for one file.</summary>
    private sealed class OneTreeSeverity : SyntaxTreeOptionsProvider
    {
        private readonly SyntaxTree _tree;
        private readonly string _id;
        private readonly ReportDiagnostic _severity;

        public OneTreeSeverity(SyntaxTree tree, string id, ReportDiagnostic severity)
        {
            _tree = tree;
            _id = id;
            _severity = severity;
        }

        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.NotGenerated;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = _severity;
            return tree == _tree && diagnosticId == _id;
        }

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            severity = ReportDiagnostic.Default;
            return false;
        }
    }
}
