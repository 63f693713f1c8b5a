using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace CheckedMmap.Robustness.Tests.Analyzer;

/// <summary>
/// Mutation fuzzing of the CheckedMmap analyzers: every case must finish with zero analyzer exceptions.
/// Environment: CHECKEDMMAP_FUZZ_SEED (default 20261127), CHECKEDMMAP_FUZZ_CASES (default 10000),
/// CHECKEDMMAP_FUZZ_CASE (run that one case only, to reproduce), CHECKEDMMAP_FUZZ_OUT (folder for failing cases).
/// </summary>
public sealed class AnalyzerFuzzTests(ITestOutputHelper output)
{
    public const int DefaultSeed = 20261127;
    public const int DefaultCases = 10_000;

    /// <summary>A case that has not finished after this long is reported as a hang (a watchdog, not a speed target).</summary>
    private static readonly TimeSpan s_hangLimit = TimeSpan.FromSeconds(90);

    private static readonly string[] s_targetValues = ["linux", "macos", "freebsd", "LINUX", "osx", "darwin", "windows", "", " ", "\0", "linux;macos", "x"];
    private static readonly string[] s_ridValues = ["linux-x64", "osx-arm64", "freebsd-x64", "win-x64", "linux-musl-arm64", "", "any", "osx"];
    private static readonly string[][] s_symbolSets = [[], ["CHECKED"], ["NET7_0_OR_GREATER", "NET8_0_OR_GREATER"], ["CHECKED", "NET7_0_OR_GREATER"]];

    internal sealed record FuzzCase(int Index, string SeedName, string Text, IReadOnlyList<string> Operators,
        IReadOnlyList<KeyValuePair<string, string>> ConfigOptions, string[] Symbols, string Path, bool Executable, bool Concurrent, string? Companion)
    {
        public string Options => string.Join(", ", ConfigOptions.Select(kv => $"{kv.Key}='{kv.Value.Replace("\0", "\\0")}'"))
                                 + $"; symbols [{string.Join(",", Symbols)}]; path {Path}";
    }

    internal sealed record CaseFailure(FuzzCase Case, IReadOnlyList<AnalyzerFailure> Failures);

    /// <summary>Builds case <paramref name="index"/> of the run with <paramref name="seed"/>: same inputs, same text, whatever thread runs it.</summary>
    internal static FuzzCase MakeCase(int seed, int index, IReadOnlyList<(Seed Seed, SyntaxTree Tree)> corpus)
    {
        // Not HashCode.Combine: its hashes change from process to process, and a case must be reproducible by number.
        var rng = new Random(StableSeed.Mix(seed, index));
        var (source, tree) = corpus[rng.Next(corpus.Count)];
        var (text, log) = Mutator.Mutate(tree, rng);
        var options = new List<KeyValuePair<string, string>>();
        if (rng.Next(3) == 0) options.Add(new("checkedmmap.target_os", s_targetValues[rng.Next(s_targetValues.Length)]));
        if (rng.Next(4) == 0) options.Add(new("build_property.RuntimeIdentifier", s_ridValues[rng.Next(s_ridValues.Length)]));
        if (rng.Next(6) == 0) options.Add(new("build_property.CheckedMmapTargetOS", s_targetValues[rng.Next(s_targetValues.Length)]));
        string[] symbols = s_symbolSets[rng.Next(s_symbolSets.Length)];
        string path = rng.Next(8) == 0 ? "Generated/File.g.cs" : $"Case{index}.cs";
        bool executable = rng.Next(4) == 0 || text.Contains("args", StringComparison.Ordinal) && rng.Next(2) == 0;
        bool concurrent = rng.Next(8) == 0;
        string? companion = rng.Next(4) == 0 ? corpus[rng.Next(corpus.Count)].Seed.Name : null;
        return new FuzzCase(index, source.Name, text, log, options, symbols, path, executable, concurrent, companion);
    }

    internal static AnalysisResult RunCase(AnalyzerHost host, FuzzCase c, IReadOnlyDictionary<string, SyntaxTree> treesByName, CancellationToken cancellation)
    {
        var values = c.ConfigOptions.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var parse = AnalyzerHost.ParseOptions.WithPreprocessorSymbols(c.Symbols);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(c.Text, parse, c.Path) };
        if (c.Companion != null && treesByName.TryGetValue(c.Companion, out var companion) && companion.ToString() != c.Text)
        {
            // A fresh parse: sharing one red root between trees confuses the compiler's node-to-tree mapping.
            trees.Add(CSharpSyntaxTree.ParseText(companion.GetText(), parse, "Companion.cs"));
        }

        var compilation = host.Compilation(trees, c.Executable);
        return host.Analyze(compilation, DictionaryOptionsProvider.Create(values), c.Concurrent, cancellation);
    }

    internal static IReadOnlyList<(Seed Seed, SyntaxTree Tree)> ParseCorpus(IEnumerable<Seed> seeds) =>
        seeds.Select(s => (s, CSharpSyntaxTree.ParseText(s.Text, AnalyzerHost.ParseOptions, s.Name))).ToList();

    // CHECKEDMMAP_FUZZ_TRACE=file logs every case as it starts: finds the case that kills the process (stack overflow).
    private static readonly string? s_trace = Environment.GetEnvironmentVariable("CHECKEDMMAP_FUZZ_TRACE");

    /// <param name="CompilerCrashes">Cases on which the compiler itself throws without any analyzer: not counted as failures.</param>
    internal sealed record FuzzRun(int Seed, long CasesRun, long Diagnostics, int Seeds, TimeSpan Elapsed, IReadOnlyList<CaseFailure> Failures, IReadOnlyList<string> CompilerCrashes);

    /// <summary>Runs cases [first, end) on every core; stops early after 20 failing cases.</summary>
    internal static async Task<FuzzRun> RunAsync(AnalyzerHost host, int seed, int first, int end)
    {
        var corpus = ParseCorpus(SeedCorpus.All);
        var treesByName = corpus.GroupBy(c => c.Seed.Name).ToDictionary(g => g.Key, g => g.First().Tree);
        var failures = new ConcurrentQueue<CaseFailure>();
        var compilerCrashes = new ConcurrentQueue<string>();
        var running = new ConcurrentDictionary<int, (FuzzCase Case, long Started)>();
        long diagnosticsSeen = 0, casesRun = 0;
        int next = first;
        var stopwatch = Stopwatch.StartNew();

        void Worker()
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next) - 1;
                if (i >= end || failures.Count >= 20) return;
                FuzzCase c = MakeCase(seed, i, corpus);
                running[i] = (c, Stopwatch.GetTimestamp());
                if (s_trace != null)
                {
                    lock (s_trace) File.AppendAllText(s_trace, $"start {i}\n");
                }

                using var cts = new CancellationTokenSource(s_hangLimit);
                AnalysisResult result = RunCase(host, c, treesByName, cts.Token);
                running.TryRemove(i, out _);
                if (s_trace != null)
                {
                    lock (s_trace) File.AppendAllText(s_trace, $"end {i}\n");
                }

                if (result.CompilerCrash != null)
                {
                    compilerCrashes.Enqueue($"case {i}: {result.CompilerCrash}");
                }

                Interlocked.Add(ref diagnosticsSeen, result.Diagnostics.Length);
                Interlocked.Increment(ref casesRun);
                if (result.Failures.Count > 0)
                {
                    failures.Enqueue(new CaseFailure(c, result.Failures));
                }
            }
        }

        var workers = Enumerable.Range(0, RepoPaths.EnvInt("CHECKEDMMAP_FUZZ_THREADS", Math.Max(1, Environment.ProcessorCount))).Select(_ => Task.Factory.StartNew(Worker, TaskCreationOptions.LongRunning)).ToArray();
        Task all = Task.WhenAll(workers);
        while (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1))) != all)
        {
            var hung = running.Values.Where(r => Stopwatch.GetElapsedTime(r.Started) > s_hangLimit + TimeSpan.FromSeconds(30)).ToList();
            if (hung.Count > 0)
            {
                // The analyzers ignored cancellation: report the stuck cases and leave their threads behind.
                foreach (var (c, _) in hung)
                {
                    failures.Enqueue(new CaseFailure(c, [new AnalyzerFailure("(driver)", "hang", $"no result after {(s_hangLimit + TimeSpan.FromSeconds(30)).TotalSeconds} s; cancellation ignored")]));
                }

                break;
            }
        }

        if (all.IsFaulted)
        {
            // A bug in the harness (mutator), not in the analyzers: surface it with its stack.
            await all;
        }

        return new FuzzRun(seed, casesRun, diagnosticsSeen, corpus.Count, stopwatch.Elapsed, failures.OrderBy(f => f.Case.Index).ToList(), compilerCrashes.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Mutated_sources_never_make_an_analyzer_throw()
    {
        int seed = RepoPaths.EnvInt("CHECKEDMMAP_FUZZ_SEED", DefaultSeed);
        int cases = RepoPaths.EnvInt("CHECKEDMMAP_FUZZ_CASES", DefaultCases);
        int only = RepoPaths.EnvInt("CHECKEDMMAP_FUZZ_CASE", -1);
        var host = AnalyzerHost.Shared;
        Assert.False(host.Analyzers.IsEmpty, "No CheckedMmap DiagnosticAnalyzer was found in CheckedMmap.Analyzers: nothing to fuzz.");

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        FuzzRun run = only >= 0 ? await RunAsync(host, seed, only, only + 1) : await RunAsync(host, seed, 0, cases);
        output.WriteLine($"seed {seed}: {run.CasesRun} cases from {run.Seeds} seeds with {host.Analyzers.Length} analyzers ({string.Join(", ", host.Analyzers.Select(a => a.GetType().Name))}) in {run.Elapsed.TotalSeconds:F1} s (process CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s); {run.Diagnostics} diagnostics; {run.Failures.Count} failing cases; {run.CompilerCrashes.Count} cases crash the compiler itself (not counted)");
        foreach (string crash in run.CompilerCrashes)
        {
            output.WriteLine($"  compiler crash, seed {seed} {crash}");
        }

        if (run.Failures.Count > 0)
        {
            Assert.Fail(Report(seed, run.Failures));
        }

        // A few mutants hit Roslyn bugs; many would mean the harness stopped testing the analyzers at all.
        Assert.True(run.CompilerCrashes.Count * 100 <= Math.Max(1, run.CasesRun), $"{run.CompilerCrashes.Count} of {run.CasesRun} cases crashed the compiler itself");

        Assert.Equal(only >= 0 ? 1 : cases, run.CasesRun);
    }

    internal static string Report(int seed, IReadOnlyList<CaseFailure> failures)
    {
        string outDir = Environment.GetEnvironmentVariable("CHECKEDMMAP_FUZZ_OUT") ?? Path.Combine(Path.GetTempPath(), "checkedmmap-fuzz-failures");
        Directory.CreateDirectory(outDir);
        var sb = new StringBuilder();
        sb.AppendLine($"{failures.Count} fuzz case(s) made an analyzer fail (seed {seed}). Reproduce one with CHECKEDMMAP_FUZZ_SEED={seed} CHECKEDMMAP_FUZZ_CASE=<case>. Sources written to {outDir}.");
        foreach (var f in failures.Take(5))
        {
            string file = Path.Combine(outDir, $"seed{seed}-case{f.Case.Index}.cs");
            File.WriteAllText(file, f.Case.Text);
            sb.AppendLine("----------------------------------------------------------------");
            sb.AppendLine($"case {f.Case.Index} (seed {seed}) from '{f.Case.SeedName}', options '{f.Case.Options}', executable={f.Case.Executable}, concurrent={f.Case.Concurrent}, companion={f.Case.Companion ?? "none"}");
            sb.AppendLine("operators: " + string.Join(" | ", f.Case.Operators));
            foreach (var failure in f.Failures.Take(3))
            {
                sb.AppendLine($"[{failure.Kind}] {failure.Analyzer}: {failure.Detail}");
            }

            sb.AppendLine("source:");
            sb.AppendLine(f.Case.Text);
        }

        foreach (var f in failures.Skip(5))
        {
            File.WriteAllText(Path.Combine(outDir, $"seed{seed}-case{f.Case.Index}.cs"), f.Case.Text);
            sb.AppendLine($"case {f.Case.Index}: {f.Failures[0].Kind} in {f.Failures[0].Analyzer}: {f.Failures[0].Detail.Split('\n')[0]}");
        }

        return sb.ToString();
    }

    [Fact]
    public void Unmutated_seeds_exercise_every_rule_the_analyzers_declare()
    {
        // Proves the harness really drives the analyzers: our seeds misuse mmap in every way, so each declared
        // MMAP rule must fire on them at least once (if one never does, the fuzzer is not reaching that code).
        var host = AnalyzerHost.Shared;
        Assert.False(host.Analyzers.IsEmpty, "No CheckedMmap DiagnosticAnalyzer was found in CheckedMmap.Analyzers.");
        var seen = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        Parallel.ForEach(SeedCorpus.Embedded.Concat(SeedCorpus.OddPlacePrograms()), seed =>
        {
            var tree = CSharpSyntaxTree.ParseText(seed.Text, AnalyzerHost.ParseOptions, seed.Name);
            var result = host.Analyze(host.Compilation([tree], seed.Name.EndsWith("TopLevel.cs", StringComparison.Ordinal)), null, concurrent: false, CancellationToken.None);
            foreach (var d in result.Diagnostics)
            {
                seen.AddOrUpdate(d.Id, 1, (_, n) => n + 1);
            }

            foreach (var f in result.Failures)
            {
                failures.Enqueue($"{seed.Name}: [{f.Kind}] {f.Analyzer}: {f.Detail}");
            }
        });

        // The seeds run without configuration; one runs again under a target_os no OS has, for the rule about settings.
        Seed configured = SeedCorpus.Embedded.First(s => s.Text.Contains("mmap(", StringComparison.Ordinal));
        var misconfigured = host.Analyze(
            host.Compilation([CSharpSyntaxTree.ParseText(configured.Text, AnalyzerHost.ParseOptions, configured.Name)], false),
            DictionaryOptionsProvider.Create(new Dictionary<string, string>(StringComparer.Ordinal) { ["checkedmmap.target_os"] = "mac" }),
            concurrent: false, CancellationToken.None);
        foreach (var d in misconfigured.Diagnostics)
        {
            seen.AddOrUpdate(d.Id, 1, (_, n) => n + 1);
        }

        Assert.Empty(misconfigured.Failures);
        output.WriteLine(string.Join(", ", seen.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.Empty(failures);
        var declared = host.SupportedIds.Where(id => id.StartsWith("MMAP", StringComparison.Ordinal)).OrderBy(id => id).ToList();
        Assert.NotEmpty(declared);
        Assert.All(declared, id => Assert.True(seen.ContainsKey(id), $"{id} never fired on the seed corpus"));
    }
}
