using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace CheckedMmap.Robustness.Tests.Runtime;

/// <summary>
/// Cycles far more mappings than vm.max_map_count allows at once (200,000 in CI; CHECKEDMMAP_ENDURANCE_CYCLES for
/// millions): every call must succeed, the quarantine must stay within its caps by evicting, the VMA count must stay
/// bounded, and after the run nothing is left reserved. Quarantine detection must still work at the end.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed unsafe class EnduranceTests(ITestOutputHelper output)
{
    [Fact]
    public void Cycling_far_more_mappings_than_max_map_count_never_fails_and_leaks_nothing()
    {
        int cycles = RepoPaths.EnvInt("CHECKEDMMAP_ENDURANCE_CYCLES", 200_000);
        int window = RepoPaths.EnvInt("CHECKEDMMAP_ENDURANCE_WINDOW", 256);
        CheckedMmapOptions.ResetToDefaults();
        // Stack capture costs are the benchmarks' business; here every cycle should cost only the syscalls.
        // CHECKEDMMAP_ENDURANCE_STACKS=1 keeps the default capture for a long run.
        if (RepoPaths.EnvInt("CHECKEDMMAP_ENDURANCE_STACKS", 0) == 0) CheckedMmapOptions.StackCapture = StackCaptureMode.None;
        MmapTracker.FlushQuarantine();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        int maxMapCount = ProcessMemory.MaxMapCount;
        int vmasBefore = ProcessMemory.VmaCount;
        long vmSizeBefore = ProcessMemory.VmSizeKiB;
        long evictionsBefore = MmapTracker.Evictions;
        int liveBefore = MmapTracker.LiveCount;
        ulong P = (ulong)Mman.PageSize;
        int flags = 2 | Mman.MAP_ANONYMOUS;
        var rng = new Random(42);
        var live = new Queue<(nint Address, ulong Size)>();
        int peakVmas = vmasBefore, peakQuarantine = 0;
        ulong peakQuarantineBytes = 0;
        var sw = Stopwatch.StartNew();
        (nint Address, ulong Size) lastFreed = default;

        for (int i = 0; i < cycles; i++)
        {
            ulong length = (i % 997) == 0 ? 1UL << 20 : P * (ulong)(1 << rng.Next(5)) - (ulong)rng.Next(0, (int)P);
            nint a = Mman.mmap(0, (nuint)length, 3, flags, -1, 0);
            if (a == -1) Assert.Fail($"mmap #{i} of {length} bytes failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()} after {MmapTracker.Evictions - evictionsBefore} evictions, {ProcessMemory.VmaCount} VMAs");
            ulong rounded = (length + P - 1) / P * P;
            // Touch the first and the last byte of every 8th mapping (page faults are the slow part): the whole
            // rounded region is accessible, and nothing outside it is touched.
            if ((i & 7) == 0)
            {
                ((byte*)a)[0] = 1;
                ((byte*)a)[rounded - 1] = 2;
            }

            live.Enqueue((a, rounded));
            if (live.Count > window)
            {
                lastFreed = live.Dequeue();
                if (Mman.munmap(lastFreed.Address, (nuint)lastFreed.Size) != 0) Assert.Fail($"munmap #{i} failed with errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
            }

            if (i % 4096 == 0)
            {
                peakQuarantine = Math.Max(peakQuarantine, MmapTracker.QuarantinedCount);
                peakQuarantineBytes = Math.Max(peakQuarantineBytes, MmapTracker.QuarantinedBytes);
                Assert.True(MmapTracker.QuarantinedCount <= CheckedMmapOptions.QuarantineMaxCount, $"quarantine holds {MmapTracker.QuarantinedCount} > cap {CheckedMmapOptions.QuarantineMaxCount}");
                Assert.True(MmapTracker.QuarantinedBytes <= CheckedMmapOptions.QuarantineMaxBytes, $"quarantine holds {MmapTracker.QuarantinedBytes} bytes > cap {CheckedMmapOptions.QuarantineMaxBytes}");
                if (i % 16384 == 0)
                {
                    peakVmas = Math.Max(peakVmas, ProcessMemory.VmaCount);
                }
            }
        }

        TimeSpan elapsed = sw.Elapsed;
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        long evictions = MmapTracker.Evictions - evictionsBefore;
        Assert.Equal(liveBefore + live.Count, MmapTracker.LiveCount);

        // The quarantine still catches a double munmap of the last freed mapping after all that eviction.
        var ub = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(lastFreed.Address, (nuint)lastFreed.Size));
        Assert.Equal(UndefinedBehaviorKind.Freed, ub.Kind);

        while (live.Count > 0)
        {
            var (a, size) = live.Dequeue();
            Assert.Equal(0, Mman.munmap(a, (nuint)size));
        }

        Assert.Equal(liveBefore, MmapTracker.LiveCount);
        MmapTracker.FlushQuarantine();
        int vmasAfter = ProcessMemory.VmaCount;
        long vmSizeAfter = ProcessMemory.VmSizeKiB;
        output.WriteLine($"{cycles} mappings cycled (window {window}) in {elapsed.TotalSeconds:F1} s (process CPU {cpu.TotalSeconds:F1} s); evictions {evictions}; quarantine peak {peakQuarantine} mappings / {peakQuarantineBytes >> 20} MiB " +
                         $"(caps {CheckedMmapOptions.QuarantineMaxCount} / {CheckedMmapOptions.QuarantineMaxBytes >> 20} MiB); VMAs {vmasBefore} -> peak {peakVmas} -> {vmasAfter} (max_map_count {maxMapCount}); " +
                         $"VmSize {vmSizeBefore >> 10} -> {vmSizeAfter >> 10} MiB");

        Assert.True(cycles <= maxMapCount || evictions >= cycles - window - CheckedMmapOptions.QuarantineMaxCount,
            $"only {evictions} evictions for {cycles} cycles: the quarantine is not bounded");
        if (vmasBefore > 0)
        {
            Assert.True(peakVmas < maxMapCount / 2, $"peak {peakVmas} VMAs: too close to vm.max_map_count {maxMapCount}");
            // .NET itself adds a few dozen VMAs over a long test (GC regions, JIT); a leaked reservation per evicted
            // mapping would add tens of thousands.
            Assert.True(vmasAfter <= vmasBefore + 256, $"VMAs {vmasBefore} before, {vmasAfter} after cleanup and flush: reservations leaked");
            // A chunk or two may be kept for reuse (1 GiB of address space each, no memory); more means a leak.
            Assert.True(vmSizeAfter - vmSizeBefore <= 4L << 20, $"VmSize grew by {(vmSizeAfter - vmSizeBefore) >> 10} MiB over the run");
        }

        CheckedMmapOptions.ResetToDefaults();
    }
}
