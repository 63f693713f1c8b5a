using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CheckedMmap.Robustness.Tests.Analyzer;

/// <summary>One analyzer exception (from onAnalyzerException, an AD0001 diagnostic, or thrown out of the driver).</summary>
internal sealed record AnalyzerFailure(string Analyzer, string Kind, string Detail);

/// <param name="CompilerCrash">Set when the compiler itself throws on the source, analyzers or not: Roslyn's bug, not ours.</param>
internal sealed record AnalysisResult(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<AnalyzerFailure> Failures, string? CompilerCrash = null);

/// <summary>
/// Runs the CheckedMmap analyzers over in-memory sources. Built once: the metadata references are shared and the
/// base compilations keep their bound reference symbols, so each case only parses and analyzes its own text.
/// </summary>
internal sealed class AnalyzerHost
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview, DocumentationMode.None);

    private static readonly Lazy<AnalyzerHost> s_shared = new(() => new AnalyzerHost(LoadCheckedMmapAnalyzers()));

    private readonly CSharpCompilation _library;
    private readonly CSharpCompilation _executable;

    /// <summary>
    /// The reference assemblies the fuzz seeds need. Fewer references make every case cheaper (each compilation merges
    /// the namespaces of all of them); the precision test uses the full set.
    /// </summary>
    private static readonly HashSet<string> s_fuzzReferenceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "System.Runtime.dll", "System.Runtime.InteropServices.dll", "System.Collections.dll", "System.Linq.dll",
        "System.Linq.Expressions.dll", "System.Console.dll", "System.ComponentModel.dll", "System.ComponentModel.Primitives.dll",
        "Microsoft.CSharp.dll", "System.Threading.dll", "System.Memory.dll",
    };

    public static IEnumerable<MetadataReference> FuzzReferences =>
        Basic.Reference.Assemblies.Net80.References.All.Where(r => s_fuzzReferenceNames.Contains(System.IO.Path.GetFileName(r.FilePath ?? r.Display ?? "")));

    public AnalyzerHost(ImmutableArray<DiagnosticAnalyzer> analyzers, IEnumerable<MetadataReference>? references0 = null, IEnumerable<MetadataReference>? extraReferences = null)
    {
        Analyzers = analyzers;
        var references = new List<MetadataReference>(references0 ?? FuzzReferences);
        references.AddRange(RuntimeReference());
        if (extraReferences != null)
        {
            references.AddRange(extraReferences);
        }

        References = references.ToImmutableArray();
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true,
            nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: false);
        _library = CSharpCompilation.Create("Fuzz", references: References, options: options);
        _executable = _library.WithOptions(options.WithOutputKind(OutputKind.ConsoleApplication));
        // Bind the references once, up front, so that every case derived from these shares them.
        _ = _library.GetTypeByMetadataName("System.Object");
        _ = _executable.GetTypeByMetadataName("System.Object");
    }

    public static AnalyzerHost Shared => s_shared.Value;

    public ImmutableArray<DiagnosticAnalyzer> Analyzers { get; }

    public ImmutableArray<MetadataReference> References { get; }

    /// <summary>The rule IDs the analyzers declare (MMAP001…).</summary>
    public ImmutableHashSet<string> SupportedIds =>
        Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToImmutableHashSet();

    /// <summary>Every concrete C# DiagnosticAnalyzer in the CheckedMmap.Analyzers assembly (and the code-fix assembly, if any).</summary>
    public static ImmutableArray<DiagnosticAnalyzer> LoadCheckedMmapAnalyzers()
    {
        var assembly = Assembly.Load(new AssemblyName("CheckedMmap.Analyzers"));
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t != null).ToArray()!;
        }

        return types
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                        && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    /// <summary>The checked runtime (CheckedMmap.dll) so that sources using CheckedMmap.Mman bind.</summary>
    private static IEnumerable<MetadataReference> RuntimeReference()
    {
        Assembly runtime;
        try
        {
            runtime = Assembly.Load(new AssemblyName("CheckedMmap"));
        }
        catch (Exception)
        {
            yield break;
        }

        yield return MetadataReference.CreateFromFile(runtime.Location);
    }

    public CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees, bool executable) =>
        (executable ? _executable : _library).AddSyntaxTrees(trees);

    public AnalysisResult Analyze(CSharpCompilation compilation, AnalyzerOptions? options, bool concurrent, CancellationToken cancellation)
    {
        var failures = new ConcurrentQueue<AnalyzerFailure>();
        var withAnalyzers = compilation.WithAnalyzers(Analyzers, new CompilationWithAnalyzersOptions(
            options ?? new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) =>
                failures.Enqueue(new AnalyzerFailure(analyzer.GetType().FullName ?? "?", "onAnalyzerException", exception.ToString())),
            concurrentAnalysis: concurrent,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false));

        ImmutableArray<Diagnostic> diagnostics;
        try
        {
            diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellation).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            failures.Enqueue(new AnalyzerFailure("(driver)", "timeout", "analysis did not finish before the watchdog fired"));
            return new AnalysisResult(ImmutableArray<Diagnostic>.Empty, failures.ToArray());
        }
        catch (Exception e)
        {
            if (CompilerAloneThrows(compilation, cancellation) is { } crash && failures.IsEmpty)
            {
                // Malformed code that crashes Roslyn's own binder (seen: a ref to a readonly field in an attribute
                // argument) crashes every build; the analyzers are not involved.
                return new AnalysisResult(ImmutableArray<Diagnostic>.Empty, [], crash);
            }

            failures.Enqueue(new AnalyzerFailure("(driver)", "thrown", e.ToString()));
            return new AnalysisResult(ImmutableArray<Diagnostic>.Empty, failures.ToArray());
        }

        foreach (Diagnostic d in diagnostics.Where(d => d.Id == "AD0001"))
        {
            failures.Enqueue(new AnalyzerFailure("(AD0001)", "AD0001", d.ToString()));
        }

        return new AnalysisResult(diagnostics, failures.ToArray());
    }

    /// <summary>The compiler's exception when a fresh copy of the compilation, with no analyzer, cannot report its own diagnostics.</summary>
    private static string? CompilerAloneThrows(CSharpCompilation compilation, CancellationToken cancellation)
    {
        try
        {
            compilation.Clone().GetDiagnostics(cancellation);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"{e.GetType().Name} at {e.StackTrace?.Split('\n')[0].Trim()}";
        }
    }
}

/// <summary>.editorconfig / global options for one case (target OS, RuntimeIdentifier, garbage values).</summary>
internal sealed class DictionaryOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly DictionaryOptions _options;

    public DictionaryOptionsProvider(IReadOnlyDictionary<string, string> values)
    {
        _options = new DictionaryOptions(values);
    }

    public override AnalyzerConfigOptions GlobalOptions => _options;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

    public static AnalyzerOptions Create(IReadOnlyDictionary<string, string> values) =>
        new(ImmutableArray<AdditionalText>.Empty, new DictionaryOptionsProvider(values));

    private sealed class DictionaryOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) =>
            values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys;
    }
}
