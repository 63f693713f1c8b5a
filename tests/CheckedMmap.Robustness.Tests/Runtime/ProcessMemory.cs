using System;
using System.IO;
using System.Linq;

namespace CheckedMmap.Robustness.Tests.Runtime;

/// <summary>What the kernel says about this process's address space (Linux): VMA count and reserved size.</summary>
internal static class ProcessMemory
{
    public static bool Available => File.Exists("/proc/self/maps");

    /// <summary>Lines of /proc/self/maps = VMAs, the resource vm.max_map_count limits.</summary>
    public static int VmaCount => Available ? File.ReadLines("/proc/self/maps").Count() : -1;

    /// <summary>VmSize in KiB: all reserved address space, accessible or not.</summary>
    public static long VmSizeKiB
    {
        get
        {
            if (!File.Exists("/proc/self/status")) return -1;
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmSize:", StringComparison.Ordinal));
            return line == null ? -1 : long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static int MaxMapCount =>
        File.Exists("/proc/sys/vm/max_map_count") && int.TryParse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), out int n) ? n : 65530;
}
