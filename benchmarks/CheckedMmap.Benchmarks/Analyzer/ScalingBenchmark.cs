using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using CheckedMmap.Benchmarks.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CheckedMmap.Benchmarks.Analyzer
{
    /// <summary>
    /// How the analyzer's cost grows with the number of mmap calls in ONE method: per-method facts (the control flow
    /// graph, the dataflow of its locals, which names are written) must be computed once and shared by every call, so
    /// the cost per call stays flat from 10 to 10,000 calls. Reported as per-call cost relative to the 10-call method,
    /// all measured in the same run.
    /// </summary>
    internal static class ScalingBenchmark
    {
        private static readonly int[] Sizes = { 10, 100, 1_000, 10_000 };

        // Every sample analyzes this many calls in all (a small method is analyzed again on fresh compilations), so the
        // garbage collections that the allocation of a pass brings about are spread over the same work at every size.
        // One 1,000-call pass fits in the first generation's budget and would run without a collection, a 10,000-call
        // pass would not: per call, the small method would be timed without the collections that a build pays for it.
        private const int CallsPerSample = 10_000;

        private static readonly ImmutableArray<DiagnosticAnalyzer> BindingOnly = ImmutableArray.Create<DiagnosticAnalyzer>(new BindingOnlyAnalyzer());

        private static readonly ImmutableArray<DiagnosticAnalyzer> ArgumentsOnly = ImmutableArray.Create<DiagnosticAnalyzer>(new ArgumentsOnlyAnalyzer());

        private enum Shape
        {
            /// <summary>Literal arguments: the baseline, no local is read.</summary>
            Constants,

            /// <summary>Per call: a fresh local for prot, a reassigned flags local (|= on a branch every tenth call), a result check.</summary>
            Locals,

            /// <summary>One call whose flags come through a chain of N locals (each the previous one | a bit).</summary>
            ChainedLocals,

            /// <summary>Per call: an mmap through a binding without SetLastError, and a MAP_FAILED check that reads errno (MMAP010 each).</summary>
            ErrnoChecks,

            /// <summary>Per call, in turn: a map/unmap pair in a loop, one in a branch with a retry on a failed munmap, one
            /// retried in a while loop, one whose flags a ternary picks. The lifetime flow's joins and loop passes at scale.</summary>
            LoopsAndBranches,

            /// <summary>All calls inside one loop, each result checked (a join) and unmapped, the flags local changed on failure.</summary>
            LoopBody,
        }

        /// <summary>The shapes' names as the report and <c>--shape</c> spell them.</summary>
        public static IReadOnlyList<string> ShapeNames { get; } = Enum.GetValues(typeof(Shape)).Cast<Shape>().Select(Name).ToArray();

        public static void Run(Report report, AnalyzerSet set, bool quick, IReadOnlyCollection<string>? onlyShapes = null)
        {
            if (set.CheckedMmap.IsEmpty)
            {
                return;
            }

            // Small methods cost little per sample and their per-call figure is a difference of nearly equal medians:
            // more samples there; the 10,000-call method's figure is large and steady.
            int rounds = quick ? 1 : 7;
            int largeRounds = quick ? 1 : 3;
            int[] sizes = quick ? Sizes.Take(3).ToArray() : Sizes;
            ImmutableDictionary<string, ReportDiagnostic> enableAll = set.CheckedMmap
                .SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct()
                .ToImmutableDictionary(id => id, _ => ReportDiagnostic.Warn);

            report.Heading("Analyzer: cost per mmap call as one method grows");
            report.Paragraph(
                "One file, one method holding N mmap calls (a DllImport binding with `const int` constants). *constants*: literal and " +
                "named-constant arguments. *locals*: per call a fresh `prot` local, a `flags` local reassigned before each call (`|=` " +
                "under an `if` every tenth call, so the method has joins) and a `MAP_FAILED` check with an early return. *chained locals*: " +
                "one call whose flags go through a chain of N locals (`f1 = f0 | 0; f2 = f1 | 0; …`, read where the last one is used). " +
                "*errno checks*: per call an mmap through a binding declared without `SetLastError` and a `MAP_FAILED` check that throws with " +
                "`Marshal.GetLastPInvokeError()` (an MMAP010 diagnostic each). *loop body*: all N calls inside one `for` loop, each result " +
                "compared with `MAP_FAILED` (on failure a counter and, under an `if`, the loop's `flags` local change; otherwise a `munmap`), so " +
                "every call is a join and the dataflow goes round the loop until it settles. " +
                "*loops and branches*: per call in turn a map/unmap pair in a small loop, one in a branch that retries a failed munmap " +
                "(`int rc = munmap(…); if (rc != 0) munmap(…)`), one retried in a `while` loop, and one whose flags a ternary picks, " +
                "so the lifetime flow joins and repeats loops across thousands of pointer locals. " +
                $"CheckedMmap's execution time from analyzer telemetry, median of {rounds} samples ({largeRounds} for 10,000 calls) after a warm-up sample; a sample analyzes " +
                $"{CallsPerSample:N0} calls in all (a smaller method is analyzed on fresh compilations until it has covered as many), with a full " +
                "garbage collection before the sample and none forced inside it, so that the collections caused by a sample's allocations weigh " +
                "the same per call at every size; the GC pause column is the time the runtime paused for collections during a sample, per pass. " +
                "The first request for an operation of a method makes Roslyn bind the whole body, and that time counts as the asking " +
                "analyzer's: the binding column times an analyzer that asks for one operation and reads nothing (Roslyn's share, paid by " +
                "any operation-based analyzer). Cost per added call = (the method's time − the previous N's method's time) / (N − previous N): " +
                "the slope of everything CheckedMmap costs a build for the method (Roslyn's binding and graph included), constant where the " +
                "cost is linear, whatever the fixed costs of a pass; the target compares each step with the step before (a step may cost less: bodies above " +
                "100,000 characters take a cheaper path). Beyond the reference = that cost less the reference analyzer's cost per added call (below). Own per call = (CheckedMmap's time − binding − control flow graph − the same for the one-call " +
                "method) / N, relative to the smallest method of the same shape whose cost beyond the one-call method is at least a " +
                "quarter of its time (below that, the difference of two nearly equal medians is noise): 1.0× everywhere is linear time. " +
                "The reference column times an analyzer that reads every call's arguments through IOperation and judges nothing (the least " +
                "an operation-based analyzer of these calls does); CheckedMmap's time (less the graph) divided by the reference's, relative " +
                "to the same baseline N, shows whether CheckedMmap grows faster than Roslyn's own cost of the same calls: 1.0× is the same " +
                "growth. For chained locals N counts the links of the chain, and the per-call column is per link. Allocated per call = " +
                "(bytes the process allocates in CheckedMmap's pass − bytes it allocates in the binding-only pass of the same source − the " +
                "same difference for the one-call method) / N: exact (the passes run on one thread), so it follows the analyzer's own work " +
                "per call without the garbage collector's or the memory system's share of the time.");

            var rows = new List<IReadOnlyList<string>>();
            var verdicts = new List<string>();
            foreach (Shape shape in new[] { Shape.Constants, Shape.Locals, Shape.ChainedLocals, Shape.ErrnoChecks, Shape.LoopBody, Shape.LoopsAndBranches }.Where(s => onlyShapes is null || onlyShapes.Contains(Name(s))))
            {
                // The cost of a method with one call (compilation start, binding the method) is paid once whatever N is.
                string single = Source(shape, 1);
                Measure(single, set.CheckedMmap, enableAll, 1_000, out _, out _);
                double fixedMs = Stats.Median(Enumerable.Range(0, rounds).Select(_ => (Measure(single, set.CheckedMmap, enableAll, 1_000, out _, out double singleGraph) - singleGraph) / 1_000));
                double fixedBindingMs = Stats.Median(Enumerable.Range(0, rounds).Select(_ => Measure(single, BindingOnly, enableAll, 1_000, out int _, out double _) / 1_000));
                Measure(single, set.CheckedMmap, enableAll, 1_000, out _, out _, out double fixedAllocated);
                Measure(single, BindingOnly, enableAll, 1_000, out _, out _, out double fixedBindingAllocated);
                double? allocationBaseline = null;
                double worstAllocation = 0;
                int worstAllocationN = 0;
                double? baseline = null, baselineAgainstReference = null;
                double worst = 0, worstAgainstReference = 0;
                int baselineN = 0, worstN = 0;

                // Linear cost is a constant cost per added call: the whole time's growth from one size to the next, per
                // call added, compared with the same for the step before. The fixed costs (compilation start, the method's
                // declaration) cancel out, and nothing is subtracted that another pass measured. A step may cost less than
                // the one before (bodies above 100,000 characters take a cheaper path); one that costs more is growth.
                // The reference analyzer's cost per added call, taken from CheckedMmap's, is what CheckedMmap adds beyond
                // Roslyn's own work on the same calls.
                double? previousTotal = null, previousMarginal = null, previousReference = null, previousBeyond = null;
                int previousN = 0;
                double worstMarginal = 0, worstBeyond = 0;
                int worstMarginalN = 0;
                foreach (int n in sizes)
                {
                    string source = Source(shape, n);
                    int repeat = Math.Max(1, CallsPerSample / n);
                    Measure(source, set.CheckedMmap, enableAll, repeat, out _, out _); // warm-up
                    var totals = new List<double>();
                    var graphs = new List<double>();
                    var pauses = new List<double>();
                    var bindings = new List<double>();
                    Measure(source, BindingOnly, enableAll, repeat, out _, out _); // warm-up
                    Measure(source, ArgumentsOnly, enableAll, repeat, out _, out _); // warm-up
                    var references = new List<double>();
                    var allocations = new List<double>();
                    var byAnalyzer = new Dictionary<string, double>();
                    int diagnostics = 0;
                    for (int r = 0; r < (n >= 10_000 ? largeRounds : rounds); r++)
                    {
                        TimeSpan pausedBefore = GC.GetTotalPauseDuration();
                        totals.Add(Measure(source, set.CheckedMmap, enableAll, repeat, out diagnostics, out double graphMs, out double allocated, byAnalyzer) / repeat);
                        pauses.Add((GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds / repeat);
                        graphs.Add(graphMs / repeat);
                        bindings.Add(Measure(source, BindingOnly, enableAll, repeat, out _, out _, out double bindingAllocated) / repeat);
                        allocations.Add(allocated - bindingAllocated);
                        references.Add(Measure(source, ArgumentsOnly, enableAll, repeat, out _, out _) / repeat);
                    }

                    double total = Stats.Median(totals);
                    double paused = Stats.Median(pauses);
                    double binding = Stats.Median(bindings);
                    double graph = Stats.Median(graphs);
                    double reference = Stats.Median(references);
                    double againstReference = (total - graph) / reference;
                    double own = total - binding - graph;
                    double fixedOwn = fixedMs - fixedBindingMs;
                    double perCall = Math.Max(0, own - fixedOwn) / n;
                    // The baseline is the smallest N whose cost beyond the one-call method is a quarter of its time (a 10-link chain's is not).
                    if (baseline is null && perCall > 0 && own - fixedOwn >= total / 4)
                    {
                        baseline = perCall;
                        baselineAgainstReference = againstReference;
                        baselineN = n;
                    }

                    // Bytes CheckedMmap makes the process allocate per call beyond what binding the method allocates (exact, so
                    // no noise floor: the baseline is the smallest N).
                    double allocatedPerCall = Math.Max(0, Stats.Median(allocations) - (fixedAllocated - fixedBindingAllocated)) / n;
                    allocationBaseline ??= allocatedPerCall > 0 ? allocatedPerCall : null;
                    double allocationRatio = allocationBaseline is { } ab ? allocatedPerCall / ab : double.NaN;
                    if (!double.IsNaN(allocationRatio) && allocationRatio >= worstAllocation)
                    {
                        worstAllocation = allocationRatio;
                        worstAllocationN = n;
                    }

                    double ratio = baseline is { } b ? perCall / b : double.NaN;
                    if (!double.IsNaN(ratio) && ratio >= worst)
                    {
                        worst = ratio;
                        worstN = n;
                    }

                    double marginal = previousTotal is { } before ? (total - before) / (n - previousN) : double.NaN;
                    double beyond = previousReference is { } referenceBefore ? marginal - ((reference - referenceBefore) / (n - previousN)) : double.NaN;
                    double marginalRatio = previousMarginal is { } pm && pm > 0 && !double.IsNaN(marginal) ? marginal / pm : double.NaN;
                    double beyondRatio = previousBeyond is { } pb && pb > 0 && !double.IsNaN(beyond) ? beyond / pb : double.NaN;
                    if (!double.IsNaN(marginalRatio) && marginalRatio >= worstMarginal)
                    {
                        worstMarginal = marginalRatio;
                        worstMarginalN = n;
                    }

                    worstBeyond = double.IsNaN(beyondRatio) ? worstBeyond : Math.Max(worstBeyond, beyondRatio);
                    int marginalFrom = previousN;
                    previousTotal = total;
                    previousReference = reference;
                    previousMarginal = double.IsNaN(marginal) ? null : marginal;
                    previousBeyond = double.IsNaN(beyond) ? null : beyond;
                    previousN = n;
                    double growthAgainstReference = baselineAgainstReference is { } br ? againstReference / br : double.NaN;
                    worstAgainstReference = double.IsNaN(growthAgainstReference) ? worstAgainstReference : Math.Max(worstAgainstReference, growthAgainstReference);
                    rows.Add(new[]
                    {
                        Name(shape), n.ToString("N0", CultureInfo.InvariantCulture), Report.Ms(total),
                        double.IsNaN(marginal) ? "—" : Report.Ns(marginal * 1e6) + " (from N = " + marginalFrom.ToString("N0", CultureInfo.InvariantCulture) + ")",
                        double.IsNaN(marginalRatio) ? "—" : marginalRatio.ToString("0.00", CultureInfo.InvariantCulture) + "×",
                        double.IsNaN(beyond) ? "—" : Report.Ns(beyond * 1e6),
                        double.IsNaN(beyondRatio) ? "—" : beyondRatio.ToString("0.00", CultureInfo.InvariantCulture) + "×",
                        graph == 0 ? "not built" : Report.Ms(graph),
                        Report.Ms(binding),
                        Report.Ms(paused),
                        Report.Ns(perCall * 1e6), double.IsNaN(ratio) ? "—" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×",
                        Bytes(allocatedPerCall), double.IsNaN(allocationRatio) ? "—" : allocationRatio.ToString("0.00", CultureInfo.InvariantCulture) + "×",
                        Report.Ms(reference),
                        againstReference.ToString("0.00", CultureInfo.InvariantCulture) + "×",
                        double.IsNaN(growthAgainstReference) ? "—" : growthAgainstReference.ToString("0.00", CultureInfo.InvariantCulture) + "×",
                        diagnostics.ToString(CultureInfo.InvariantCulture),
                        string.Join(", ", byAnalyzer.Where(a => a.Value >= 0.005).OrderByDescending(a => a.Value).Select(a => a.Key + " " + Report.Ms(a.Value))),
                    });
                    Console.WriteLine($"scaling[{Name(shape)}] {n}: {total:0.00} ms (graph {graph:0.00} ms, one-call method {fixedMs:0.00} ms, GC pauses {paused:0.00} ms, binding {binding:0.00} ms), {perCall * 1e6:0} ns per call, {ratio:0.00}x the baseline per-call cost; reference {reference:0.00} ms, {againstReference:0.00}x it, {growthAgainstReference:0.00}x the baseline's");
                }

                verdicts.Add($"{Name(shape)}: worst growth of the cost per added call {worstMarginal:0.00}× (at N = {worstMarginalN:N0}), of the part beyond the reference analyzer's {worstBeyond:0.00}×; own per-call ratio {worst:0.00}× (at N = {worstN:N0} vs {baselineN:N0}), against the reference {worstAgainstReference:0.00}×, allocations per call {worstAllocation:0.00}× (at N = {worstAllocationN:N0})");
                report.Target(new($"Analyzer, {Name(shape)}: cost per added call, worst step vs the step before", "flat (≤ 1.25×)",
                    $"{worstMarginal:0.00}× at N = {worstMarginalN:N0}", worstMarginal <= 1.25,
                    worstMarginal <= 1.25 ? "" : $"beyond the reference analyzer's cost per added call (Roslyn's work on the same calls), CheckedMmap's grows {worstBeyond:0.00}× at most"));
            }

            report.Table(new[] { "Shape", "Calls (N)", "Analyzer time for the method", "Cost per added call: (time − time at the previous N) / (N − previous N)", "vs the step before", "Beyond the reference analyzer's cost per added call", "vs the step before", "of which Roslyn builds its control flow graph (once)", "Roslyn binds the method (binding-only analyzer)", "GC pauses during the pass (whole process)", "Own per call (time − binding − graph − one-call method) / N", "Own per call vs the smallest N with a measurable cost", "Allocated per call beyond binding (less the one-call method)", "Allocated per call vs N = 10", "Reference: reads every call's arguments", "CheckedMmap ÷ reference", "÷ reference vs the same baseline N", "Diagnostics", "By analyzer (last round)" }, rows);
            report.Paragraph(string.Join("; ", verdicts) + ". The control flow graph is built once per method by Roslyn's " +
                "`ControlFlowGraph.Create`, timed inside the same pass (the analyzer counts the time it spends there); its own cost " +
                "grows faster than linearly with the blocks of one method (`ControlFlowGraphBuilder.PackRegions`), so the per-call " +
                "column, which leaves it out with Roslyn's binding, is the analyzer's own cost.");
        }

        private static string Bytes(double bytes) => bytes >= 10_000
            ? (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KiB"
            : bytes.ToString("0", CultureInfo.InvariantCulture) + " B";

        private static string Name(Shape shape) => shape switch
        {
            Shape.Constants => "constants",
            Shape.Locals => "locals",
            Shape.ChainedLocals => "chained locals",
            Shape.ErrnoChecks => "errno checks",
            Shape.LoopsAndBranches => "loops and branches",
            _ => "loop body",
        };

        /// <summary>
        /// The analyzers' total time over <paramref name="repeat"/> passes, and in <paramref name="graphMs"/> the part of it
        /// spent in Roslyn's <c>ControlFlowGraph.Create</c>, as the analyzer itself counts it.
        /// </summary>
        private static double Measure(string source, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableDictionary<string, ReportDiagnostic> options, int repeat, out int diagnostics, out double graphMs, Dictionary<string, double>? byAnalyzer = null) =>
            Measure(source, analyzers, options, repeat, out diagnostics, out graphMs, out _, byAnalyzer);

        /// <summary>As above; <paramref name="allocatedPerPass"/> is what the whole process allocated per pass (exact: one thread).</summary>
        private static double Measure(string source, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableDictionary<string, ReportDiagnostic> options, int repeat, out int diagnostics, out double graphMs, out double allocatedPerPass, Dictionary<string, double>? byAnalyzer = null)
        {
            double total = 0;
            diagnostics = 0;
            long graphTicks = GraphTicks(analyzers);
            byAnalyzer?.Clear();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < repeat; i++)
            {
                CSharpCompilation compilation = CSharpCompilation.Create(
                    "Scaling",
                    new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12), "Scaling.cs") },
                    Basic.Reference.Assemblies.Net80.References.All,
                    new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, concurrentBuild: false, specificDiagnosticOptions: options));
                var withAnalyzers = compilation.WithAnalyzers(
                    analyzers,
                    new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false));
                diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult().Length;
                foreach (DiagnosticAnalyzer analyzer in analyzers)
                {
                    double ms = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime.TotalMilliseconds;
                    total += ms;
                    if (byAnalyzer is not null)
                    {
                        string name = analyzer.GetType().Name;
                        byAnalyzer[name] = (byAnalyzer.TryGetValue(name, out double sum) ? sum : 0) + (ms / repeat);
                    }
                }
            }

            allocatedPerPass = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / repeat;
            graphMs = (GraphTicks(analyzers) - graphTicks) * 1000.0 / Stopwatch.Frequency;
            return total;
        }

        /// <summary>The analyzer's own count of Stopwatch ticks spent building control flow graphs (<c>ControlFlowGraphs.BuildTicks</c>).</summary>
        private static long GraphTicks(ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            if (analyzers == BindingOnly || analyzers == ArgumentsOnly)
            {
                return 0; // the references build no graph
            }

            PropertyInfo? ticks = analyzers[0].GetType().Assembly.GetType("CheckedMmap.Analyzers.Values.ControlFlowGraphs")
                ?.GetProperty("BuildTicks", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public);
            return ticks?.GetValue(null) is long value ? value : throw new InvalidOperationException("the analyzer under test does not count its graph time (ControlFlowGraphs.BuildTicks)");
        }

        public static string Source(int shape, int calls) => Source((Shape)shape, calls);

        private static string Source(Shape shape, int calls)
        {
            var text = new StringBuilder();
            text.Append("""
                using System;
                using System.ComponentModel;
                using System.Runtime.InteropServices;

                static class Native
                {
                    public const int PROT_READ = 1, PROT_WRITE = 2;
                    public const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
                    public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

                    [DllImport("libc"SETLASTERROR)]
                    public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

                    [DllImport("libc"SETLASTERROR)]
                    public static extern int munmap(IntPtr addr, UIntPtr length);
                }

                static class Mapper
                {
                    static void Map(bool huge)
                    {

                """);
            switch (shape)
            {
                case Shape.Constants:
                    for (int i = 0; i < calls; i++)
                    {
                        text.Append("        Native.mmap(IntPtr.Zero, (UIntPtr)4096, Native.PROT_READ | Native.PROT_WRITE, ")
                            .Append(i % 10 == 0 ? "Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE" : "Native.MAP_PRIVATE | Native.MAP_ANONYMOUS")
                            .Append(", -1, IntPtr.Zero);\n");
                    }

                    break;
                case Shape.Locals:
                    text.Append("        int flags;\n");
                    for (int i = 0; i < calls; i++)
                    {
                        text.Append("        int prot").Append(i).Append(" = Native.PROT_READ | Native.PROT_WRITE;\n");
                        text.Append("        flags = Native.MAP_PRIVATE;\n        flags |= Native.MAP_ANONYMOUS;\n");
                        if (i % 10 == 0)
                        {
                            text.Append("        if (huge) flags |= Native.MAP_NORESERVE;\n");
                        }

                        text.Append("        IntPtr p").Append(i).Append(" = Native.mmap(IntPtr.Zero, (UIntPtr)4096, prot").Append(i).Append(", flags, -1, IntPtr.Zero);\n");
                        text.Append("        if (p").Append(i).Append(" == Native.MAP_FAILED) return;\n");
                    }

                    break;
                case Shape.ErrnoChecks:
                    for (int i = 0; i < calls; i++)
                    {
                        text.Append("        IntPtr p").Append(i).Append(" = Native.mmap(IntPtr.Zero, (UIntPtr)4096, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, IntPtr.Zero);\n");
                        text.Append("        if (p").Append(i).Append(" == Native.MAP_FAILED) throw new Win32Exception(Marshal.GetLastPInvokeError());\n");
                    }

                    break;
                case Shape.LoopsAndBranches:
                    text.Append("        int flags = Native.MAP_PRIVATE | Native.MAP_ANONYMOUS;\n");
                    for (int i = 0; i < calls; i++)
                    {
                        string size = "(UIntPtr)" + (4096 * (1 + (i % 7))).ToString(CultureInfo.InvariantCulture);
                        string n = i.ToString(CultureInfo.InvariantCulture);
                        switch (i % 4)
                        {
                            case 0:
                                text.Append("        for (int i").Append(n).Append(" = 0; i").Append(n).Append(" < 2; i").Append(n).Append("++) { IntPtr q").Append(n)
                                    .Append(" = Native.mmap(IntPtr.Zero, ").Append(size).Append(", Native.PROT_READ | Native.PROT_WRITE, flags, -1, IntPtr.Zero); if (q").Append(n)
                                    .Append(" == Native.MAP_FAILED) break; if (Native.munmap(q").Append(n).Append(", ").Append(size).Append(") != 0) throw new InvalidOperationException(); }\n");
                                break;
                            case 1:
                                text.Append("        if (huge) { IntPtr r").Append(n).Append(" = Native.mmap(IntPtr.Zero, ").Append(size).Append(", Native.PROT_READ | Native.PROT_WRITE, flags, -1, IntPtr.Zero); if (r")
                                    .Append(n).Append(" == Native.MAP_FAILED) return; int rc").Append(n).Append(" = Native.munmap(r").Append(n).Append(", ").Append(size).Append("); if (rc").Append(n)
                                    .Append(" != 0) Native.munmap(r").Append(n).Append(", ").Append(size).Append("); }\n");
                                break;
                            case 2:
                                text.Append("        IntPtr s").Append(n).Append(" = Native.mmap(IntPtr.Zero, ").Append(size).Append(", Native.PROT_READ | Native.PROT_WRITE, flags, -1, IntPtr.Zero);\n");
                                text.Append("        if (s").Append(n).Append(" == Native.MAP_FAILED) return;\n        while (Native.munmap(s").Append(n).Append(", ").Append(size).Append(") != 0) { }\n");
                                break;
                            default:
                                text.Append("        IntPtr t").Append(n).Append(" = Native.mmap(IntPtr.Zero, ").Append(size).Append(", Native.PROT_READ | Native.PROT_WRITE, huge ? Native.MAP_PRIVATE | Native.MAP_ANONYMOUS : flags, -1, IntPtr.Zero);\n");
                                text.Append("        if (t").Append(n).Append(" != Native.MAP_FAILED) Native.munmap(t").Append(n).Append(", ").Append(size).Append(");\n");
                                break;
                        }
                    }

                    break;
                case Shape.LoopBody:
                    text.Append("        int flags = Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, failures = 0;\n        for (int round = 0; round < 2; round++)\n        {\n");
                    for (int i = 0; i < calls; i++)
                    {
                        text.Append("            IntPtr p").Append(i).Append(" = Native.mmap(IntPtr.Zero, (UIntPtr)4096, Native.PROT_READ | Native.PROT_WRITE, flags, -1, IntPtr.Zero);\n");
                        text.Append("            if (p").Append(i).Append(" == Native.MAP_FAILED) { failures++; if (huge) flags |= Native.MAP_NORESERVE; } else Native.munmap(p").Append(i).Append(", (UIntPtr)4096);\n");
                    }

                    text.Append("        }\n");
                    break;
                default:
                    text.Append("        int f0 = Native.MAP_PRIVATE | Native.MAP_ANONYMOUS;\n");
                    for (int i = 1; i < calls; i++)
                    {
                        text.Append("        int f").Append(i).Append(" = f").Append(i - 1).Append(i % 2 == 0 ? " | 0" : " & ~0").Append(";\n");
                    }

                    text.Append("        Native.mmap(IntPtr.Zero, (UIntPtr)4096, Native.PROT_READ | Native.PROT_WRITE, f").Append(calls - 1).Append(", -1, IntPtr.Zero);\n");
                    break;
            }

            text.Append("    }\n}\n");
            return text.Replace("SETLASTERROR", shape == Shape.ErrnoChecks ? string.Empty : ", SetLastError = true").ToString();
        }
    }
}
