using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime;
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

        // The control: the same calls, in the same file, in methods of this many calls each.
        private const int SpreadCallsPerMethod = 10;

        // The most one no-GC region asks for: the runtime grants regions of several GiB on 64-bit, and a 10,000-call pass
        // allocates a few hundred MiB.
        private const long HoldRegionBytes = 4L << 30;

        private static readonly int HeapCount = GC.GetConfigurationVariables().TryGetValue("HeapCount", out object? heaps) && heaps is long count && count > 0 ? (int)count : 1;

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
                "so the lifetime flow joins and repeats loops across thousands of pointer locals. For chained locals N counts the links " +
                "of the chain, and the per-call columns are per link.\n\n" +
                $"Times are analyzer telemetry, medians of {rounds} samples ({largeRounds} for 10,000 calls) after a warm-up sample; a sample " +
                $"analyzes {CallsPerSample:N0} calls in all (a smaller method is analyzed on fresh compilations until it has covered as many), " +
                "after a full garbage collection. The first request for an operation of a method makes Roslyn bind the whole body, and that " +
                "time counts as the asking analyzer's. Each sample runs five passes over the source, and the last two again over the control (below):\n\n" +
                "- *whole*: CheckedMmap as a build runs it, collections as they come. Its time holds Roslyn's binding of the body and the " +
                "collector's pauses, which grow faster than the calls (Roslyn's definite-assignment pass keeps a bit vector of every local " +
                "for every pending branch, and each collection walks a heap holding the method's bound tree);\n" +
                "- *reference*: an analyzer that reads every call's arguments through IOperation and judges nothing, collections as they " +
                "come: the least any operation-based analyzer of these calls costs, Roslyn's share of the whole time;\n" +
                "- *binding*: an analyzer that asks for one operation and reads nothing, collections as they come, for the allocations " +
                "(below);\n" +
                "- *held*: CheckedMmap with the collector held off (`GC.TryStartNoGCRegion` around the passes, sized from the warm-up's " +
                "allocations, so no collection runs inside a pass; the column of collections that ran anyway says when it did not hold);\n" +
                "- *binding, held*: an analyzer that asks for one operation and reads nothing, the collector held off: Roslyn's binding of " +
                "the body alone.\n\n" +
                "Own work = held − binding held, per round (the median of the differences): what CheckedMmap computes for the method, " +
                "its control flow graph included (`ControlFlowGraph.Create`, which the analyzer asks for, timed by the analyzer itself).\n\n" +
                $"**The target** compares the own work for N calls in one method with the own work for the same N calls in the same file " +
                $"split into methods of {SpreadCallsPerMethod} calls (the *control*, held and less its binding in the same way, in the same " +
                "round; the median of the per-round quotients), at every N above 10 (at N = 10 both are the same method). The control is " +
                "linear in N by construction (N / " +
                $"{SpreadCallsPerMethod} methods that do not see each other), and it carries everything that grows with the file rather " +
                "than with one method: the size of the heap and of the working set that the caches and the TLB must hold. So a quotient " +
                "that stays near 1 at every N is a cost per call that does not depend on the size of the method it is in; an analyzer " +
                "that computed per-method facts once per call would show a quotient that grows with N. The own work per added call " +
                "= (own work at N − own work at the previous N) / (N − previous N), and its step against the step before, are shown " +
                "beside it with the whole time's and the reference's; these steps are not the target because at N = 10,000 they " +
                "carry the memory system's growth with the working set (the reference analyzer, which only reads arguments, grows " +
                "there too: its column), and they move with what the process ran before (a run of all shapes against a run of one). " +
                "Allocated per call = (bytes allocated in the whole pass − bytes allocated in a binding-only pass, collections as they " +
                "come, − the same difference for the one-call method) / N: exact (the passes run on one thread), the load CheckedMmap puts on the collector per call.");

            var rows = new List<IReadOnlyList<string>>();
            var verdicts = new List<string>();
            foreach (Shape shape in new[] { Shape.Constants, Shape.Locals, Shape.ChainedLocals, Shape.ErrnoChecks, Shape.LoopBody, Shape.LoopsAndBranches }.Where(s => onlyShapes is null || onlyShapes.Contains(Name(s))))
            {
                // What a method with one call allocates beyond binding (compilation start, the method's declaration) is
                // paid once whatever N is.
                string single = Source(shape, 1);
                Measure(single, set.CheckedMmap, enableAll, 1_000, holdBytesPerPass: 0);
                double fixedAllocated = Measure(single, set.CheckedMmap, enableAll, 1_000, holdBytesPerPass: 0).Allocated
                    - Measure(single, BindingOnly, enableAll, 1_000, holdBytesPerPass: 0).Allocated;

                double? previousWhole = null, previousWholeSlope = null, previousReference = null, previousReferenceSlope = null;
                double? previousOwn = null, previousOwnSlope = null, allocationBaseline = null, quotientBaseline = null;
                int previousN = 0, worstOwnN = 0, worstWholeN = 0, worstAllocationN = 0;
                double worstOwn = 0, worstWhole = 0, worstReference = 0, worstAllocation = 0, worstAgainstSpread = 0;
                int worstAgainstSpreadN = 0;
                foreach (int n in sizes)
                {
                    string source = Source(shape, n);
                    string spread = Source(shape, n, SpreadCallsPerMethod);
                    int repeat = Math.Max(1, CallsPerSample / n);
                    Pass warm = Measure(source, set.CheckedMmap, enableAll, repeat, holdBytesPerPass: 0);
                    Pass bindingWarm = Measure(source, BindingOnly, enableAll, repeat, holdBytesPerPass: 0);
                    Pass spreadWarm = Measure(spread, set.CheckedMmap, enableAll, repeat, holdBytesPerPass: 0);
                    Pass spreadBindingWarm = Measure(spread, BindingOnly, enableAll, repeat, holdBytesPerPass: 0);
                    Measure(source, ArgumentsOnly, enableAll, repeat, holdBytesPerPass: 0);
                    var wholes = new List<double>();
                    var pauses = new List<double>();
                    var references = new List<double>();
                    var helds = new List<double>();
                    var heldBindings = new List<double>();
                    var owns = new List<double>();
                    var spreadOwns = new List<double>();
                    var againstSpread = new List<double>();
                    var graphs = new List<double>();
                    var allocations = new List<double>();
                    var byAnalyzer = new Dictionary<string, double>();
                    int diagnostics = 0, collectionsInHeldPasses = 0;
                    for (int r = 0; r < (n >= 10_000 ? largeRounds : rounds); r++)
                    {
                        Pass whole = Measure(source, set.CheckedMmap, enableAll, repeat, holdBytesPerPass: 0, byAnalyzer);
                        wholes.Add(whole.Ms);
                        pauses.Add(whole.PausedMs);
                        diagnostics = whole.Diagnostics;
                        allocations.Add(whole.Allocated - Measure(source, BindingOnly, enableAll, repeat, holdBytesPerPass: 0).Allocated);
                        references.Add(Measure(source, ArgumentsOnly, enableAll, repeat, holdBytesPerPass: 0).Ms);
                        Pass held = Measure(source, set.CheckedMmap, enableAll, repeat, warm.Allocated);
                        Pass heldBinding = Measure(source, BindingOnly, enableAll, repeat, bindingWarm.Allocated);
                        Pass heldSpread = Measure(spread, set.CheckedMmap, enableAll, repeat, spreadWarm.Allocated);
                        Pass heldSpreadBinding = Measure(spread, BindingOnly, enableAll, repeat, spreadBindingWarm.Allocated);
                        double roundOwn = held.Ms - heldBinding.Ms, roundSpreadOwn = heldSpread.Ms - heldSpreadBinding.Ms;
                        helds.Add(held.Ms);
                        heldBindings.Add(heldBinding.Ms);
                        graphs.Add(held.GraphMs);
                        owns.Add(roundOwn);
                        spreadOwns.Add(roundSpreadOwn);
                        againstSpread.Add(roundOwn / roundSpreadOwn);
                        collectionsInHeldPasses += held.PassesWithCollections + heldBinding.PassesWithCollections + heldSpread.PassesWithCollections + heldSpreadBinding.PassesWithCollections;
                    }

                    double wholeMs = Stats.Median(wholes);
                    double reference = Stats.Median(references);
                    double own = Stats.Median(owns);
                    double spreadOwn = Stats.Median(spreadOwns);
                    double oneAgainstSpread = Stats.Median(againstSpread);
                    // Up to one control method's size both sources are the same method: their quotient is noise, not a finding.
                    if (n > SpreadCallsPerMethod)
                    {
                        Worst(oneAgainstSpread, n, ref worstAgainstSpread, ref worstAgainstSpreadN);
                    }

                    double quotient = wholeMs / reference;
                    quotientBaseline ??= quotient;
                    double wholeSlope = Slope(wholeMs, previousWhole, n, previousN);
                    double referenceSlope = Slope(reference, previousReference, n, previousN);
                    double ownSlope = Slope(own, previousOwn, n, previousN);
                    double wholeStep = Step(wholeSlope, previousWholeSlope);
                    double referenceStep = Step(referenceSlope, previousReferenceSlope);
                    double ownStep = Step(ownSlope, previousOwnSlope);
                    Worst(ownStep, n, ref worstOwn, ref worstOwnN);
                    Worst(wholeStep, n, ref worstWhole, ref worstWholeN);
                    worstReference = double.IsNaN(referenceStep) ? worstReference : Math.Max(worstReference, referenceStep);

                    double allocatedPerCall = Math.Max(0, Stats.Median(allocations) - fixedAllocated) / n;
                    allocationBaseline ??= allocatedPerCall > 0 ? allocatedPerCall : null;
                    double allocationRatio = allocationBaseline is { } ab ? allocatedPerCall / ab : double.NaN;
                    Worst(allocationRatio, n, ref worstAllocation, ref worstAllocationN);

                    string from = " (from N = " + previousN.ToString("N0", CultureInfo.InvariantCulture) + ")";
                    rows.Add(new[]
                    {
                        Name(shape), n.ToString("N0", CultureInfo.InvariantCulture),
                        Report.Ms(wholeMs), Report.Ms(Stats.Median(pauses)),
                        double.IsNaN(wholeSlope) ? "—" : Report.Ns(wholeSlope * 1e6) + from, Times(wholeStep),
                        Report.Ms(reference), Times(referenceStep), Times(quotient / quotientBaseline.Value),
                        Report.Ms(Stats.Median(helds)), Report.Ms(Stats.Median(heldBindings)), Stats.Median(graphs) == 0 ? "not built" : Report.Ms(Stats.Median(graphs)),
                        Report.Ms(own), Report.Ms(spreadOwn), Times(oneAgainstSpread),
                        double.IsNaN(ownSlope) ? "—" : Report.Ns(ownSlope * 1e6) + from, Times(ownStep),
                        collectionsInHeldPasses.ToString(CultureInfo.InvariantCulture),
                        Bytes(allocatedPerCall), Times(allocationRatio),
                        diagnostics.ToString(CultureInfo.InvariantCulture),
                        string.Join(", ", byAnalyzer.Where(a => a.Value >= 0.005).OrderByDescending(a => a.Value).Select(a => a.Key + " " + Report.Ms(a.Value))),
                    });
                    Console.WriteLine($"scaling[{Name(shape)}] {n}: whole {wholeMs:0.00} ms, reference {reference:0.00} ms, held {Stats.Median(helds):0.00} ms, binding held {Stats.Median(heldBindings):0.00} ms, own {own:0.00} ms ({ownSlope * 1e6:0} ns per added call, {ownStep:0.00}x the step before), spread over methods of {SpreadCallsPerMethod} calls {spreadOwn:0.00} ms ({oneAgainstSpread:0.00}x), {collectionsInHeldPasses} held passes collected");
                    previousWhole = wholeMs;
                    previousReference = reference;
                    previousOwn = own;
                    previousWholeSlope = NullIfNaN(wholeSlope);
                    previousReferenceSlope = NullIfNaN(referenceSlope);
                    previousOwnSlope = NullIfNaN(ownSlope);
                    previousN = n;
                }

                verdicts.Add($"{Name(shape)}: own work in one method at most {worstAgainstSpread:0.00}× that of the same calls in methods of {SpreadCallsPerMethod} (at N = {worstAgainstSpreadN:N0}); worst step of the own work per added call {worstOwn:0.00}× (at N = {worstOwnN:N0}); of the whole time's {worstWhole:0.00}× (at N = {worstWholeN:N0}), of the reference analyzer's {worstReference:0.00}×; allocations per call at most {worstAllocation:0.00}× those at N = 10");
                report.Target(new($"Analyzer, {Name(shape)}: own work for N calls in one method vs the same calls in methods of {SpreadCallsPerMethod}, worst N", "≤ 1.25×",
                    $"{worstAgainstSpread:0.00}× at N = {worstAgainstSpreadN:N0}", worstAgainstSpread <= 1.25,
                    $"own work per added call, worst step vs the step before {worstOwn:0.00}×; whole time (Roslyn's binding and the collector's pauses included) {worstWhole:0.00}×, reference analyzer {worstReference:0.00}×"));
            }

            report.Table(new[] { "Shape", "Calls (N)", "Whole: CheckedMmap's pass, collections as they come", "GC pauses during it", "Whole time per added call", "vs the step before", "Reference: reads every call's arguments", "Its time per added call vs the step before", "CheckedMmap ÷ reference vs N = 10", "Held: CheckedMmap's pass, no collection", "Binding only, held", "of which CheckedMmap asks Roslyn for the control flow graph", "Own work (held − binding held)", "Own work for the same calls in methods of 10", "One method ÷ methods of 10 (target ≤ 1.25×)", "Own work per added call", "vs the step before", "Held passes a collection ran in anyway", "Allocated per call beyond binding (less the one-call method)", "vs N = 10", "Diagnostics", "By analyzer (whole, last round)" }, rows);
            report.Paragraph(string.Join("; ", verdicts) + ".");
        }

        private static double Slope(double value, double? previous, int n, int previousN) =>
            previous is { } before ? (value - before) / (n - previousN) : double.NaN;

        private static double Step(double slope, double? previousSlope) =>
            previousSlope is { } before && before > 0 && !double.IsNaN(slope) ? slope / before : double.NaN;

        private static void Worst(double ratio, int n, ref double worst, ref int worstN)
        {
            if (!double.IsNaN(ratio) && ratio >= worst)
            {
                worst = ratio;
                worstN = n;
            }
        }

        private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;

        private static string Times(double ratio) => double.IsNaN(ratio) ? "—" : ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";

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

        /// <summary>One sample's figures, per pass.</summary>
        /// <param name="Ms">The analyzers' execution time.</param>
        /// <param name="GraphMs">The part of it spent in Roslyn's <c>ControlFlowGraph.Create</c>, as the analyzer counts it.</param>
        /// <param name="Allocated">Bytes the process allocated (exact when collections come as they do: the passes run on one
        /// thread; inside a no-GC region the runtime's count is not).</param>
        /// <param name="PausedMs">Time the runtime paused for collections.</param>
        /// <param name="Diagnostics">Diagnostics of the last pass.</param>
        /// <param name="PassesWithCollections">Passes a collection ran in although the collector was held off.</param>
        private readonly record struct Pass(double Ms, double GraphMs, double Allocated, double PausedMs, int Diagnostics, int PassesWithCollections);

        /// <summary>
        /// Runs <paramref name="repeat"/> passes of <paramref name="analyzers"/> over fresh compilations of
        /// <paramref name="source"/>. With <paramref name="holdBytesPerPass"/> above zero (what one pass is expected to
        /// allocate), the collector is held off during the passes: each no-GC region covers as many passes as its budget
        /// allows, and a new one starts between passes, where no analyzer is timed.
        /// </summary>
        private static Pass Measure(string source, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableDictionary<string, ReportDiagnostic> options, int repeat, double holdBytesPerPass, Dictionary<string, double>? byAnalyzer = null)
        {
            double total = 0;
            int diagnostics = 0, passesWithCollections = 0;
            long graphTicks = GraphTicks(analyzers);
            byAnalyzer?.Clear();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TimeSpan pausedBefore = GC.GetTotalPauseDuration();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            // The runtime splits a region's budget among the server collector's heaps, and one thread may fill one heap's share.
            long passBudget = holdBytesPerPass > 0 ? ((long)(holdBytesPerPass * 1.25) + (64L << 20)) * HeapCount : 0;
            long regionLeft = 0;
            for (int i = 0; i < repeat; i++)
            {
                if (passBudget > 0 && regionLeft < passBudget)
                {
                    EndHold();
                    long region = Math.Clamp(passBudget * (repeat - i), passBudget, Math.Max(passBudget, HoldRegionBytes));
                    regionLeft = GC.TryStartNoGCRegion(region) ? region : 0;
                }

                int collectionsBefore = GC.CollectionCount(0);
                long passAllocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
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

                regionLeft -= GC.GetTotalAllocatedBytes(precise: false) - passAllocatedBefore;
                passesWithCollections += passBudget > 0 && GC.CollectionCount(0) != collectionsBefore ? 1 : 0;
            }

            EndHold();
            double allocated = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / repeat;
            double graphMs = (GraphTicks(analyzers) - graphTicks) * 1000.0 / Stopwatch.Frequency;
            return new Pass(total / repeat, graphMs / repeat, allocated, (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds / repeat, diagnostics, passesWithCollections);
        }

        /// <summary>Ends the no-GC region if one is still on (a collection that ran anyway has ended it already).</summary>
        private static void EndHold()
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
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

        public static string Source(int shape, int calls, int callsPerMethod) => Source((Shape)shape, calls, callsPerMethod);

        /// <summary>
        /// The source of <paramref name="calls"/> calls of <paramref name="shape"/>: in one method, or spread over methods of
        /// <paramref name="callsPerMethod"/> calls each (the same file, the same calls, small methods).
        /// </summary>
        private static string Source(Shape shape, int calls, int callsPerMethod = int.MaxValue)
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

                """);
            for (int method = 0, done = 0; done < calls; method++, done += callsPerMethod)
            {
                text.Append("    static void Map").Append(method.ToString(CultureInfo.InvariantCulture)).Append("(bool huge)\n    {\n");
                Body(text, shape, Math.Min(callsPerMethod, calls - done));
                text.Append("    }\n");
            }

            text.Append("}\n");
            return text.Replace("SETLASTERROR", shape == Shape.ErrnoChecks ? string.Empty : ", SetLastError = true").ToString();
        }

        private static void Body(StringBuilder text, Shape shape, int calls)
        {
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

        }
    }
}
