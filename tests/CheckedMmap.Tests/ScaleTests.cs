// The checked runtime at the sizes real allocators and test suites reach: the kernel's map-entry limit
// (vm.max_map_count), the commit charge (overcommit), and quarantine of large mappings. Each runs in a child
// process, because a failure here may abort the process.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace CheckedMmap.Tests;

public class ScaleTests
{
    private static bool IsLinux => OperatingSystem.IsLinux();

    [Fact]
    public void Two_hundred_thousand_live_one_page_mappings_leave_the_process_working()
    {
        if (!IsLinux)
        {
            return; // vm.max_map_count is Linux's
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.TwoHundredThousandLiveMappings), ChildProcess.ScaleTimeout);
        if (!Host.HostMemory.Instance.HasGuardRegions)
        {
            AssertDegradedPastTheBudget(r);
            return;
        }

        // Guard regions: every mapping keeps its guard pages, and the checker's chunks stay a few map entries.
        AssertWorked(r);
        Assert.Equal(200_000, Field(r.Stdout, "guarded "));
        Assert.Equal(0, Field(r.Stdout, "unguarded "));
        Assert.True(Field(r.Stdout, "checker ") <= 8, r.Stdout);
        Assert.True(Field(r.Stdout, "process map entries ") < 2_000, r.Stdout);
        Assert.DoesNotContain("map-entry budget reached", r.Stderr);
    }

    [Fact]
    public void Two_hundred_thousand_live_one_page_mappings_by_protection_changes_degrade_past_the_budget()
    {
        if (!IsLinux)
        {
            return;
        }

        AssertDegradedPastTheBudget(ChildProcess.Run(nameof(ChildScenarios.TwoHundredThousandLiveMappingsByProtectionChanges), ChildProcess.ScaleTimeout));
    }

    private static void AssertWorked(ChildProcess.Result r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("all 200000 mappings hold their byte", r.Stdout);
        Assert.Contains("after: allocated 64 MiB, caught, thread ran, freed all", r.Stdout);
    }

    private static void AssertDegradedPastTheBudget(ChildProcess.Result r)
    {
        AssertWorked(r);
        int guarded = Field(r.Stdout, "guarded ");
        int unguarded = Field(r.Stdout, "unguarded ");
        Assert.Equal(200_000, guarded + unguarded);
        Assert.True(guarded >= 20_000, "guard pages stay on for as many mappings as the budget allows: " + r.Stdout);
        Assert.True(unguarded > 0, r.Stdout);
        Assert.True(Field(r.Stdout, "process map entries ") < 65_530 - 4_000, "headroom is kept: " + r.Stdout);
        int notes = r.Stderr.Split("==CheckedMmap== note: map-entry budget reached").Length - 1;
        Assert.True(notes == 1, "one note on stderr: " + r);
    }

    [Fact]
    public void Eighty_thousand_mappings_with_every_other_one_unmapped_without_guard_pages()
    {
        if (!IsLinux)
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.EveryOtherOfEightyThousandUnmapped), ChildProcess.ScaleTimeout, ("CHECKEDMMAP_GUARD_PAGES", "0"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("40000 holes; survivors intact; process still allocates; freed all", r.Stdout);
    }

    [Fact]
    public void A_million_map_unmap_cycles()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.MillionCycles), ChildProcess.ScaleTimeout, ("CHECKEDMMAP_STACKS", "none"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1000000 cycles; live 0", r.Stdout);
    }

    [Fact]
    public void Huge_mappings_get_ENOMEM_where_libc_does_and_sizes_libc_accepts_work()
    {
        if (!IsLinux)
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.HugeMappings));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1 GiB: mapped, touched, unmapped", r.Stdout);
        foreach (string line in r.Stdout.Split('\n'))
        {
            // "64 TiB: libc ENOMEM, checked ENOMEM" or, where the host's policy accepts it, "libc accepts ..., checked accepts"
            if (line.Contains(" TiB:", StringComparison.Ordinal) || line.Contains("16 GiB:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(", checked ");
                Assert.True(parts.Length == 2, line);
                Assert.Equal(parts[0].Substring(parts[0].IndexOf("libc ", StringComparison.Ordinal) + 5), parts[1].Trim());
            }
        }

        Assert.Contains("64 TiB:", r.Stdout);
    }

    [Fact]
    public void A_300_MiB_mapping_is_quarantined_and_named_after_eviction()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LargeMappingQuarantined));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("quarantined: True", r.Stdout);
        Assert.Contains("double munmap: Freed: memory access failed: alloc1 has been freed", r.Stdout);
        Assert.Contains("alloc1 was created by mmap on thread", r.Stdout);
        Assert.Contains("alloc1 was destroyed by munmap on thread", r.Stdout);
        Assert.Contains("ChildScenarios.LargeMappingQuarantined", r.Stdout);
        Assert.Contains("after eviction: Freed: memory access failed: alloc2 has been freed", r.Stdout);
        Assert.Contains("unmapped by munmap (released)", r.Stdout);
    }

    [Fact]
    public void A_stale_write_to_a_300_MiB_mapping_faults()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.StaleWriteToLargeMapping));
        Assert.True(r.ExitCode == 134, r.ToString());
        Assert.Contains("about to write freed 300 MiB", r.Stdout);
        Assert.DoesNotContain("NOT REACHED", r.Stdout);
        Assert.Contains("System.AccessViolationException", r.Stderr);
    }

    [Fact]
    public void A_stale_write_to_an_evicted_300_MiB_mapping_is_reported_with_its_history()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.StaleWriteToEvictedLargeMapping));
        Assert.True(r.ExitCode == 134, r.ToString());
        Assert.Contains("about to write evicted 300 MiB", r.Stdout);
        Assert.DoesNotContain("NOT REACHED", r.Stdout);
        Assert.Contains("==CheckedMmap== ERROR: use after munmap: access at ", r.Stderr);
        Assert.Contains("inside alloc1", r.Stderr);
        Assert.Contains("unmapped by munmap (released)", r.Stderr);
        Assert.Contains("alloc1 was created by mmap on thread", r.Stderr);
        Assert.Contains("alloc1 was destroyed by munmap on thread", r.Stderr);
    }

    private static int Field(string text, string label)
    {
        int i = text.IndexOf(label, StringComparison.Ordinal);
        Assert.True(i >= 0, "no '" + label + "' in " + text);
        i += label.Length;
        int j = i;
        while (j < text.Length && char.IsDigit(text[j]))
        {
            j++;
        }

        return int.Parse(text.AsSpan(i, j - i), System.Globalization.CultureInfo.InvariantCulture);
    }
}

public static unsafe partial class ChildScenarios
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw() => throw new InvalidOperationException("thrown after the mappings");

    private static void ProcessStillWorks()
    {
        byte[] big = new byte[64 << 20];
        for (int i = 0; i < big.Length; i += 4096)
        {
            big[i] = 1;
        }

        try
        {
            Throw();
        }
        catch (InvalidOperationException)
        {
        }

        int ran = 0;
        var t = new Thread(() => ran = big[4096]);
        t.Start();
        t.Join();
        if (ran != 1)
        {
            Console.WriteLine("thread did not run");
            Environment.Exit(6);
        }
    }

    public static void TwoHundredThousandLiveMappingsByProtectionChanges()
    {
        Registry.SlotAllocator.GuardRegionsDisabledForTests = true;
        TwoHundredThousandLiveMappings();
    }

    public static void TwoHundredThousandLiveMappings()
    {
        const int n = 200_000;
        var ptrs = new nint[n];
        for (int i = 0; i < n; i++)
        {
            ptrs[i] = Mman.mmap(0, 4096, RW, PA, -1, 0);
            if (ptrs[i] == Mman.MAP_FAILED)
            {
                Console.WriteLine("mmap failed at " + i + " errno " + Marshal.GetLastPInvokeError() + "; " + MmapTracker.Statistics);
                Environment.Exit(3);
            }

            Poke((byte*)ptrs[i] + (i % 4096), (byte)i);
        }

        for (int i = 0; i < n; i++)
        {
            if (Peek((byte*)ptrs[i] + (i % 4096)) != (byte)i)
            {
                Console.WriteLine("corrupt at " + i);
                Environment.Exit(4);
            }
        }

        MmapStatistics s = MmapTracker.Statistics;
        int entries = System.IO.File.ReadAllLines("/proc/self/maps").Length;
        Console.WriteLine($"all {n} mappings hold their byte; guarded {s.GuardedLiveMappings} unguarded {s.UnguardedLiveMappings} process map entries {entries} checker {s.CheckerMapEntries}");
        ProcessStillWorks();
        for (int i = 0; i < n; i++)
        {
            if (Mman.munmap(ptrs[i], 4096) != 0)
            {
                Console.WriteLine("munmap failed at " + i + "; " + MmapTracker.Statistics);
                Environment.Exit(5);
            }
        }

        ProcessStillWorks();
        Console.WriteLine("after: allocated 64 MiB, caught, thread ran, freed all; " + MmapTracker.Statistics);
    }

    public static void EveryOtherOfEightyThousandUnmapped()
    {
        const int n = 80_000;
        var ptrs = new nint[n];
        for (int i = 0; i < n; i++)
        {
            ptrs[i] = Mman.mmap(0, 4096, RW, PA, -1, 0);
            if (ptrs[i] == Mman.MAP_FAILED)
            {
                Console.WriteLine("mmap failed at " + i + "; " + MmapTracker.Statistics);
                Environment.Exit(3);
            }

            Poke((byte*)ptrs[i], (byte)i);
        }

        for (int i = 0; i < n; i += 2)
        {
            if (Mman.munmap(ptrs[i], 4096) != 0)
            {
                Console.WriteLine("munmap failed at " + i + " errno " + Marshal.GetLastPInvokeError() + "; " + MmapTracker.Statistics);
                Environment.Exit(5);
            }
        }

        for (int i = 1; i < n; i += 2)
        {
            if (Peek((byte*)ptrs[i]) != (byte)i)
            {
                Console.WriteLine("corrupt at " + i);
                Environment.Exit(4);
            }
        }

        ProcessStillWorks();
        for (int i = 1; i < n; i += 2)
        {
            if (Mman.munmap(ptrs[i], 4096) != 0)
            {
                Console.WriteLine("munmap failed at " + i + "; " + MmapTracker.Statistics);
                Environment.Exit(5);
            }
        }

        Console.WriteLine($"{n / 2} holes; survivors intact; process still allocates; freed all; " + MmapTracker.Statistics);
    }

    public static void MillionCycles()
    {
        const int n = 1_000_000;
        for (int i = 0; i < n; i++)
        {
            nint p = Mman.mmap(0, 4096, RW, PA, -1, 0);
            if (p == Mman.MAP_FAILED)
            {
                Console.WriteLine("mmap failed at " + i + "; " + MmapTracker.Statistics);
                Environment.Exit(3);
            }

            Poke((byte*)p, 1);
            if (Mman.munmap(p, 4096) != 0)
            {
                Console.WriteLine("munmap failed at " + i + "; " + MmapTracker.Statistics);
                Environment.Exit(5);
            }
        }

        Console.WriteLine($"{n} cycles; live {MmapTracker.LiveCount}; " + MmapTracker.Statistics);
    }

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    internal static extern nint LibcMmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    internal static extern int LibcMunmap(nint addr, nuint length);

    private static string Outcome(nint p) => p == -1 ? (Marshal.GetLastPInvokeError() == Mman.ENOMEM ? "ENOMEM" : "errno " + Marshal.GetLastPInvokeError()) : "accepts";

    public static void HugeMappings()
    {
        const int libcAnon = 0x02 | 0x20; // MAP_PRIVATE | MAP_ANONYMOUS (Linux)
        nint g = Mman.mmap(0, (nuint)1 << 30, RW, PA, -1, 0);
        Poke((byte*)g, 1);
        Poke((byte*)g + (1 << 30) - 1, 1);
        Console.WriteLine("1 GiB: " + (g != Mman.MAP_FAILED && Mman.munmap(g, (nuint)1 << 30) == 0 ? "mapped, touched, unmapped" : "failed"));

        foreach ((string name, ulong size) in new[] { ("16 GiB", 16UL << 30), ("64 TiB", 64UL << 40), ("1 TiB", 1UL << 40) })
        {
            nint l = LibcMmap(0, (nuint)size, RW, libcAnon, -1, 0);
            string libc = Outcome(l);
            if (l != -1)
            {
                LibcMunmap(l, (nuint)size);
            }

            nint c = Mman.mmap(0, (nuint)size, RW, PA, -1, 0);
            string checkedOutcome = Outcome(c);
            if (c != -1)
            {
                Poke((byte*)c, 1);
                Mman.munmap(c, (nuint)size);
            }

            Console.WriteLine($"{name}: libc {libc}, checked {checkedOutcome}");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnmapLarge(nint p, nuint size) => Mman.munmap(p, size);

    public static void LargeMappingQuarantined()
    {
        const nuint size = 300u << 20;
        nint p = Mman.mmap(0, size, RW, PA, -1, 0);
        Poke((byte*)p + size - 1, 1);
        UnmapLarge(p, size);
        MappingInfo? m = MmapTracker.FindMapping(p);
        Console.WriteLine("quarantined: " + (m != null && m.State == MappingState.Quarantined));
        try
        {
            Mman.munmap(p, size);
        }
        catch (UndefinedBehaviorException e)
        {
            Console.WriteLine("double munmap: " + e.Kind + ": " + e.MiriMessage);
            Console.WriteLine(e.Report);
        }

        // Evicted from the quarantine: the history still names it.
        nint q = Mman.mmap(0, size, RW, PA, -1, 0);
        UnmapLarge(q, size);
        MmapTracker.FlushQuarantine();
        try
        {
            Mman.munmap(q, size);
        }
        catch (UndefinedBehaviorException e)
        {
            Console.WriteLine("after eviction: " + e.Kind + ": " + e.MiriMessage);
            Console.WriteLine(e.Mapping?.Describe());
        }
    }

    public static void StaleWriteToEvictedLargeMapping()
    {
        const nuint size = 300u << 20;
        nint p = Mman.mmap(0, size, RW, PA, -1, 0);
        Poke((byte*)p, 1);
        Mman.munmap(p, size);
        MmapTracker.FlushQuarantine(); // evicted: its own reservation goes back to the system, its history stays
        Console.WriteLine("about to write evicted 300 MiB");
        Console.Out.Flush();
        Poke((byte*)p + (size / 2), 1);
        Console.WriteLine("NOT REACHED");
    }

    public static void StaleWriteToLargeMapping()
    {
        const nuint size = 300u << 20;
        nint p = Mman.mmap(0, size, RW, PA, -1, 0);
        Poke((byte*)p, 1);
        Mman.munmap(p, size);
        for (int i = 0; i < 100; i++)
        {
            // Other mappings and garbage afterwards must not take the range back.
            GC.KeepAlive(new byte[1 << 20]);
            Mman.munmap(Mman.mmap(0, 4096, RW, PA, -1, 0), 4096);
        }

        Console.WriteLine("about to write freed 300 MiB");
        Console.Out.Flush();
        Poke((byte*)p + (size / 2), 1);
        Console.WriteLine("NOT REACHED");
    }
}
