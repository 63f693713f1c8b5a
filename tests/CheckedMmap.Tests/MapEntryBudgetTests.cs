// The map-entry budget in process: a headroom that leaves the checker only a few hundred entries stands in for a
// process near vm.max_map_count. Past the budget the checker degrades (no guard pages of its own, quarantine
// releasing its oldest entry-holding ranges), says so once, and never fails a call libc would not fail.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

[Collection(GlobalOptionsCollection.Name)]
public sealed unsafe class MapEntryBudgetTests : IDisposable
{
    private readonly StringWriter _reports = new StringWriter();

    public MapEntryBudgetTests()
    {
        // The budget governs the protection-change layout; guard regions (where the kernel has them) cost no entries.
        Registry.SlotAllocator.GuardRegionsDisabledForTests = true;
        CheckedMmapOptions.ResetToDefaults();
        CheckedMmapOptions.ReportWriter = _reports;
    }

    private readonly List<(nint Address, nuint Length)> _live = new();

    public void Dispose()
    {
        // A failed test must not leave mappings live for the tests after it (layout changes would be refused).
        foreach ((nint address, nuint length) in _live)
        {
            if (MmapTracker.FindMapping(address) is { IsLive: true } m && m.Address == address)
            {
                Mman.munmap(address, length);
            }
        }

        CheckedMmapOptions.ResetToDefaults();
        Registry.SlotAllocator.GuardRegionsDisabledForTests = false;
    }

    private nint Tracked(nuint length)
    {
        nint p = Map(length);
        _live.Add((p, length));
        return p;
    }

    private static int ProcessMapEntries => File.ReadLines("/proc/self/maps").Count();

    /// <summary>Leaves the checker about <paramref name="entries"/> more map entries than it uses now.</summary>
    private static void LeaveCheckerAbout(int entries)
    {
        MmapStatistics s = MmapTracker.Statistics;
        CheckedMmapOptions.MapEntryHeadroom = s.MapEntryLimit - ProcessMapEntries - entries;
    }

    [Fact]
    public void Unguarded_runs_split_by_the_quarantine_merge_back_after_eviction()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Untouched neighbours, every other one unmapped, then the survivors written: the runs' pieces must still
        // merge when the holes are evicted, or the checker's count (which the budget relies on) falls below the truth.
        CheckedMmapOptions.GuardPages = false;
        var ptrs = new List<nint>();
        for (int i = 0; i < 2000; i++)
        {
            ptrs.Add(Tracked(4096));
        }

        for (int i = 0; i < ptrs.Count; i += 2)
        {
            Unmap(ptrs[i], 4096);
        }

        for (int i = 1; i < ptrs.Count; i += 2)
        {
            ((byte*)ptrs[i])[0] = 1;
        }

        MmapTracker.FlushQuarantine();
        (int counted, int real) = Registry.MmapRuntime.MapEntriesForTests();
        Assert.True(real <= counted, $"real {real}, counted {counted}");
        for (int i = 1; i < ptrs.Count; i += 2)
        {
            Unmap(ptrs[i], 4096);
        }

        MmapTracker.FlushQuarantine();
        (counted, real) = Registry.MmapRuntime.MapEntriesForTests();
        Assert.True(real <= counted, $"after all: real {real}, counted {counted}");
    }

    [Fact]
    public void A_count_the_kernel_proves_low_is_raised_at_the_next_reading()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Each new mapping lands after the hole its predecessor's neighbour left, with an identity of its own: when the
        // holes are evicted and made read/write again, the pieces cannot all merge, so the model counts fewer entries
        // than there are. The budget takes each such change as one more entry until a reading, which it makes once
        // that could reach its limit, raises the count to the truth.
        CheckedMmapOptions.GuardPages = false;
        for (int i = 0; i < 3000; i++)
        {
            nint x = Tracked(4096);
            ((byte*)x)[0] = 1;
            nint y = Map(4096);
            Unmap(y, 4096);
        }

        MmapTracker.FlushQuarantine();
        (int counted, int real) = Registry.MmapRuntime.MapEntriesForTests();
        int unsure = Registry.MmapRuntime.UnsureMapEntryChangesForTests;
        Assert.True(real <= counted + unsure, $"real {real}, counted {counted}, {unsure} changes since the last reading");
        Assert.True(real >= 1000, $"the scenario splits the run: real {real}");
        LeaveCheckerAbout(300);
        nint next = Tracked(4096);
        (counted, real) = Registry.MmapRuntime.MapEntriesForTests();
        Assert.True(Registry.MmapRuntime.UnsureMapEntryChangesForTests == 0, "the budget read the truth");
        Assert.True(real <= counted, $"after the reading: real {real}, counted {counted}");
    }

    [Fact]
    public void Statistics_say_in_words_what_is_not_counted_or_not_limited()
    {
        var fresh = new MmapStatistics(0, 0, 0, 0, 0, 0, 0, 0, 0, int.MaxValue, 8192, 0, -1, -1, false);
        Assert.Contains("map entries: checker 0 of unlimited, process not counted yet, limit none, headroom 8192;", fresh.ToString());
        var counted = new MmapStatistics(1, 1, 0, 0, 0, 0, 0, 0, 0, 65530, 8192, 3, 56000, 450, false);
        Assert.Contains("map entries: checker 3 of 56000, process 450, limit 65530, headroom 8192;", counted.ToString());
    }

    [Fact]
    public void Statistics_name_the_budget()
    {
        MmapStatistics s = MmapTracker.Statistics;
        Assert.Equal(CheckedMmapOptions.DefaultMapEntryHeadroom, s.MapEntryHeadroom);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim()), s.MapEntryLimit);
        }

        nint p = Map(4096);
        s = MmapTracker.Statistics;
        Assert.True(s.GuardedLiveMappings >= 1);
        Assert.Equal(s.LiveMappings, s.GuardedLiveMappings + s.UnguardedLiveMappings);
        Assert.Contains("guarded", s.ToString());
        Unmap(p, 4096);
    }

    [Fact]
    public void Past_the_budget_new_mappings_lose_their_guard_pages_and_merge()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        LeaveCheckerAbout(300);
        // The note is said once per process: by this test unless another reached the budget before it.
        int notes = MmapTracker.Statistics.BudgetReached ? 0 : 1;
        int before = ProcessMapEntries;
        long unguardedBefore = MmapTracker.Statistics.UnguardedByBudget;
        var ptrs = new List<nint>();
        for (int i = 0; i < 3000; i++)
        {
            nint p = Tracked(4096);
            ((byte*)p)[i % 4096] = (byte)i;
            ptrs.Add(p);
        }

        MmapStatistics s = MmapTracker.Statistics;
        int added = ProcessMapEntries - before;
        Assert.True(s.BudgetReached, s.ToString());
        Assert.True(s.UnguardedByBudget - unguardedBefore > 2000, s.ToString());
        Assert.True(added < 400, $"3000 mappings cost {added} map entries: {s}");
        Assert.Equal(notes, CountNotes());

        // Still usable, still checked: every byte is where it was written.
        for (int i = 0; i < ptrs.Count; i++)
        {
            Assert.Equal((byte)i, ((byte*)ptrs[i])[i % 4096]);
        }

        // Holes between unguarded mappings cost two entries each: the quarantine releases its oldest ones first.
        long forEntries = s.EvictionsForMapEntries;
        for (int i = 0; i < ptrs.Count; i += 2)
        {
            Unmap(ptrs[i], 4096);
        }

        s = MmapTracker.Statistics;
        Assert.True(s.EvictionsForMapEntries + s.ReleasedWithoutQuarantine > forEntries, s.ToString());
        Assert.True(ProcessMapEntries - before < 400, s.ToString());
        Assert.True(s.QuarantinedMappings > 0, s.ToString());

        // The most recent holes are still quarantined; the evicted ones are still named.
        MappingInfo recent = MmapTracker.FindMapping(ptrs[ptrs.Count - 2])!;
        Assert.Equal(MappingState.Quarantined, recent.State);
        int evicted = Enumerable.Range(0, ptrs.Count / 2).Select(i => 2 * i)
            .First(i => MmapTracker.FindMappingIncludingEvicted(ptrs[i]) is { State: MappingState.Released });
        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(ptrs[evicted], 4096));
        Assert.Equal(UndefinedBehaviorKind.Freed, e.Kind);
        Assert.Equal(MappingState.Released, e.Mapping!.State);

        for (int i = 1; i < ptrs.Count; i += 2)
        {
            Assert.Equal((byte)i, ((byte*)ptrs[i])[i % 4096]);
            Unmap(ptrs[i], 4096);
        }

        Assert.Equal(notes, CountNotes());
    }

    [Fact]
    public void Moving_mremaps_past_the_budget_succeed_keep_the_data_and_leave_the_registry_exact()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        LeaveCheckerAbout(60);
        // Fill the budget with small mappings, then grow and shrink others by moving them, as a vector would.
        var small = new List<nint>();
        for (int i = 0; i < 400; i++)
        {
            small.Add(Tracked(4096));
        }

        Assert.True(MmapTracker.Statistics.BudgetReached, MmapTracker.Statistics.ToString());
        int liveBefore = MmapTracker.LiveCount;
        var moved = new List<(nint Address, nuint Length)>();
        for (int i = 0; i < 50; i++)
        {
            nint p = Map(8192);
            for (int b = 0; b < 8192; b += 512)
            {
                ((byte*)p)[b] = (byte)(i + b);
            }

            nint grown = Mman.mremap(p, 8192, 65536, Mman.MREMAP_MAYMOVE);
            Assert.NotEqual(Mman.MAP_FAILED, grown);
            nint shrunk = Mman.mremap(grown, 65536, 8192, Mman.MREMAP_MAYMOVE);
            Assert.NotEqual(Mman.MAP_FAILED, shrunk);
            for (int b = 0; b < 8192; b += 512)
            {
                Assert.Equal((byte)(i + b), ((byte*)shrunk)[b]);
            }

            if (grown != p && shrunk != p)
            {
                // The old place is freed (and not reused yet): a late munmap of it names the mapping, live or evicted.
                var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(p, 8192));
                Assert.Equal(UndefinedBehaviorKind.Freed, e.Kind);
            }

            moved.Add((shrunk, 8192));
            _live.Add((shrunk, 8192));
        }

        MmapStatistics s = MmapTracker.Statistics;
        Assert.Equal(liveBefore + moved.Count, MmapTracker.LiveCount);
        Assert.Equal(s.LiveMappings, s.GuardedLiveMappings + s.UnguardedLiveMappings);
        foreach ((nint address, nuint length) in moved)
        {
            MappingInfo m = MmapTracker.FindMapping(address)!;
            Assert.Equal(MappingState.Live, m.State);
            Assert.Equal(length, m.Size);
            Unmap(address, length);
        }

        foreach (nint p in small)
        {
            Unmap(p, 4096);
        }

        Assert.Equal(liveBefore - small.Count, MmapTracker.LiveCount);
    }

    [Fact]
    public void Guard_pages_come_back_when_the_budget_has_room_again()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        LeaveCheckerAbout(100);
        var ptrs = new List<nint>();
        for (int i = 0; i < 200; i++)
        {
            ptrs.Add(Tracked(4096));
        }

        Assert.True(MmapTracker.Statistics.UnguardedLiveMappings > 0);
        foreach (nint p in ptrs)
        {
            Unmap(p, 4096);
        }

        CheckedMmapOptions.MapEntryHeadroom = CheckedMmapOptions.DefaultMapEntryHeadroom;
        nint q = Map(4096);
        int guardedBefore = MmapTracker.Statistics.GuardedLiveMappings;
        Assert.True(guardedBefore >= 1);
        Unmap(q, 4096);
    }

    [Fact]
    public void Evicted_mappings_are_remembered_up_to_the_history_size()
    {
        CheckedMmapOptions.QuarantineMaxCount = 1;
        CheckedMmapOptions.EvictedHistory = 3;
        var infos = new List<MappingInfo>();
        for (int i = 0; i < 6; i++)
        {
            nint p = Map(8192);
            infos.Add(MmapTracker.FindMapping(p)!);
            Unmap(p, 8192);
        }

        // infos[5] quarantined, [2..4] remembered, [0..1] forgotten (unless their range was reused since)
        Assert.Equal(3, MmapTracker.Statistics.EvictedHistoryCount);
        Assert.Same(infos[4], MmapTracker.FindMappingIncludingEvicted(infos[4].Address + 100));
        Assert.Equal(MappingState.Released, infos[4].State);
        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(infos[4].Address, 8192));
        Assert.Equal(Messages.Freed(infos[4]), e.MiriMessage);
        Assert.Same(infos[4], e.Mapping);
        Assert.Contains("unmapped by munmap (released)", e.Report);

        CheckedMmapOptions.EvictedHistory = 0;
        Assert.Equal(0, MmapTracker.Statistics.EvictedHistoryCount);
        Assert.Null(MmapTracker.FindMappingIncludingEvicted(infos[4].Address + 100) is { State: MappingState.Released } m && m == infos[4] ? m : null);
    }

    [Fact]
    public void The_fault_lookup_names_an_evicted_mapping_where_the_checker_or_nobody_holds_the_range()
    {
        nint small = Map(8192);
        MappingInfo ms = MmapTracker.FindMapping(small)!;
        Unmap(small, 8192);
        nint large = Map(128u << 20); // a reservation of its own, given back to the OS on eviction
        MappingInfo ml = MmapTracker.FindMapping(large)!;
        Unmap(large, 128u << 20);
        MmapTracker.FlushQuarantine();

        Assert.Same(ms, MmapTracker.FindMappingIncludingEvicted(small));
        Assert.Same(ml, MmapTracker.FindMappingIncludingEvicted(large + 4096));
        Assert.Same(ms, Registry.MmapRuntime.FindForFault((ulong)small + 100)); // still inside a chunk, inaccessible
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The OS has the large one's range back, and nothing maps it: a fault there is a use of it. (A thread started by
        // another test may take the hole meanwhile: then the address is that thread's, and the lookup must say nothing.)
        bool taken = Host.HostMemory.Instance.IsMapped((ulong)large + 4096);
        Assert.Same(taken ? null : ml, Registry.MmapRuntime.FindForFault((ulong)large + 4096));

        // Once other code maps the address, a fault there is that code's, not the evicted mapping's.
        const int MAP_FIXED_NOREPLACE = 0x100000;
        nint other = ChildScenarios.LibcMmap(large, 4096, 0, 0x22 | MAP_FIXED_NOREPLACE, -1, 0);
        if (other == -1)
        {
            Assert.True(Host.HostMemory.Instance.IsMapped((ulong)large)); // taken already: nothing more to show
            return;
        }

        Assert.Equal(large, other);
        try
        {
            Assert.Null(Registry.MmapRuntime.FindForFault((ulong)large + 100));
            Assert.Same(Host.HostMemory.Instance.IsMapped((ulong)large + 4096) ? null : ml, Registry.MmapRuntime.FindForFault((ulong)large + 4096));
        }
        finally
        {
            ChildScenarios.LibcMunmap(other, 4096);
        }
    }

    /// <summary>Runs <paramref name="change"/> once, inside the next call, after its checks and before its lock.</summary>
    private static void DuringTheNextCall(Action change)
    {
        Registry.MmapRuntime.AfterChecksForTests = () =>
        {
            Registry.MmapRuntime.AfterChecksForTests = null;
            change();
        };
    }

    [Fact]
    public void A_target_change_during_mmap_is_checked_again_with_the_new_target()
    {
        const int linuxPrivateAnonymous = 0x22; // MAP_RENAME|MAP_PRIVATE on macOS: unsupported there
        try
        {
            DuringTheNextCall(() => CheckedMmapOptions.Target = TargetOperatingSystem.MacOS);
            Unsupported(Messages.Flags, () => Mman.mmap(0, 4096, RW, linuxPrivateAnonymous, -1, 0));
            Assert.Equal(TargetOperatingSystem.MacOS, CheckedMmapOptions.Target);
            Assert.Equal(0, MmapTracker.LiveCount);
        }
        finally
        {
            Registry.MmapRuntime.AfterChecksForTests = null;
        }
    }

    [Fact]
    public void A_page_size_change_during_mmap_rounds_and_aligns_with_the_new_size()
    {
        try
        {
            DuringTheNextCall(() => CheckedMmapOptions.ForcePageSizeKiB(64));
            nint p = Mman.mmap(0, 4096, RW, PA, -1, 0);
            MappingInfo m = MmapTracker.FindMapping(p)!;
            Assert.Equal((nuint)65536, m.Size);
            Assert.Equal((nuint)65536, m.Alignment);
            Assert.Equal(0, p % 65536);
            Assert.Equal(0, Mman.munmap(p, 65536));
        }
        finally
        {
            Registry.MmapRuntime.AfterChecksForTests = null;
        }
    }

    [Fact]
    public void Concurrent_target_flips_never_let_a_call_mix_two_targets()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return; // the macOS target's page size differs on arm64
        }

        const int linuxPrivateAnonymous = 0x22;
        bool stop = false;
        var flipper = new Thread(() =>
        {
            // A target change is refused while a mapping is live: retried until it lands.
            while (!Volatile.Read(ref stop))
            {
                TrySetTarget(TargetOperatingSystem.MacOS);
                TrySetTarget(TargetOperatingSystem.Linux);
            }
        });
        flipper.Start();
        int accepted = 0, refused = 0;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(1);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    nint p = Mman.mmap(0, 4096, RW, linuxPrivateAnonymous, -1, 0);
                    Assert.NotEqual(Mman.MAP_FAILED, p);
                    accepted++;
                    Assert.Equal(0, Mman.munmap(p, 4096));
                }
                catch (UnsupportedMmapException e)
                {
                    Assert.Equal(Messages.Flags, e.MiriMessage);
                    refused++;
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            flipper.Join();
        }

        Assert.True(accepted > 0, $"accepted {accepted}, refused {refused}");
        Assert.Equal(0, MmapTracker.LiveCount);
    }

    private static bool TrySetTarget(TargetOperatingSystem target)
    {
        try
        {
            CheckedMmapOptions.Target = target;
            return true;
        }
        catch (CheckedMmapConfigurationException)
        {
            return false;
        }
    }

    private int CountNotes() => _reports.ToString().Split("==CheckedMmap== note: map-entry budget reached").Length - 1;
}
