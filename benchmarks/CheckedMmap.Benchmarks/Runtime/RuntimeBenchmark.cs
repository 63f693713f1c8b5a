using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime;
using CheckedMmap.Benchmarks.Harness;

namespace CheckedMmap.Benchmarks.Runtime
{
    /// <summary>
    /// The checked runtime against raw libc, interleaved in one process: mmap+munmap pairs per size and stack-capture
    /// mode, per-call cost against the number of live mappings, mremap/mprotect/madvise, and an arena workload.
    /// Every checked contender runs in the steady state: warm-up first fills the quarantine, so each munmap also pays
    /// for the eviction of the oldest quarantined mapping.
    /// </summary>
    internal static class RuntimeBenchmark
    {
        private const int ProtRw = RawLibc.PROT_READ | RawLibc.PROT_WRITE;

        public static void Run(Report report, bool quick)
        {
            if (!OperatingSystem.IsLinux())
            {
                report.Paragraph("Runtime benchmarks run on Linux only (the raw baseline P/Invokes Linux libc).");
                return;
            }

            report.Heading("Checked runtime against raw libc");
            report.Paragraph(
                "Raw = `[DllImport(\"libc\", SetLastError = true)]` declared in the benchmark. Checked = `CheckedMmap.Mman` with " +
                "`CheckedMmapOptions.StackCapture` set to `None`, `Methods` (the default) or `MethodsWithFileLine` before each batch; guard pages and " +
                "quarantine at their defaults (quarantine " + $"{CheckedMmapOptions.QuarantineMaxCount} mappings / {CheckedMmapOptions.QuarantineMaxBytes >> 20} MiB; " +
                (MmapTracker.Statistics.GuardRegions
                    ? "guard pages and quarantine of mappings up to 256 KiB by lightweight guard regions, larger ones by protection changes). "
                    : "guard pages and quarantine by protection changes: this host has no lightweight guard regions). ") +
                "Each sample is a batch of calls timed with Stopwatch, reported per call (or per pair); contenders are interleaved round by round " +
                "(rotating order); the ratio is the median of the per-round ratios, with its quartiles in parentheses. Pairs do not touch the memory. " +
                "The section runs under the GC a test host or application gets by default, workstation and concurrent (in a process of " +
                "its own when the harness runs under another) " +
                $"(this run: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, " +
                $"{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "not concurrent" : "concurrent")}), since the checked runtime runs there; " +
                "the analyzer sections run under the compiler server's (server GC).");

            var meter = new BusyMeter();
            Pairs(report, quick);
            DeepPairs(report, quick);
            Scaling(report, quick);
            OtherCalls(report, quick);
            ArenaWorkloadBenchmark.Run(report, quick);
            report.Paragraph($"Other processes used {Report.Pct(meter.OthersShare())} of the machine during the runtime section; load average {Machine.LoadAverage()}.");
        }

        private static double TimePerOp(int count, Action<int> body)
        {
            long start = Stopwatch.GetTimestamp();
            body(count);
            return Stopwatch.GetElapsedTime(start).TotalNanoseconds / count;
        }

        private static unsafe void RawPairs(nuint size, int count)
        {
            for (int i = 0; i < count; i++)
            {
                nint p = RawLibc.mmap(0, size, ProtRw, RawLibc.MAP_PRIVATE | RawLibc.MAP_ANONYMOUS, -1, 0);
                if (p == RawLibc.MAP_FAILED || RawLibc.munmap(p, size) != 0)
                {
                    throw new InvalidOperationException($"raw mmap/munmap failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
                }
            }
        }

        private static void CheckedPairs(nuint size, int count)
        {
            for (int i = 0; i < count; i++)
            {
                nint p = Mman.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
                if (p == Mman.MAP_FAILED || Mman.munmap(p, size) != 0)
                {
                    throw new InvalidOperationException($"checked mmap/munmap failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
                }
            }
        }

        private static void TwoCaptures(int count)
        {
            for (int i = 0; i < count; i++)
            {
                _ = new StackTrace(1, false);
                _ = new StackTrace(1, false);
            }
        }

        /// <summary>Writes one byte per page, as a program does to memory it uses (mremap moves a buffer that is in use).</summary>
        private static unsafe void Touch(nint p, nuint size)
        {
            for (nuint offset = 0; offset < size; offset += 4096)
            {
                ((byte*)p)[offset] = 1;
            }
        }

        private static Contender Checked(string name, StackCaptureMode mode, nuint size, int count) => new(name, () =>
        {
            CheckedMmapOptions.StackCapture = mode;
            return TimePerOp(count, n => CheckedPairs(size, n));
        });

        /// <summary>Fills the quarantine so that measured munmaps include evictions (the steady state of a long test).</summary>
        private static void FillQuarantine(nuint size)
        {
            CheckedMmapOptions.StackCapture = StackCaptureMode.None;
            ulong bySize = CheckedMmapOptions.QuarantineMaxBytes / size;
            int pairs = (int)Math.Min((ulong)CheckedMmapOptions.QuarantineMaxCount, bySize) + 500;
            CheckedPairs(size, pairs);
            RawPairs(size, 500);
        }

        private static void Pairs(Report report, bool quick)
        {
            int rounds = quick ? 3 : 15;
            var rows = new List<IReadOnlyList<string>>();
            foreach (nuint size in new nuint[] { 4096, 64 * 1024, 1024 * 1024 })
            {
                int count = quick ? 200 : 1000;
                FillQuarantine(size);
                // A warm-up round also JITs the file:line path (its first call loads the PDB reader).
                var contenders = new List<Contender>
                {
                    new("raw", () => TimePerOp(count, n => RawPairs(size, n))),
                    Checked("checked, stacks off", StackCaptureMode.None, size, count),
                    Checked("checked, default (methods)", StackCaptureMode.Methods, size, count),
                    Checked("checked, methods + file:line", StackCaptureMode.MethodsWithFileLine, size, count),
                    // The public API's price for the default capture's two stacks: two `new StackTrace(1, false)` at the same depth.
                    new("reference: 2 × new StackTrace(1, false) alone", () => TimePerOp(count, TwoCaptures)),
                };
                Dictionary<string, List<double>> samples = Interleaved.Run(contenders, 1, rounds);
                CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
                string label = size >= 1024 * 1024 ? $"{size >> 20} MiB" : $"{size >> 10} KiB";
                Console.WriteLine($"runtime: pairs {label}: raw {Report.Ns(Stats.Median(samples["raw"]))}");
                foreach (Contender c in contenders)
                {
                    Ratio ratio = Stats.PairedRatio(samples[c.Name], samples["raw"]);
                    if (c.Name.StartsWith("reference", StringComparison.Ordinal) && size != 4096)
                    {
                        continue; // the capture cost does not depend on the size: shown once
                    }

                    rows.Add(new[] { label, c.Name, Report.Ns(Stats.Median(samples[c.Name])), c.Name == "raw" ? "1" : ratio.ToString() });
                }

                Ratio off = Stats.PairedRatio(samples["checked, stacks off"], samples["raw"]);
                Ratio dflt = Stats.PairedRatio(samples["checked, default (methods)"], samples["raw"]);
                report.Target(new($"mmap+munmap {label}, stacks off", "≤ 2× raw", off.ToString(), off.Median <= 2, ""));
                report.Target(new($"mmap+munmap {label}, default capture", "≤ 4× raw", dflt.ToString(), dflt.Median <= 4, ""));
            }

            report.Heading("mmap+munmap pairs");
            report.Paragraph($"{(quick ? 200 : 1000)} pairs per sample, {rounds} rounds after one warm-up round; ns per pair (median).");
            report.Table(new[] { "Size", "Contender", "Per pair", "Ratio to raw (IQR)" }, rows);
        }

        /// <summary>Runs <paramref name="body"/> <paramref name="frames"/> calls deeper than the caller.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static double AtDepth(int frames, Func<double> body) => frames <= 0 ? body() : AtDepth(frames - 1, body) + 0;

        /// <summary>4 KiB pairs made 80 frames deep, where a test framework's test method calls them (about 60 frames of
        /// xunit and thread-pool plumbing under the test): the walk costs per frame, so the depth limit is what keeps
        /// the default capture's price here what it is near the thread's start.</summary>
        private static void DeepPairs(Report report, bool quick)
        {
            const nuint size = 4096;
            const int depth = 80;
            int rounds = quick ? 3 : 15;
            int count = quick ? 200 : 1000;
            FillQuarantine(size);
            var contenders = new List<Contender>
            {
                new("raw", () => AtDepth(depth, () => TimePerOp(count, n => RawPairs(size, n)))),
                new("checked, default capture", () =>
                {
                    CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
                    return AtDepth(depth, () => TimePerOp(count, n => CheckedPairs(size, n)));
                }),
                new("checked, default capture, every frame (CHECKEDMMAP_STACK_DEPTH=0)", () =>
                {
                    CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
                    CheckedMmapOptions.StackDepth = 0;
                    try
                    {
                        return AtDepth(depth, () => TimePerOp(count, n => CheckedPairs(size, n)));
                    }
                    finally
                    {
                        CheckedMmapOptions.StackDepth = CheckedMmapOptions.DefaultStackDepth;
                    }
                }),
            };
            Dictionary<string, List<double>> samples = Interleaved.Run(contenders, 1, rounds);
            var rows = new List<IReadOnlyList<string>>();
            foreach (Contender c in contenders)
            {
                Ratio ratio = Stats.PairedRatio(samples[c.Name], samples["raw"]);
                rows.Add(new[] { c.Name, Report.Ns(Stats.Median(samples[c.Name])), c.Name == "raw" ? "1" : ratio.ToString() });
            }

            Ratio dflt = Stats.PairedRatio(samples["checked, default capture"], samples["raw"]);
            report.Target(new($"mmap+munmap 4 KiB {depth} frames deep, default capture", "≤ 4× raw", dflt.ToString(), dflt.Median <= 4, ""));
            report.Heading($"mmap+munmap pairs {depth} frames deep");
            report.Paragraph($"The 4 KiB pairs above, made {depth} calls deeper (a test method under xunit sits about 60 frames above the " +
                $"thread's start). The default capture records {CheckedMmapOptions.DefaultStackDepth} frames below the Mman call " +
                "(`CheckedMmapOptions.StackDepth`, `CHECKEDMMAP_STACK_DEPTH`); the last row records every frame. " +
                $"{count} pairs per sample, {rounds} rounds after one warm-up round.");
            report.Table(new[] { "Contender", "Per pair", "Ratio to raw (IQR)" }, rows);
        }

        private static int MapCount() => File.Exists("/proc/self/maps") ? File.ReadLines("/proc/self/maps").Count() : -1;

        /// <summary>Per-pair cost with 10, 30,000 and 200,000 live mappings, alternating (the live set is grown and
        /// shrunk between samples: the registry is global, so the live count is what changes).</summary>
        private static void Scaling(Report report, bool quick)
        {
            const nuint size = 4096;
            int rounds = quick ? 1 : 5;
            int count = quick ? 200 : 2000;
            int[] levels = { 10, 30_000, 200_000 };
            static string Label(int live) => live.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " live";
            long maxMapCount = File.Exists("/proc/sys/vm/max_map_count") ? long.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim()) : -1;

            var rawLive = new List<nint>();
            var checkedLive = new List<nint>();
            void Grow(int live)
            {
                while (checkedLive.Count < live)
                {
                    nint p = Mman.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
                    if (p == Mman.MAP_FAILED)
                    {
                        throw new InvalidOperationException($"checked mmap failed with {checkedLive.Count} live mappings, " +
                            $"errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}, {MapCount()} lines in /proc/self/maps");
                    }

                    checkedLive.Add(p);
                }

                while (rawLive.Count < live)
                {
                    nint p = RawLibc.mmap(0, size, ProtRw, RawLibc.MAP_PRIVATE | RawLibc.MAP_ANONYMOUS, -1, 0);
                    if (p == RawLibc.MAP_FAILED)
                    {
                        throw new InvalidOperationException("raw mmap failed while growing the live set");
                    }

                    rawLive.Add(p);
                }
            }

            void Shrink(int live)
            {
                while (checkedLive.Count > live)
                {
                    Mman.munmap(checkedLive[^1], size);
                    checkedLive.RemoveAt(checkedLive.Count - 1);
                }

                while (rawLive.Count > live)
                {
                    RawLibc.munmap(rawLive[^1], size);
                    rawLive.RemoveAt(rawLive.Count - 1);
                }
            }

            FillQuarantine(size);
            CheckedMmapOptions.StackCapture = StackCaptureMode.Methods; // the live set carries its creation stacks, as in a test
            var samples = new Dictionary<string, List<double>>();
            foreach (string kind in new[] { "checked", "checked default", "raw" })
            {
                foreach (int live in levels)
                {
                    samples[kind + ", " + Label(live)] = new List<double>();
                }
            }

            var maps = new Dictionary<int, int>();
            var guarded = new Dictionary<int, int>();
            string failure = "";
            try
            {
                for (int round = -1; round < rounds; round++)
                {
                    foreach (int live in levels)
                    {
                        Shrink(live);
                        CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
                        Grow(live);
                        string suffix = Label(live);
                        maps[live] = MapCount();
                        guarded[live] = MmapTracker.Statistics.GuardedLiveMappings;
                        CheckedMmapOptions.StackCapture = StackCaptureMode.None;
                        double offNs = TimePerOp(count, n => CheckedPairs(size, n));
                        double rawNs = TimePerOp(count, n => RawPairs(size, n));
                        CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
                        double defNs = TimePerOp(count, n => CheckedPairs(size, n));
                        if (round >= 0)
                        {
                            samples["checked, " + suffix].Add(offNs);
                            samples["raw, " + suffix].Add(rawNs);
                            samples["checked default, " + suffix].Add(defNs);
                        }
                    }
                }
            }
            catch (InvalidOperationException e)
            {
                failure = e.Message;
                Console.WriteLine("runtime: scaling failed: " + failure);
            }
            finally
            {
                Shrink(0);
                CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
            }

            report.Heading("Scaling: per-pair cost against the number of live mappings (4 KiB)");
            report.Paragraph(
                $"The live set is grown to 30,000 and to 200,000 checked (and as many raw) 4 KiB mappings and shrunk back to 10, in turn, {rounds} rounds after a warm-up " +
                $"round; {count} pairs per sample. vm.max_map_count = {maxMapCount}; /proc/self/maps had " +
                string.Join(", ", levels.Where(maps.ContainsKey).Select(l => $"{maps[l]} lines with {Label(l)} mappings of each kind ({guarded[l]} checked ones guarded)")) + ". " +
                "Raw anonymous RW neighbours merge into one VMA. " +
                (MmapTracker.Statistics.GuardRegions
                    ? "This host has lightweight guard regions (Linux 6.13+): a checked mapping's guard pages are page-table entries, so every one " +
                      "keeps them and the checker's chunks stay a few VMAs whatever the number live."
                    : "A guarded checked mapping is a data VMA followed by a shared guard page (two VMAs). Past the map-entry budget (vm.max_map_count " +
                      "less the headroom) new checked mappings have no guard pages of their own and merge like raw ones, so the pairs timed with " +
                      "200,000 live take the unguarded path.") +
                (failure.Length > 0 ? $" **The run failed: {failure}**" : ""));
            if (failure.Length > 0 || samples["checked, " + Label(10)].Count == 0)
            {
                report.Target(new("30,000 live vs 10 live, per-call cost", "≤ 1.5×", "failed", false, failure));
                return;
            }

            var rows = new List<IReadOnlyList<string>>();
            foreach (string kind in new[] { "checked", "checked default", "raw" })
            {
                string label = kind switch { "checked" => "checked, stacks off", "checked default" => "checked, default capture", _ => "raw" };
                var row = new List<string> { label, Report.Ns(Stats.Median(samples[kind + ", " + Label(10)])) };
                foreach (int live in levels.Skip(1))
                {
                    Ratio r = Stats.PairedRatio(samples[kind + ", " + Label(live)], samples[kind + ", " + Label(10)]);
                    row.Add(Report.Ns(Stats.Median(samples[kind + ", " + Label(live)])));
                    row.Add(r.ToString());
                    if (kind != "raw")
                    {
                        report.Target(new($"{Label(live).Replace(" live", "")} live vs 10 live ({label})", "≤ 1.5×", r.ToString(), r.Median <= 1.5, ""));
                    }
                }

                rows.Add(row);
            }

            report.Table(new[] { "Contender", "10 live", "30,000 live", "Ratio 30,000 / 10 (IQR)", "200,000 live", "Ratio 200,000 / 10 (IQR)" }, rows);
        }

        /// <summary>mremap (grow with MAYMOVE, then shrink in place), mprotect and madvise, each against the same raw call.</summary>
        private static void OtherCalls(Report report, bool quick)
        {
            const nuint size = 64 * 1024;
            int rounds = quick ? 3 : 15;
            int count = quick ? 200 : 2000;
            nint raw = RawLibc.mmap(0, size, ProtRw, RawLibc.MAP_PRIVATE | RawLibc.MAP_ANONYMOUS, -1, 0);
            nint chk = Mman.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
            try
            {
                var contenders = new List<Contender>
                {
                    new("mprotect raw", () => TimePerOp(count, n => { for (int i = 0; i < n; i++) { Check(RawLibc.mprotect(raw, size, ProtRw)); } })),
                    new("mprotect checked", () => TimePerOp(count, n => { for (int i = 0; i < n; i++) { Check(Mman.mprotect(chk, size, Mman.PROT_READ | Mman.PROT_WRITE)); } })),
                    new("madvise raw", () => TimePerOp(count, n => { for (int i = 0; i < n; i++) { Check(RawLibc.madvise(raw, size, RawLibc.MADV_WILLNEED)); } })),
                    new("madvise checked", () => TimePerOp(count, n => { for (int i = 0; i < n; i++) { Check(Mman.madvise(chk, size, Mman.MADV_WILLNEED)); } })),
                    new("mremap raw", () => TimePerOp(count, n =>
                    {
                        for (int i = 0; i < n; i++)
                        {
                            Touch(raw, size);
                            raw = RawLibc.mremap(raw, size, 2 * size, RawLibc.MREMAP_MAYMOVE);
                            raw = RawLibc.mremap(raw, 2 * size, size, RawLibc.MREMAP_MAYMOVE);
                            Check(raw == -1 ? -1 : 0);
                        }
                    })),
                    MremapChecked("mremap checked, stacks off", StackCaptureMode.None, () => chk, p => chk = p, size, count),
                    MremapChecked("mremap checked, default capture", StackCaptureMode.Methods, () => chk, p => chk = p, size, count),
                };
                Dictionary<string, List<double>> samples = Interleaved.Run(contenders, 1, rounds);
                var rows = new List<IReadOnlyList<string>>();
                foreach ((string call, string[] checkedNames) in new[]
                {
                    ("mprotect", new[] { "mprotect checked" }),
                    ("madvise", new[] { "madvise checked" }),
                    ("mremap", new[] { "mremap checked, stacks off", "mremap checked, default capture" }),
                })
                {
                    rows.Add(new[] { call, "raw", Report.Ns(Stats.Median(samples[call + " raw"])), "1" });
                    foreach (string name in checkedNames)
                    {
                        Ratio r = Stats.PairedRatio(samples[name], samples[call + " raw"]);
                        rows.Add(new[] { call, name, Report.Ns(Stats.Median(samples[name])), r.ToString() });
                        report.Target(new($"{name} vs raw", "reported (no target)", r.ToString(), null, ""));
                    }
                }

                report.Heading("mremap, mprotect, madvise (64 KiB mapping)");
                report.Paragraph(
                    $"{count} calls per sample, {rounds} rounds after a warm-up round. mprotect(RW→RW) and madvise(MADV_WILLNEED) on a live mapping; " +
                    "mremap = one grow to 128 KiB plus one shrink back to 64 KiB, both with MREMAP_MAYMOVE (Miri requires it even to shrink), reported per grow+shrink; before each grow the program writes one byte per page (a buffer is remapped because it is in use). Checked mprotect and madvise " +
                    "validate like Miri and make no system call (Miri accepts only PROT_READ|PROT_WRITE and four no-op advice values); a checked mremap " +
                    "that grows moves the data into a new guarded mapping and quarantines the old block.");
                report.Table(new[] { "Call", "Contender", "Per call", "Ratio to raw (IQR)" }, rows);
            }
            finally
            {
                CheckedMmapOptions.StackCapture = StackCaptureMode.Methods;
                RawLibc.munmap(raw, size);
                Mman.munmap(chk, size);
            }
        }

        private static Contender MremapChecked(string name, StackCaptureMode mode, Func<nint> get, Action<nint> set, nuint size, int count) => new(name, () =>
        {
            CheckedMmapOptions.StackCapture = mode;
            return TimePerOp(count, n =>
            {
                nint p = get();
                for (int i = 0; i < n; i++)
                {
                    Touch(p, size);
                    p = Mman.mremap(p, size, 2 * size, Mman.MREMAP_MAYMOVE);
                    Check(p == -1 ? -1 : 0);
                    p = Mman.mremap(p, 2 * size, size, Mman.MREMAP_MAYMOVE);
                    Check(p == -1 ? -1 : 0);
                }

                set(p);
            });
        });

        private static void Check(int result)
        {
            if (result != 0)
            {
                throw new InvalidOperationException($"call failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
            }
        }
    }
}
