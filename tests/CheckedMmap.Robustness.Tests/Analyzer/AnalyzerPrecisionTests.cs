using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace CheckedMmap.Robustness.Tests.Analyzer;

/// <summary>
/// Precision on real code: the analyzers run over the repository's own C# (runtime/, analyzers/, samples/) and must
/// report nothing where nothing is wrong, while the sample's deliberately misusing file still gets its diagnostics.
/// </summary>
public sealed class AnalyzerPrecisionTests(ITestOutputHelper output)
{
    /// <summary>
    /// Files that misuse mmap on purpose, with the diagnostics they are allowed (and, for the sample, required) to get.
    /// Every other file must get none.
    /// </summary>
    private static readonly Dictionary<string, (string[] Allowed, string[] Required, string Why)> s_deliberate = new(StringComparer.Ordinal)
    {
        // The checker's own host layer reserves PROT_NONE address space (MMAP004) with MAP_NORESERVE (MMAP005) and
        // commits/quarantines in place with MAP_FIXED (MMAP001): that is how guard pages and the quarantine work.
        // It also turns pages inaccessible with mprotect(PROT_NONE) (MMAP011) and moves quarantined pages with
        // mremap(MAYMOVE|FIXED|DONTUNMAP) (MMAP013).
        ["runtime/CheckedMmap/Host/HostMemory.cs"] = (["MMAP001", "MMAP004", "MMAP005", "MMAP011", "MMAP012", "MMAP013"], [], "guard pages and quarantine need PROT_NONE, MAP_FIXED, MAP_NORESERVE, mprotect(PROT_NONE), mremap in place, lightweight guard regions (madvise)"),
        // The fault reporter writes a small native signal handler and makes its page executable (MMAP011).
        ["runtime/CheckedMmap/Host/FaultReporter.cs"] = (["MMAP011"], [], "a native SIGSEGV handler needs an executable page"),
        // The sample allocator's options add MAP_POPULATE / MAP_NORESERVE on a branch: the README's demo shows this
        // "may" warning (MMAP005) on purpose, so this file must keep getting it.
        ["samples/Allocators/Arena.cs"] = (["MMAP005"], ["MMAP005"], "the sample's deliberate MMAP005 (MAP_POPULATE/MAP_NORESERVE options)"),
    };

    private sealed record Unit(string Name, string[] Folders, string[] Symbols, MetadataReference[] ExtraReferences, string[] ExtraFiles);

    private static IEnumerable<Unit> Units()
    {
        MetadataReference Ref(Type t) => MetadataReference.CreateFromFile(t.Assembly.Location);
        var roslyn = new[] { Ref(typeof(Compilation)), Ref(typeof(CSharpCompilation)) };
        var xunit = new[] { Ref(typeof(Assert)), Ref(typeof(FactAttribute)), Ref(typeof(ITestOutputHelper)) };
        var runtime = new[] { MetadataReference.CreateFromFile(typeof(Mman).Assembly.Location) };
        string contract = RepoPaths.Combine("runtime", "CheckedMmap", "Contract");
        yield return new Unit("runtime", ["runtime/CheckedMmap"], [], [], []);
        yield return new Unit("analyzers", ["analyzers"], [], roslyn, Directory.Exists(contract) ? Directory.GetFiles(contract, "*.cs") : []);
        yield return new Unit("samples (libc)", ["samples"], [], [.. xunit, .. runtime], []);
        yield return new Unit("samples (CHECKED)", ["samples"], ["CHECKED"], [.. xunit, .. runtime], []);
    }

    [Fact]
    public void The_repository_own_code_gets_no_diagnostic_except_where_it_misuses_mmap_on_purpose()
    {
        var host = new AnalyzerHost(AnalyzerHost.LoadCheckedMmapAnalyzers(), Basic.Reference.Assemblies.Net80.References.All);
        Assert.False(host.Analyzers.IsEmpty, "No CheckedMmap DiagnosticAnalyzer was found.");
        var unexpected = new List<string>();
        var missing = new List<string>();
        int files = 0;
        foreach (var unit in Units())
        {
            var paths = unit.Folders.Select(f => RepoPaths.Combine(f.Split('/')))
                .Where(Directory.Exists)
                .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
                .Where(SeedCorpus.NotBuildOutput)
                .Concat(unit.ExtraFiles)
                .Distinct()
                .OrderBy(p => p, StringComparer.Ordinal)
                .ToList();
            files += paths.Count;
            // Required diagnostics, per unit: the sample must warn in the libc build and in the CHECKED build.
            var required = s_deliberate.Where(d => d.Value.Required.Length > 0 && paths.Any(p => RepoPaths.Relative(p) == d.Key))
                .ToDictionary(d => d.Key, d => new HashSet<string>(d.Value.Required));
            var parse = AnalyzerHost.ParseOptions.WithPreprocessorSymbols(unit.Symbols.Concat(["NET8_0_OR_GREATER", "NET7_0_OR_GREATER", "NET6_0_OR_GREATER", "NET5_0_OR_GREATER", "NETCOREAPP", "NET"]));
            var trees = paths.Select(p => CSharpSyntaxTree.ParseText(File.ReadAllText(p), parse, p)).ToList();
            var compilation = CSharpCompilation.Create(unit.Name, trees, host.References.AddRange(unit.ExtraReferences),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
            var result = host.Analyze(compilation, null, concurrent: true, CancellationToken.None);
            Assert.True(result.Failures.Count == 0, $"{unit.Name}: analyzer failure: {string.Join("\n", result.Failures.Select(f => f.Detail))}");
            foreach (var d in result.Diagnostics)
            {
                string file = d.Location.SourceTree?.FilePath is { } p ? RepoPaths.Relative(p) : "(no file)";
                int line = d.Location.GetLineSpan().StartLinePosition.Line + 1;
                if (s_deliberate.TryGetValue(file, out var allowed) && allowed.Allowed.Contains(d.Id))
                {
                    if (required.TryGetValue(file, out var left)) left.Remove(d.Id);
                    output.WriteLine($"expected: {unit.Name}: {file}:{line}: {d.Id} {d.GetMessage()}");
                    continue;
                }

                unexpected.Add($"{unit.Name}: {file}:{line}: {d.Id} {d.GetMessage()}");
            }

            missing.AddRange(required.Where(r => r.Value.Count > 0).Select(r => $"{unit.Name}: {r.Key} missing {string.Join(",", r.Value)}"));
        }

        output.WriteLine($"{files} files analyzed");
        Assert.True(unexpected.Count == 0, "diagnostics on code that does nothing wrong (false positives):\n" + string.Join("\n", unexpected));
        Assert.True(missing.Count == 0, "the deliberately misusing files lost their diagnostics (false negatives): " + string.Join("; ", missing));
        Assert.Contains(s_deliberate.Keys, k => File.Exists(RepoPaths.Combine(k.Split('/'))));
    }
}
