using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using CheckedMmap.Benchmarks.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace CheckedMmap.Benchmarks.Analyzer
{
    /// <summary>
    /// Analyzer cost on the generated 1,000-file compilation. Every pass builds a fresh compilation from freshly parsed
    /// copies of the same files (cold semantic and per-tree caches, as in a build) and either emits it (the compile baseline) or runs one group of
    /// analyzers through CompilationWithAnalyzers with execution-time logging. Groups are interleaved round by round.
    /// Compilation and analysis are both single-threaded (concurrentBuild and concurrentAnalysis off) so that the
    /// analyzers' summed callback time and the compile wall time are the same kind of number (CPU time on one core).
    /// </summary>
    internal static class AnalyzerBenchmark
    {
        private sealed record Group(string Name, ImmutableArray<DiagnosticAnalyzer> Analyzers);

        private sealed class PassResult
        {
            public double WallMs { get; init; }

            public Dictionary<DiagnosticAnalyzer, AnalyzerTelemetryInfo> Telemetry { get; init; } = new();

            public int Diagnostics { get; init; }
        }

        public static void Run(Report report, bool quick)
        {
            // A full pass over 1,000 files takes 10-25 s on this VM, so the full run does 5 interleaved rounds; the JIT is
            // warmed first by one round over a small compilation of the same shapes. Quick mode: 100 files, 1 round.
            int rounds = quick ? 1 : 5;
            int files = quick ? 100 : CodeGenerator.FileCount;
            AnalyzerSet set = AnalyzerSet.Load();
            Console.WriteLine($"analyzer: {set.CheckedMmap.Length} CheckedMmap analyzers from {set.CheckedMmapPath}");
            Console.WriteLine($"analyzer: SDK analyzers {set.PInvokeRules?.GetType().FullName}, {set.RuntimeMarshallingRules?.GetType().FullName} from {set.NetAnalyzersPath}");

            report.Heading($"Analyzer: cost on a generated {files:N0}-file compilation");
            report.Paragraph(
                $"{files} files, {files * CodeGenerator.MethodsPerFile:N0} methods of ordinary code " +
                $"(loops, LINQ, string building, dictionaries, switch expressions, async, exceptions, spans, generics, lambdas). " +
                $"The *mmap* variant replaces one method in every tenth file ({CodeGenerator.MmapMethodCount(files)} methods, 1%) with a method that maps and " +
                "unmaps through one of three bindings (DllImport with const int flags, LibraryImport with enums and void*, DllImport of mmap64 " +
                "under another name with a const library name, called through `using static`), in ten call shapes (|= on a branch, const " +
                "enum local, named arguments, casts, ternary, fd 0, MAP_SHARED with offset, …), half clean and half misusing. " +
                "References: Basic.Reference.Assemblies.Net80; C# 12; the LibraryImport source generator of the installed targeting pack runs " +
                "first, as in a build. Each pass uses a fresh compilation over freshly parsed copies of the same files (no per-tree cache survives between passes) and starts after a full garbage collection; compile = `Emit` to memory; analyzer " +
                "passes = `CompilationWithAnalyzers.GetAnalyzerDiagnosticsAsync` with `logAnalyzerExecutionTime: true`, execution time from " +
                "`GetAnalyzerTelemetryInfoAsync`. Single-threaded compile and analysis. Every rule of every measured analyzer is enabled " +
                $"(severity warning). {rounds} interleaved round(s) after a warm-up round on a 30-file compilation and {WarmPasses(quick)} unmeasured pass(es) of each analyzer group on the full compilation (so that tiered JIT has optimized every analyzer's callbacks); medians.");

            if (set.CheckedMmap.IsEmpty)
            {
                report.Paragraph($"**The CheckedMmap analyzer assembly holds no analyzer yet** ({set.CheckedMmapPath}); only the baselines were measured.");
            }

            var groups = new List<Group>
            {
                new("empty analyzer (baseline)", ImmutableArray.Create(set.Empty)),
                new("empty per-file analyzer (baseline)", ImmutableArray.Create<DiagnosticAnalyzer>(new EmptyPerFileAnalyzer())),
            };
            if (!set.CheckedMmap.IsEmpty)
            {
                groups.Add(new("CheckedMmap (all MMAP analyzers)", set.CheckedMmap));
            }

            if (set.PInvokeRules is not null)
            {
                groups.Add(new($"SDK {set.PInvokeRules.GetType().Name} (CA1401/CA2101)", ImmutableArray.Create(set.PInvokeRules)));
            }

            if (set.RuntimeMarshallingRules is not null)
            {
                groups.Add(new($"SDK {set.RuntimeMarshallingRules.GetType().Name} (CA1420/CA1421)", ImmutableArray.Create(set.RuntimeMarshallingRules)));
            }

            ImmutableDictionary<string, ReportDiagnostic> enableAll = groups
                .SelectMany(g => g.Analyzers)
                .SelectMany(a => a.SupportedDiagnostics)
                .Select(d => d.Id)
                .Distinct()
                .ToImmutableDictionary(id => id, _ => ReportDiagnostic.Warn);

            // Warm-up: JIT the compiler, the driver and every analyzer on a small compilation of the same shapes.
            ImmutableArray<SyntaxTree> warmupTrees = BuildTrees(true, 30, set, enableAll, out _);
            Compile(warmupTrees, enableAll);
            foreach (Group group in groups)
            {
                Analyze(warmupTrees, enableAll, group.Analyzers);
            }

            var variantResults = new Dictionary<string, (double CompileMs, Dictionary<string, List<PassResult>> Passes)>();
            foreach (bool withMmap in new[] { false, true })
            {
                string variant = withMmap ? "mmap" : "no-mmap";
                var meter = new BusyMeter();
                ImmutableArray<SyntaxTree> trees = BuildTrees(withMmap, files, set, enableAll, out string generatorNote);
                Console.WriteLine($"analyzer[{variant}]: {trees.Length} trees; {generatorNote}");

                var passes = groups.ToDictionary(g => g.Name, _ => new List<PassResult>());
                var compileMs = new List<double>();
                var contenders = new List<Contender>
                {
                    new("compile", () =>
                    {
                        double ms = Compile(trees, enableAll);
                        return ms;
                    }),
                };
                foreach (Group group in groups)
                {
                    contenders.Add(new(group.Name, () =>
                    {
                        PassResult result = Analyze(trees, enableAll, group.Analyzers);
                        passes[group.Name].Add(result);
                        return result.WallMs;
                    }));
                }

                // Unmeasured passes of each group at full size first: every analyzer's callbacks then run hundreds of times
                // before measurement, so tiered JIT (and its PGO stage) has optimized them, as in a long-lived compiler
                // server. One pass was not enough for code called once per mmap call (100 times a pass).
                for (int warm = 0; warm < WarmPasses(quick); warm++)
                {
                    foreach (Group group in groups)
                    {
                        _ = Analyze(trees, enableAll, group.Analyzers);
                    }
                }

                Dictionary<string, List<double>> wall = Interleaved.Run(contenders, 0, rounds);
                double compileMedian = Stats.Median(wall["compile"]);
                variantResults[variant] = (compileMedian, passes);
                double others = meter.OthersShare();
                Console.WriteLine($"analyzer[{variant}]: compile {compileMedian:0} ms; other processes used {others:P0} of the machine");

                report.Heading($"Analyzer, {variant} variant");
                report.Paragraph($"Compile (`Emit`, no analyzers): **{Report.Ms(compileMedian)}** (median; quartiles " +
                    $"{Report.Ms(Stats.Percentile(wall["compile"], 0.25))}–{Report.Ms(Stats.Percentile(wall["compile"], 0.75))}). {generatorNote}. " +
                    $"Other processes used {Report.Pct(others)} of the machine during this section; load average {Machine.LoadAverage()}.");

                var rows = new List<IReadOnlyList<string>>();
                foreach (Group group in groups)
                {
                    List<PassResult> results = passes[group.Name];
                    foreach (DiagnosticAnalyzer analyzer in group.Analyzers)
                    {
                        double execMs = Stats.Median(results.Select(r => r.Telemetry[analyzer].ExecutionTime.TotalMilliseconds));
                        AnalyzerTelemetryInfo t = results[^1].Telemetry[analyzer];
                        rows.Add(new[]
                        {
                            group.Name,
                            analyzer.GetType().Name,
                            Report.Ms(execMs),
                            Report.Pct(execMs / compileMedian),
                            Actions(t),
                            results[^1].Telemetry.Count == 0 ? "" : "",
                        });
                    }

                    double groupExec = Stats.Median(results.Select(r => group.Analyzers.Sum(a => r.Telemetry[a].ExecutionTime.TotalMilliseconds)));
                    if (group.Analyzers.Length > 1)
                    {
                        rows.Add(new[] { group.Name, "**total**", $"**{Report.Ms(groupExec)}**", Report.Pct(groupExec / compileMedian), "", "" });
                    }

                    double groupWall = Stats.Median(wall[group.Name]);
                    rows[^1] = new[] { rows[^1][0], rows[^1][1], rows[^1][2], rows[^1][3], rows[^1][4],
                        $"{Report.Ms(groupWall)} wall, {results[^1].Diagnostics} diagnostics" };
                }

                report.Table(new[] { "Group", "Analyzer", "Execution time (median)", "% of compile", "Actions registered (telemetry counts)", "Pass" }, rows);
                Profile(report, variant, trees, enableAll, groups.Where(g => !g.Name.StartsWith("empty", StringComparison.Ordinal)));
                if (!set.CheckedMmap.IsEmpty)
                {
                    CompilationStartBreakdown(report, variant, trees, enableAll, set.CheckedMmap);
                }
            }

            AnalyzerTargets(report, groups, variantResults);
        }

        private static void AnalyzerTargets(
            Report report,
            List<Group> groups,
            Dictionary<string, (double CompileMs, Dictionary<string, List<PassResult>> Passes)> results)
        {
            Group? ours = groups.FirstOrDefault(g => g.Name.StartsWith("CheckedMmap", StringComparison.Ordinal));
            var sdkGroups = groups.Where(g => g.Name.StartsWith("SDK", StringComparison.Ordinal)).ToList();
            if (ours is null)
            {
                report.Target(new("Analyzer, no-mmap: < 1% of compile", "< 1%", "n/a", null, "the analyzer assembly has no analyzer yet"));
                return;
            }

            double Exec(string variant, Group g) =>
                Stats.Median(results[variant].Passes[g.Name].Select(r => g.Analyzers.Sum(a => r.Telemetry[a].ExecutionTime.TotalMilliseconds)));

            foreach (string variant in new[] { "no-mmap", "mmap" })
            {
                double oursMs = Exec(variant, ours);
                double compile = results[variant].CompileMs;
                if (variant == "no-mmap")
                {
                    report.Target(new(
                        "Analyzer, no-mmap: share of compile time", "≤ 0.05%", $"{Report.Ms(oursMs)} / {Report.Ms(compile)} = {Report.Pct(oursMs / compile)}",
                        oursMs / compile <= 0.0005, ""));
                }

                if (sdkGroups.Count > 0)
                {
                    // Without mmap: below the cheapest SDK interop analyzer. With mmap calls (14 rules, flow analysis
                    // included): below DisableRuntimeMarshallingAnalyzer, the SDK analyzer that also looks at call sites;
                    // the cheapest one is reported beside it.
                    (Group cheapest, double cheapestMs) = sdkGroups.Select(g => (g, Exec(variant, g))).OrderBy(x => x.Item2).First();
                    Group goal = variant == "mmap"
                        ? sdkGroups.FirstOrDefault(g => g.Analyzers[0].GetType().Name == "DisableRuntimeMarshallingAnalyzer") ?? cheapest
                        : cheapest;
                    double goalMs = Exec(variant, goal);
                    report.Target(new(
                        variant == "mmap" ? "Analyzer, mmap: below the SDK's call-site interop analyzer" : $"Analyzer, {variant}: below the cheapest SDK interop analyzer",
                        $"< {goal.Analyzers[0].GetType().Name}",
                        $"{Report.Ms(oursMs)} vs {Report.Ms(goalMs)} ({oursMs / goalMs:0.00}×)",
                        oursMs < goalMs,
                        string.Join("; ", sdkGroups.Select(g => $"{g.Analyzers[0].GetType().Name} {Report.Ms(Exec(variant, g))}"))));
                }
            }
        }

        private static int WarmPasses(bool quick) => quick ? 1 : 3;

        /// <summary>`-- profile`: only the profiled CheckedMmap pass on the 1,000-file mmap variant (diagnosis of a miss).</summary>
        public static void ProfileOnly(Report report)
        {
            AnalyzerSet set = AnalyzerSet.Load();
            ImmutableDictionary<string, ReportDiagnostic> enableAll = set.CheckedMmap.SelectMany(a => a.SupportedDiagnostics)
                .Select(d => d.Id).Distinct().ToImmutableDictionary(id => id, _ => ReportDiagnostic.Warn);
            ImmutableArray<SyntaxTree> warmupTrees = BuildTrees(true, 30, set, enableAll, out _);
            Analyze(warmupTrees, enableAll, set.CheckedMmap);
            ImmutableArray<SyntaxTree> trees = BuildTrees(true, CodeGenerator.FileCount, set, enableAll, out _);
            for (int warm = 0; warm < WarmPasses(quick: false); warm++)
            {
                Analyze(trees, enableAll, set.CheckedMmap); // warm every shape's code path until tiered JIT has optimized it
            }

            Profile(report, "mmap, CheckedMmap only, after a warm pass", trees, enableAll, new[] { new Group("CheckedMmap", set.CheckedMmap) }, passes: 7);
        }

        /// <summary>Diagnosis: one extra pass per analyzer with every callback timed by <see cref="ProfilingAnalyzer"/>.</summary>
        private static void Profile(Report report, string variant, ImmutableArray<SyntaxTree> trees, ImmutableDictionary<string, ReportDiagnostic> options, IEnumerable<Group> groups, int passes = 3)
        {
            const string telemetryKey = "(telemetry of the profiled pass)";
            var rows = new List<IReadOnlyList<string>>();
            foreach (Group group in groups)
            {
                foreach (DiagnosticAnalyzer analyzer in group.Analyzers)
                {
                    // Several profiled passes; each callback's total and call count is the median over them.
                    var totals = new Dictionary<string, List<(double Ms, long Calls)>>();
                    for (int i = 0; i < passes; i++)
                    {
                        var profiled = new ProfilingAnalyzer(analyzer);
                        PassResult pass = Analyze(trees, options, ImmutableArray.Create<DiagnosticAnalyzer>(profiled));
                        // What telemetry charged for the same pass: the difference from the callbacks' sum is the driver's
                        // work done on the analyzer's behalf (or the profiler's own overhead).
                        Add(totals, telemetryKey, pass.Telemetry[profiled].ExecutionTime.TotalMilliseconds, 0);
                        foreach (KeyValuePair<string, ActionCost> cost in profiled.Costs)
                        {
                            Add(totals, cost.Key, cost.Value.Milliseconds, cost.Value.Calls);
                        }
                    }

                    foreach (var entry in totals.OrderByDescending(e => e.Key == telemetryKey).ThenByDescending(e => Stats.Median(e.Value.Select(v => v.Ms).ToList())))
                    {
                        double ms = Stats.Median(entry.Value.Select(v => v.Ms).ToList());
                        long calls = (long)Stats.Median(entry.Value.Select(v => (double)v.Calls).ToList());
                        rows.Add(new[]
                        {
                            analyzer.GetType().Name, entry.Key, Report.Ms(ms),
                            entry.Key == telemetryKey ? "" : calls.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                            entry.Key == telemetryKey ? "" : Report.Ns(ms * 1e6 / Math.Max(1, calls)),
                        });
                    }
                }
            }

            report.Paragraph($"Where the time goes ({variant}; every callback timed, median of {passes} profiled passes; diagnosis only, not the headline numbers above):");
            report.Table(new[] { "Analyzer", "Callback", "Total", "Calls", "Per call" }, rows);

            static void Add(Dictionary<string, List<(double, long)>> totals, string key, double ms, long calls)
            {
                if (!totals.TryGetValue(key, out List<(double, long)>? list))
                {
                    totals[key] = list = new List<(double, long)>();
                }

                list.Add((ms, calls));
            }
        }

        /// <summary>
        /// Diagnosis of CheckedMmap's compilation start, which reads every file's text once: timed through the profiler on
        /// 5 fresh compilations of freshly parsed files (a build), and on a new compilation over the same trees (an IDE
        /// edit, where the analyzer's per-tree results are reused).
        /// </summary>
        private static void CompilationStartBreakdown(Report report, string variant, ImmutableArray<SyntaxTree> trees, ImmutableDictionary<string, ReportDiagnostic> options, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            var cold = new List<double>();
            var sameTrees = new List<double>();
            for (int i = 0; i < 5; i++)
            {
                CSharpCompilation fresh = NewCompilation(trees, options);
                cold.Add(StartCost(fresh, options, analyzers));
                CSharpCompilation edit = CSharpCompilation.Create(fresh.AssemblyName, fresh.SyntaxTrees, fresh.References, fresh.Options);
                sameTrees.Add(StartCost(edit, options, analyzers));
            }

            report.Paragraph(
                $"CheckedMmap's compilation start on the {variant} variant (it reads each file's text once and keeps what it found per syntax tree; " +
                $"median of 5, both start callbacks of a pass): **{Report.Ms(Stats.Median(cold))}** on freshly parsed files (a build), " +
                $"{Report.Ms(Stats.Median(sameTrees))} on a new compilation over the same trees (an IDE edit).");
        }

        private static double StartCost(CSharpCompilation compilation, ImmutableDictionary<string, ReportDiagnostic> options, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            double total = 0;
            foreach (DiagnosticAnalyzer analyzer in analyzers)
            {
                var profiled = new ProfilingAnalyzer(analyzer);
                _ = Analyze(compilation, ImmutableArray.Create<DiagnosticAnalyzer>(profiled));
                total += profiled.Costs.Where(c => c.Key.StartsWith("compilation-start", StringComparison.Ordinal)).Sum(c => c.Value.Milliseconds);
            }

            return total;
        }

        private static string Actions(AnalyzerTelemetryInfo t)
        {
            var parts = new List<string>();
            void Add(string name, int count)
            {
                if (count > 0)
                {
                    parts.Add($"{name} {count}");
                }
            }

            Add("compilation-start", t.CompilationStartActionsCount);
            Add("compilation", t.CompilationActionsCount);
            Add("compilation-end", t.CompilationEndActionsCount);
            Add("syntax-tree", t.SyntaxTreeActionsCount);
            Add("semantic-model", t.SemanticModelActionsCount);
            Add("symbol", t.SymbolActionsCount);
            Add("symbol-start", t.SymbolStartActionsCount);
            Add("symbol-end", t.SymbolEndActionsCount);
            Add("syntax-node", t.SyntaxNodeActionsCount);
            Add("code-block-start", t.CodeBlockStartActionsCount);
            Add("code-block", t.CodeBlockActionsCount);
            Add("code-block-end", t.CodeBlockEndActionsCount);
            Add("operation", t.OperationActionsCount);
            Add("operation-block-start", t.OperationBlockStartActionsCount);
            Add("operation-block", t.OperationBlockActionsCount);
            Add("operation-block-end", t.OperationBlockEndActionsCount);
            return parts.Count == 0 ? "none" : string.Join(", ", parts);
        }

        private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.CSharp12);

        /// <summary>A compilation over freshly parsed copies of the trees (same text), so that no analyzer's per-tree cache
        /// survives from one pass to the next: every pass is a cold build.</summary>
        private static CSharpCompilation NewCompilation(IEnumerable<SyntaxTree> trees, ImmutableDictionary<string, ReportDiagnostic> diagnosticOptions) =>
            CSharpCompilation.Create(
                "Contoso.Bench",
                trees.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), (CSharpParseOptions)t.Options, t.FilePath)),
                Basic.Reference.Assemblies.Net80.References.All,
                new CSharpCompilationOptions(
                    OutputKind.DynamicallyLinkedLibrary,
                    optimizationLevel: OptimizationLevel.Release,
                    allowUnsafe: true,
                    concurrentBuild: false,
                    nullableContextOptions: NullableContextOptions.Enable,
                    specificDiagnosticOptions: diagnosticOptions));

        /// <summary>Parses the generated files and runs the LibraryImport generator once; the measured passes reuse the
        /// resulting trees (parsing and generation are outside every measurement).</summary>
        private static ImmutableArray<SyntaxTree> BuildTrees(bool withMmap, int fileCount, AnalyzerSet set, ImmutableDictionary<string, ReportDiagnostic> options, out string note)
        {
            var trees = CodeGenerator.Generate(withMmap, fileCount)
                .Select(f => CSharpSyntaxTree.ParseText(f.Text, s_parseOptions, f.Path))
                .ToList();
            CSharpCompilation compilation = NewCompilation(trees, options);
            var stopwatch = Stopwatch.StartNew();
            GeneratorDriver driver = CSharpGeneratorDriver.Create(set.LibraryImportGenerator, parseOptions: s_parseOptions);
            driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics);
            stopwatch.Stop();
            int generatedTrees = generated.SyntaxTrees.Count() - trees.Count;
            Diagnostic[] errors = generated.GetDiagnostics().Concat(generatorDiagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
            if (errors.Length > 0)
            {
                throw new InvalidOperationException("the generated benchmark code does not compile:\n" + string.Join("\n", errors.Take(10)));
            }

            note = $"LibraryImport generator: {generatedTrees} generated file(s), {stopwatch.ElapsedMilliseconds} ms (not counted)";
            return generated.SyntaxTrees.ToImmutableArray();
        }

        private static double Compile(ImmutableArray<SyntaxTree> trees, ImmutableDictionary<string, ReportDiagnostic> options)
        {
            CSharpCompilation compilation = NewCompilation(trees, options);
            CollectGarbage();
            using var peStream = new MemoryStream();
            var stopwatch = Stopwatch.StartNew();
            Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(peStream);
            stopwatch.Stop();
            if (!result.Success)
            {
                throw new InvalidOperationException("benchmark compilation failed: " + string.Join("\n", result.Diagnostics.Take(5)));
            }

            return stopwatch.Elapsed.TotalMilliseconds;
        }

        private static readonly ConcurrentDictionary<string, string> s_analyzerExceptions = new();

        public static IReadOnlyDictionary<string, string> AnalyzerExceptions => s_analyzerExceptions;

        private static PassResult Analyze(ImmutableArray<SyntaxTree> trees, ImmutableDictionary<string, ReportDiagnostic> options, ImmutableArray<DiagnosticAnalyzer> analyzers) =>
            Analyze(NewCompilation(trees, options), analyzers);

        /// <summary>Every pass starts on a clean heap, so that no pass's callbacks pay for collecting the previous pass's garbage.</summary>
        private static void CollectGarbage()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        private static PassResult Analyze(CSharpCompilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            CollectGarbage();
            var withAnalyzers = compilation.WithAnalyzers(
                analyzers,
                new CompilationWithAnalyzersOptions(
                    new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                    onAnalyzerException: (exception, analyzer, _) => s_analyzerExceptions.TryAdd(analyzer.GetType().Name, exception.ToString()),
                    concurrentAnalysis: false,
                    logAnalyzerExecutionTime: true,
                    reportSuppressedDiagnostics: false));
            var stopwatch = Stopwatch.StartNew();
            ImmutableArray<Diagnostic> diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
            stopwatch.Stop();
            var telemetry = new Dictionary<DiagnosticAnalyzer, AnalyzerTelemetryInfo>();
            foreach (DiagnosticAnalyzer analyzer in analyzers)
            {
                telemetry[analyzer] = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult();
            }

            return new PassResult { WallMs = stopwatch.Elapsed.TotalMilliseconds, Telemetry = telemetry, Diagnostics = diagnostics.Length };
        }
    }
}
