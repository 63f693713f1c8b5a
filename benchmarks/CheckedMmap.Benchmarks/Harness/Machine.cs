using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Runtime.InteropServices;

namespace CheckedMmap.Benchmarks.Harness
{
    /// <summary>What the numbers were measured on, and how busy the machine was with other work meanwhile.</summary>
    internal static class Machine
    {
        public static string Describe()
        {
            string cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
            string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;
            string maxMapCount = File.Exists("/proc/sys/vm/max_map_count") ? File.ReadAllText("/proc/sys/vm/max_map_count").Trim() : "n/a";
            return $"{Environment.ProcessorCount} CPUs (nproc), {cpu}; kernel {kernel}; {RuntimeInformation.FrameworkDescription} " +
                   $"({RuntimeInformation.RuntimeIdentifier}), SDK {SdkLocator.SdkVersion}; vm.max_map_count {maxMapCount}; " +
                   $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB available to the GC " +
                   $"({(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, latency mode {System.Runtime.GCSettings.LatencyMode})";
        }

        public static string LoadAverage() =>
            File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

        private static string? ReadFirst(string path, string key)
        {
            if (!File.Exists(path))
            {
                return null;
            }

            string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?.Substring(line.IndexOf(':') + 1).Trim();
        }
    }

    /// <summary>Measures how much CPU other processes used while a section ran: (all CPUs' busy time − ours) divided by
    /// (wall time × CPU count). 0% means we had the machine to ourselves.</summary>
    internal sealed class BusyMeter
    {
        private static long s_childTicks;
        private readonly long _startTotalBusy;
        private readonly TimeSpan _startOwnCpu;
        private readonly long _startChildTicks;
        private readonly Stopwatch _wall = Stopwatch.StartNew();

        public BusyMeter()
        {
            _startTotalBusy = TotalBusyTicks();
            _startOwnCpu = Process.GetCurrentProcess().TotalProcessorTime;
            _startChildTicks = Interlocked.Read(ref s_childTicks);
        }

        /// <summary>Counts the CPU time of a section's child process as the harness's own, not another process's.</summary>
        public static void AddChildProcessorTime(TimeSpan time) => Interlocked.Add(ref s_childTicks, time.Ticks);

        /// <summary>Share of the machine (0..1) used by other processes since construction; NaN where /proc is absent.</summary>
        public double OthersShare()
        {
            long busyTicks = TotalBusyTicks() - _startTotalBusy;
            if (busyTicks < 0 || !File.Exists("/proc/stat"))
            {
                return double.NaN;
            }

            double busySeconds = busyTicks / 100.0; // USER_HZ is 100 on Linux
            double ownSeconds = (Process.GetCurrentProcess().TotalProcessorTime - _startOwnCpu).TotalSeconds
                + TimeSpan.FromTicks(Interlocked.Read(ref s_childTicks) - _startChildTicks).TotalSeconds;
            double capacity = _wall.Elapsed.TotalSeconds * Environment.ProcessorCount;
            return capacity <= 0 ? double.NaN : Math.Clamp((busySeconds - ownSeconds) / capacity, 0, 1);
        }

        private static long TotalBusyTicks()
        {
            if (!File.Exists("/proc/stat"))
            {
                return 0;
            }

            // cpu  user nice system idle iowait irq softirq steal ...
            string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long[] values = fields.Skip(1).Select(long.Parse).ToArray();
            long idle = values[3] + (values.Length > 4 ? values[4] : 0);
            long steal = values.Length > 7 ? values[7] : 0;
            return values.Take(8).Sum() - idle - steal;
        }
    }
}
