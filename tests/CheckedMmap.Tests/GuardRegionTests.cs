// Guard regions (Linux 6.13 and later): guard pages and quarantine live in the page tables, so a guarded mapping costs
// no map entry. The checker's count of its entries must stay an upper bound of the real one (the budget relies on it),
// also when moving mremaps split entries off and quarantine renews them so that they merge back.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;
using Xunit.Abstractions;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

[Collection(GlobalOptionsCollection.Name)]
public sealed unsafe class GuardRegionTests : IDisposable
{
    private readonly ITestOutputHelper _output;

    public GuardRegionTests(ITestOutputHelper output)
    {
        _output = output;
        CheckedMmapOptions.ResetToDefaults();
    }

    public void Dispose() => CheckedMmapOptions.ResetToDefaults();

    private bool Available()
    {
        if (Host.HostMemory.Instance.HasGuardRegions)
        {
            return true;
        }

        _output.WriteLine("not run: this host has no lightweight guard regions (Linux before 6.13, or vm.overcommit_memory = 2)");
        return false;
    }

    [Fact]
    public void Statistics_say_which_guard_pages_are_in_use()
    {
        Assert.Equal(Host.HostMemory.Instance.HasGuardRegions, MmapTracker.Statistics.GuardRegions);
        Assert.EndsWith(Host.HostMemory.Instance.HasGuardRegions ? "guard pages: guard regions" : "guard pages: protection changes", MmapTracker.Statistics.ToString());
    }

    [Fact]
    public void Thousands_of_live_guarded_mappings_cost_a_few_map_entries()
    {
        if (!Available())
        {
            return;
        }

        int guardedBefore = MmapTracker.Statistics.GuardedLiveMappings;
        (int countedBefore, _) = Registry.MmapRuntime.MapEntriesForTests();
        var ptrs = new List<nint>();
        try
        {
            for (int i = 0; i < 5000; i++)
            {
                nint p = Map(4096);
                ptrs.Add(p);
                ((byte*)p)[i % 4096] = (byte)i;
            }

            (int counted, int real) = Registry.MmapRuntime.MapEntriesForTests();
            Assert.True(MmapTracker.Statistics.GuardedLiveMappings - guardedBefore >= 5000, MmapTracker.Statistics.ToString());
            Assert.True(real <= counted + Registry.MmapRuntime.UnsureMapEntryChangesForTests, $"real {real}, counted {counted}");

            // By protection changes they would cost 10,000; the margin is for tests of other classes running meanwhile.
            Assert.True(counted - countedBefore < 200, $"5000 guarded mappings cost {counted - countedBefore} map entries");
            for (int i = 0; i < ptrs.Count; i++)
            {
                Assert.Equal((byte)i, ((byte*)ptrs[i])[i % 4096]);
            }
        }
        finally
        {
            foreach (nint p in ptrs)
            {
                Unmap(p, 4096);
            }
        }
    }

    [Fact]
    public void Moving_mremaps_stay_within_the_map_entry_budget_by_copying_past_it()
    {
        if (!Available())
        {
            return;
        }

        // Leave the checker about 200 entries: 1000 grown buffers, each a moved piece if it were moved, must not pass it.
        MmapStatistics s = MmapTracker.Statistics;
        CheckedMmapOptions.MapEntryHeadroom = s.MapEntryLimit - File.ReadLines("/proc/self/maps").Count() - 200;
        ulong movedBefore = Registry.MmapRuntime.MovedBytes;
        var live = new List<nint>();
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                nint p = Map(4096);
                ((byte*)p)[0] = (byte)(i | 1);
                nint q = Mman.mremap(p, 4096, 8192, Mman.MREMAP_MAYMOVE);
                Assert.NotEqual(Mman.MAP_FAILED, q);
                live.Add(q);
                Assert.Equal((byte)(i | 1), ((byte*)q)[0]);
            }

            s = MmapTracker.Statistics;
            (int counted, int real) = Registry.MmapRuntime.MapEntriesForTests();
            Assert.True(real <= counted + Registry.MmapRuntime.UnsureMapEntryChangesForTests, $"real {real}, counted {counted}");
            Assert.True(counted <= s.CheckerMapEntryLimit, s.ToString());
            Assert.True(Registry.MmapRuntime.MovedBytes > movedBefore, "the first buffers moved their pages");
            Assert.True(Registry.MmapRuntime.MovedBytes - movedBefore < 1000 * 4096UL, "past the budget the bytes were copied");
        }
        finally
        {
            foreach (nint q in live)
            {
                Unmap(q, 8192);
            }
        }
    }

    [Fact]
    public void A_mapping_the_program_locks_is_still_unmapped_and_quarantined()
    {
        if (!Available())
        {
            return;
        }

        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.LockedMappingsAreUnmapped));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("plain: munmap 0, freed; moved: munmap 0, freed; after: zero, guard pages: protection changes", r.Stdout);
    }

    [Fact]
    public void An_unguarded_mapping_the_program_made_read_only_with_libc_is_still_unmapped()
    {
        ChildProcess.Result r = ChildProcess.Run(nameof(ChildScenarios.UnmapAfterLibcMprotectReadOnly), ("CHECKEDMMAP_GUARD_PAGES", "0"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("munmap 0, then freed", r.Stdout);
    }

    [Fact]
    public void Moving_mremaps_split_entries_that_quarantine_merges_back_and_the_count_stays_an_upper_bound()
    {
        if (!Available())
        {
            return;
        }

        (int countedBefore, _) = Registry.MmapRuntime.MapEntriesForTests();
        var rng = new Random(7);
        var live = new Dictionary<nint, ulong>(); // address -> page-rounded size
        int worst = 0;
        try
        {
            for (int step = 0; step < 4000; step++)
            {
                int op = rng.Next(4);
                if (op == 0 || live.Count == 0)
                {
                    ulong size = (ulong)rng.Next(1, 6) * 4096;
                    nint p = Map((nuint)size);
                    ((byte*)p)[0] = 1;
                    live[p] = size;
                }
                else
                {
                    nint a = live.Keys.ElementAt(rng.Next(live.Count));
                    ulong size = live[a];
                    live.Remove(a);
                    if (op == 1)
                    {
                        Unmap(a, (nuint)size);
                    }
                    else
                    {
                        byte tag = (byte)(step | 1);
                        ((byte*)a)[0] = tag;
                        ulong next = (ulong)rng.Next(1, 6) * 4096;
                        nint q = Mman.mremap(a, (nuint)size, (nuint)next, Mman.MREMAP_MAYMOVE);
                        Assert.NotEqual(Mman.MAP_FAILED, q);
                        Assert.Equal(tag, ((byte*)q)[0]);
                        if (next > size)
                        {
                            Assert.Equal(0, ((byte*)q)[size]);
                        }

                        live[q] = next;
                    }
                }

                if (step % 500 == 0)
                {
                    (int counted, int real) = Registry.MmapRuntime.MapEntriesForTests();
                    Assert.True(real <= counted + Registry.MmapRuntime.UnsureMapEntryChangesForTests, $"step {step}: real {real}, counted {counted}");
                    worst = Math.Max(worst, counted);
                }
            }

            Assert.True(Registry.MmapRuntime.MovedBytes > 0, "the mremaps moved pages");
        }
        finally
        {
            foreach ((nint a, ulong size) in live)
            {
                Unmap(a, (nuint)size);
            }
        }

        // Every moved range is quarantined now, renewed and merged back: the chunks are a few entries again.
        (int countedAfter, int realAfter) = Registry.MmapRuntime.MapEntriesForTests();
        _output.WriteLine($"most entries counted while live: {worst}; after: counted {countedAfter}, real {realAfter}");
        Assert.True(realAfter <= countedAfter + Registry.MmapRuntime.UnsureMapEntryChangesForTests, $"real {realAfter}, counted {countedAfter}");

        // Without the renewal every moved range would stay counted (about 2,000 moves); the margin is for other classes.
        Assert.True(countedAfter - countedBefore < 200, $"counted {countedAfter} after every mapping was unmapped, {countedBefore} before");
    }
}

public static unsafe partial class ChildScenarios
{
    [DllImport("libc", SetLastError = true)]
    private static extern int mlock(nint address, nuint length);

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int LibcMprotect(nint address, nuint length, int prot);

    /// <summary>The checker prepares an unguarded run for the split its quarantine makes without writing to it.</summary>
    public static void UnmapAfterLibcMprotectReadOnly()
    {
        nint keep = Mman.mmap(0, 4096, RW, PA, -1, 0);
        nint p = Mman.mmap(0, 4096, RW, PA, -1, 0);
        ((byte*)p)[0] = 42;
        if (LibcMprotect(p, 4096, Mman.PROT_READ) != 0)
        {
            Console.WriteLine("mprotect failed");
            Environment.Exit(3);
        }

        int rc = Mman.munmap(p, 4096);
        try
        {
            Mman.munmap(p, 4096);
            Console.WriteLine($"munmap {rc}, then accepted");
        }
        catch (UndefinedBehaviorException e) when (e.Kind == UndefinedBehaviorKind.Freed)
        {
            Console.WriteLine($"munmap {rc}, then freed");
        }

        Mman.munmap(keep, 4096);
    }

    /// <summary>Locked memory refuses guard regions: the checker quarantines by a protection change instead, and
    /// later mappings use protection changes.</summary>
    public static void LockedMappingsAreUnmapped()
    {
        string Unmapped(nint p, nuint length)
        {
            ((byte*)p)[0] = 42;
            if (mlock(p, length) != 0)
            {
                return "mlock failed, errno " + Marshal.GetLastPInvokeError();
            }

            int rc = Mman.munmap(p, length);
            try
            {
                Mman.munmap(p, length);
                return $"munmap {rc}, second munmap accepted";
            }
            catch (UndefinedBehaviorException e) when (e.Kind == UndefinedBehaviorKind.Freed)
            {
                return $"munmap {rc}, freed";
            }
        }

        nint plain = Mman.mmap(0, 4096, RW, PA, -1, 0);
        string first = Unmapped(plain, 4096);
        nint small = Mman.mmap(0, 8192, RW, PA, -1, 0);
        ((byte*)small)[0] = 1;
        nint moved = Mman.mremap(small, 8192, 16384, Mman.MREMAP_MAYMOVE);
        string second = Unmapped(moved, 16384);
        nint after = Mman.mmap(0, 4096, RW, PA, -1, 0);
        bool zero = ((byte*)after)[0] == 0 && ((byte*)after)[4095] == 0;
        ((byte*)after)[0] = 7;
        Mman.munmap(after, 4096);
        (int counted, int real) = Registry.MmapRuntime.MapEntriesForTests();
        MmapStatistics s = MmapTracker.Statistics;
        Console.WriteLine($"plain: {first}; moved: {second}; after: {(zero ? "zero" : "not zero")}, guard pages: {(s.GuardRegions ? "guard regions" : "protection changes")}");
        Console.WriteLine($"map entries counted {counted}, real {real}; {s}");
        Environment.Exit(real <= counted ? 0 : 9);
    }
}
