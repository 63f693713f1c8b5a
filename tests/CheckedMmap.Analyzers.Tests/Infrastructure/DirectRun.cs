using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace CheckedMmap.Analyzers.Tests.Infrastructure;

/// <summary>Runs the analyzer on any source, compiling or not, and reports every exception it throws (AD0001).</summary>
public static class DirectRun
{
    public sealed class Result
    {
        public Result(ImmutableArray<Diagnostic> diagnostics, IReadOnlyList<Exception> exceptions, AnalyzerTelemetryInfo telemetry)
        {
            Diagnostics = diagnostics;
            Exceptions = exceptions;
            Telemetry = telemetry;
        }

        public ImmutableArray<Diagnostic> Diagnostics { get; }

        public IReadOnlyList<Exception> Exceptions { get; }

        public AnalyzerTelemetryInfo Telemetry { get; }

        public string[] Ids => Diagnostics.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal).ToArray();
    }

    public static async Task<Result> AnalyzeAsync(IEnumerable<string> sources, params MetadataReference[] extra)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var compilation = CSharpCompilation.Create(
            "Subject",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"/src/File{i}.cs")),
            Basic.Reference.Assemblies.Net80.References.All.Concat(extra),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var exceptions = new ConcurrentQueue<Exception>();
        var analyzer = new MmapAnalyzer();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (ex, _, _) => exceptions.Enqueue(ex),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: true,
            reportSuppressedDiagnostics: false);
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(analyzer), options);
        ImmutableArray<Diagnostic> diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        AnalyzerTelemetryInfo telemetry = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, default);
        return new Result(diagnostics, exceptions.ToList(), telemetry);
    }

    public static Task<Result> AnalyzeAsync(string source, params MetadataReference[] extra) => AnalyzeAsync(new[] { source }, extra);
}
