extern alias CheckedWorkload;
extern alias UncheckedWorkload;

using System;
using System.Collections.Generic;
using CheckedMmap.Benchmarks.Harness;

namespace CheckedMmap.Benchmarks.Runtime
{
    /// <summary>A million small allocations on arenas, the same source compiled with and without CHECKED.</summary>
    internal static class ArenaWorkloadBenchmark
    {
        public static void Run(Report report, bool quick)
        {
            int allocations = quick ? 200_000 : 1_000_000;
            const int perArena = 10_000;
            int rounds = quick ? 3 : 21;
            int chunks = 0;
            long checkedSum = 0, uncheckedSum = 0;
            var contenders = new List<Contender>
            {
                new("unchecked", () =>
                {
                    long start = System.Diagnostics.Stopwatch.GetTimestamp();
                    (uncheckedSum, chunks) = UncheckedWorkload::CheckedMmap.Benchmarks.Workload.ArenaWorkload.Run(allocations, perArena, 42);
                    return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }),
                Checked("checked, stacks off", StackCaptureMode.None),
                Checked("checked, default capture", StackCaptureMode.Methods),
                Checked("checked, methods + file:line", StackCaptureMode.MethodsWithFileLine),
            };

            Contender Checked(string name, StackCaptureMode mode) => new(name, () =>
            {
                CheckedMmapOptions.StackCapture = mode;
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                (checkedSum, _) = CheckedWorkload::CheckedMmap.Benchmarks.Workload.ArenaWorkload.Run(allocations, perArena, 42);
                return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            });

            Dictionary<string, List<double>> samples = Interleaved.Run(contenders, 1, rounds);
            CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
            if (checkedSum != uncheckedSum)
            {
                throw new InvalidOperationException($"the checked and unchecked arenas computed different checksums ({checkedSum} vs {uncheckedSum})");
            }

            var rows = new List<IReadOnlyList<string>>();
            foreach (Contender c in contenders)
            {
                Ratio r = Stats.PairedRatio(samples[c.Name], samples["unchecked"]);
                rows.Add(new[] { c.Name, Report.Ms(Stats.Median(samples[c.Name])), c.Name == "unchecked" ? "1" : r.ToString() });
                if (c.Name == "checked, default capture")
                {
                    report.Target(new("arena workload, checked (default) vs unchecked", "≤ 1.1×", r.ToString(), r.Median <= 1.1, ""));
                }
            }

            report.Heading("Arena workload: a million small allocations, checked against unchecked");
            report.Paragraph(
                $"{allocations:N0} allocations of 16–256 bytes, {perArena:N0} per arena, each written in full and read back, on the package's sample " +
                $"`Allocators.Arena` (samples/Allocators, {(UncheckedWorkload::CheckedMmap.Benchmarks.Workload.ArenaWorkload.ChunkSize / 1024)} KiB chunks: " +
                $"{chunks} chunks mapped and unmapped per run). The sample's sources with its swap idiom " +
                "(`#if CHECKED using Native = CheckedMmap.Mman; #else using Native = Allocators.Libc; #endif`) and the driver " +
                "`benchmarks/Workload/ArenaWorkload.cs` are compiled twice, with and without CHECKED. " +
                $"{rounds} interleaved rounds after a warm-up round; milliseconds per run (median). The checksums of both builds agree.");
            report.Table(new[] { "Build", "Per run", "Ratio to unchecked (IQR)" }, rows);
        }
    }
}
