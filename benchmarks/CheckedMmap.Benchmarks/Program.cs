using System;
using System.IO;
using System.Linq;
using CheckedMmap.Benchmarks.Analyzer;
using CheckedMmap.Benchmarks.Harness;

namespace CheckedMmap.Benchmarks
{
    internal static class Program
    {
        private const string Usage =
            "usage: dotnet run -c Release --project benchmarks/CheckedMmap.Benchmarks -- <all|analyzer|runtime|profile|scaling> [--quick] [--out FILE] [--shape NAME]...";

        private static int Main(string[] args)
        {
            string[] shapes = args.Select((arg, index) => (arg, index)).Where(a => a.arg == "--shape" && a.index + 1 < args.Length).Select(a => args[a.index + 1]).ToArray();
            string what = args.Where((arg, index) => !arg.StartsWith("--", StringComparison.Ordinal) && (index == 0 || args[index - 1] is not ("--out" or "--shape"))).FirstOrDefault() ?? "all";
            bool quick = args.Contains("--quick");
            if (what == RuntimeChildCommand && args.Length >= 2)
            {
                var childReport = new Report();
                Runtime.RuntimeBenchmark.Run(childReport, quick);
                File.WriteAllText(args[1], childReport.Export());
                return 0;
            }

            int outIndex = Array.IndexOf(args, "--out");
            if (what is not ("all" or "analyzer" or "runtime" or "profile" or "scaling") || (outIndex >= 0 && outIndex + 1 >= args.Length))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            // --shape narrows the scaling section to some of its shapes, for work on one of them.
            string? unknownShape = shapes.FirstOrDefault(s => !ScalingBenchmark.ShapeNames.Contains(s));
            if (unknownShape is not null || (args.Contains("--shape") && shapes.Length == 0))
            {
                Console.Error.WriteLine($"--shape needs one of: {string.Join(", ", ScalingBenchmark.ShapeNames.Select(s => "\"" + s + "\""))}" + (unknownShape is null ? string.Empty : $" (not \"{unknownShape}\")"));
                Console.Error.WriteLine(Usage);
                return 2;
            }

            string output = outIndex >= 0 ? args[outIndex + 1] : Path.Combine(RepoRoot(), "benchmarks", "results", quick ? "quick.md" : "latest.md");
            var report = new Report();
            var meter = new BusyMeter();
            DateTime started = DateTime.UtcNow;
            string machine = Machine.Describe();
            string loadBefore = Machine.LoadAverage();
            Console.WriteLine(machine);

            // The runtime section first: it takes minutes where the analyzer section can take much longer on a busy
            // machine, and the file is rewritten after each section so a long run keeps what it has measured.
            if (what is "all" or "runtime")
            {
                RunRuntimeSection(report, quick);
                Write(output, report, Header(what, quick, started, machine, loadBefore, meter));
            }

            if (what is "all" or "analyzer")
            {
                AnalyzerBenchmark.Run(report, quick);
                Write(output, report, Header(what, quick, started, machine, loadBefore, meter));
            }

            if (what is "all" or "analyzer" or "scaling")
            {
                ScalingBenchmark.Run(report, AnalyzerSet.Load(), quick, shapes.Length == 0 ? null : shapes);
                Write(output, report, Header(what, quick, started, machine, loadBefore, meter));
            }

            if (what is "profile")
            {
                AnalyzerBenchmark.ProfileOnly(report);
                Write(output, report, Header(what, quick, started, machine, loadBefore, meter));
            }

            Console.WriteLine($"results written to {output}");
            return 0;
        }

        private const string RuntimeChildCommand = "runtime-child";

        /// <summary>
        /// The checked runtime runs in test hosts and applications, under the GC a .NET project gets by default:
        /// workstation, concurrent. The harness itself runs under the compiler server's GC (server) for the analyzer
        /// sections, and a GC mode is fixed when a process starts, so the runtime section runs in a child process.
        /// </summary>
        private static void RunRuntimeSection(Report report, bool quick)
        {
            if (!System.Runtime.GCSettings.IsServerGC)
            {
                Runtime.RuntimeBenchmark.Run(report, quick);
                return;
            }

            string exported = Path.Combine(Path.GetTempPath(), $"checkedmmap-runtime-section-{Guid.NewGuid():N}.json");
            string host = Environment.ProcessPath ?? "dotnet";
            var start = new System.Diagnostics.ProcessStartInfo(host) { UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                start.ArgumentList.Add(typeof(Program).Assembly.Location);
            }

            start.ArgumentList.Add(RuntimeChildCommand);
            start.ArgumentList.Add(exported);
            if (quick)
            {
                start.ArgumentList.Add("--quick");
            }

            start.Environment["DOTNET_gcServer"] = "0";
            start.Environment["DOTNET_gcConcurrent"] = "1";
            try
            {
                using (var child = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("could not start the runtime section's process"))
                {
                    child.WaitForExit();
                    if (child.ExitCode != 0 || !File.Exists(exported))
                    {
                        throw new InvalidOperationException($"the runtime section's process exited with {child.ExitCode}");
                    }
                }

                BusyMeter.AddChildProcessorTime(report.Import(File.ReadAllText(exported)));
            }
            finally
            {
                File.Delete(exported);
            }
        }

        private static void Write(string output, Report report, string header)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, report.Render(header));
        }

        private static string Header(string what, bool quick, DateTime started, string machine, string loadBefore, BusyMeter meter)
        {
            string header =
                $"## Results of `{what}{(quick ? " --quick" : "")}`, {started:yyyy-MM-dd HH:mm} UTC, {(DateTime.UtcNow - started).TotalMinutes:0.0} min\n\n" +
                $"Machine: {machine}.\n\n" +
                $"Load average {loadBefore} at the start, {Machine.LoadAverage()} at the end; other processes used " +
                $"{Report.Pct(meter.OthersShare())} of the machine's CPU time during the run.";
            if (!AnalyzerBenchmark.AnalyzerExceptions.IsEmpty())
            {
                header += "\n\n**Analyzer exceptions (AD0001):** " + string.Join("; ", AnalyzerBenchmark.AnalyzerExceptions.Select(e => $"{e.Key}: {e.Value.Split('\n')[0]}"));
            }

            return header;
        }

        private static bool IsEmpty<TKey, TValue>(this System.Collections.Generic.IReadOnlyDictionary<TKey, TValue> dictionary) => dictionary.Count == 0;

        private static string RepoRoot()
        {
            for (string? dir = Environment.CurrentDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Analyzers.sln")))
                {
                    return dir;
                }
            }

            return Environment.CurrentDirectory;
        }
    }
}
