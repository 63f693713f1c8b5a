// Quarantine bounds and eviction, endurance, concurrency and leak checks.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

public unsafe class LeakTests
{
    [Fact]
    public void AssertNoLeaks_lists_live_mappings_with_creation_stacks()
    {
        long mark = MmapTracker.Checkpoint();
        nint p = Map(3 * 4096);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Assert.Contains(MmapTracker.LiveMappings(), x => ReferenceEquals(x, m));

        // other tests run in parallel: count only this thread's mappings
        var e = Assert.Throws<MmapLeakException>(() => MmapTracker.AssertNoLeaks(mark, currentThreadOnly: true));
        Assert.Single(e.Leaked);
        Assert.Same(m, e.Leaked[0]);
        Assert.StartsWith("==CheckedMmap== ERROR: leak: 1 mapping (12288 bytes) still mapped", e.Report);
        Assert.Contains($"12288-byte mapping {m.Name} [{Hex(p)}, {Hex(p + 12288)}), live", e.Report);
        Assert.Contains($"{m.Name} was created by mmap on {ThisThread} here:", e.Report);
        Assert.Contains(nameof(AssertNoLeaks_lists_live_mappings_with_creation_stacks), e.Report);
        Assert.Contains($"SUMMARY: CheckedMmap: 12288 bytes leaked in 1 mapping ({m.Name}), the first created in CheckedMmap.Tests.", e.Report);
        Assert.Equal(e.Report, e.Message);

        Unmap(p, 3 * 4096);
        MmapTracker.AssertNoLeaks(mark, currentThreadOnly: true);
        Assert.DoesNotContain(MmapTracker.LiveMappings(), x => ReferenceEquals(x, m));
    }

    [Fact]
    public void MappingInfo_describes_itself()
    {
        nint p = Map(4096);
        MappingInfo m = MmapTracker.FindMapping(p + 100)!;
        Assert.Equal(p, m.Address);
        Assert.Equal("alloc" + m.Id, m.Name);
        Assert.Equal((nuint)4096, m.Alignment);
        Assert.Equal(Environment.CurrentManagedThreadId, m.CreatedThreadId);
        Assert.Equal($"{m.Name} [{Hex(p)}, {Hex(p + 4096)}) 4096 bytes, live", m.ToString());
        Assert.Null(m.DestructionStack);
        Unmap(p, 4096);
        Assert.StartsWith($"4096-byte mapping {m.Name} [{Hex(p)}, {Hex(p + 4096)}), unmapped by munmap (quarantined)", m.Describe());
        Assert.Contains($"{m.Name} was destroyed by munmap on {ThisThread} here:", m.Describe());
        Assert.Null(MmapTracker.FindMapping(p + 4096)); // the guard page belongs to no mapping
    }
}

[Collection(GlobalOptionsCollection.Name)]
public sealed unsafe class QuarantineAndConcurrencyTests : IDisposable
{
    public QuarantineAndConcurrencyTests() => CheckedMmapOptions.ResetToDefaults();

    public void Dispose() => CheckedMmapOptions.ResetToDefaults();

    [Fact]
    public void Quarantine_is_bounded_by_count_with_fifo_eviction()
    {
        MmapTracker.FlushQuarantine();
        CheckedMmapOptions.QuarantineMaxCount = 4;
        long evictions = MmapTracker.Evictions;
        var infos = new List<MappingInfo>();
        for (int i = 0; i < 10; i++)
        {
            nint p = Map(4096);
            infos.Add(MmapTracker.FindMapping(p)!);
            Unmap(p, 4096);
        }

        Assert.Equal(4, MmapTracker.QuarantinedCount);
        Assert.Equal(6, MmapTracker.Evictions - evictions);
        Assert.All(infos.Take(6), m => Assert.Equal(MappingState.Released, m.State)); // oldest first
        Assert.All(infos.Skip(6), m => Assert.Equal(MappingState.Quarantined, m.State));

        // a released range is no mapping any more; a quarantined one still says "has been freed"
        MappingInfo quarantined = infos[9];
        Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(quarantined.Address, 4096));
        Assert.Equal(UndefinedBehaviorKind.Freed, Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(quarantined.Address, 4096)).Kind);
    }

    [Fact]
    public void Quarantine_is_bounded_by_bytes()
    {
        MmapTracker.FlushQuarantine();
        CheckedMmapOptions.QuarantineMaxBytes = 64 * 1024;
        for (int i = 0; i < 10; i++)
        {
            nint p = Map(32 * 1024);
            Unmap(p, 32 * 1024);
        }

        Assert.True(MmapTracker.QuarantinedBytes <= 64 * 1024);
        Assert.Equal(2, MmapTracker.QuarantinedCount);
    }

    [Fact]
    public void Quarantine_can_be_disabled()
    {
        CheckedMmapOptions.QuarantineMaxCount = 0;
        nint p = Map(4096);
        Unmap(p, 4096);
        Assert.Equal(0, MmapTracker.QuarantinedCount);
        Assert.Null(MmapTracker.FindMapping(p));
    }

    [Fact]
    public void Lowering_the_bounds_evicts_at_once()
    {
        for (int i = 0; i < 5; i++)
        {
            Unmap(Map(4096), 4096);
        }

        Assert.True(MmapTracker.QuarantinedCount >= 5);
        CheckedMmapOptions.QuarantineMaxCount = 1;
        Assert.Equal(1, MmapTracker.QuarantinedCount);
    }

    [Fact]
    public void Endurance_cycling_far_more_mappings_than_the_map_count_limit()
    {
        // Stacks off: this is about quarantine eviction and address reuse (a touched page costs a TLB
        // shootdown on unmap, so only every 64th mapping is written). Longer runs: the robustness suite.
        CheckedMmapOptions.StackCapture = StackCaptureMode.None;
        int baseline = MmapTracker.LiveCount;
        var live = new Queue<(nint P, nuint Len)>();
        var rng = new Random(12345);
        const int cycles = 150_000; // more than twice vm.max_map_count
        for (int i = 0; i < cycles; i++)
        {
            nuint len = (nuint)(rng.Next(1, 17) * 4096 - rng.Next(0, 100));
            nint p = Mman.mmap(0, len, RW, PA, -1, 0);
            Assert.NotEqual(Mman.MAP_FAILED, p);
            if (i % 64 == 0)
            {
                *(int*)p = i;
            }

            live.Enqueue((p, len));
            if (live.Count > 100)
            {
                (nint q, nuint qlen) = live.Dequeue();
                Assert.Equal(0, Mman.munmap(q, qlen));
            }
        }

        while (live.Count > 0)
        {
            (nint q, nuint qlen) = live.Dequeue();
            Assert.Equal(0, Mman.munmap(q, qlen));
        }

        Assert.Equal(baseline, MmapTracker.LiveCount);
        Assert.True(MmapTracker.QuarantinedCount <= CheckedMmapOptions.QuarantineMaxCount);
        Assert.True(MmapTracker.Evictions > cycles - CheckedMmapOptions.QuarantineMaxCount - 1000);
        Assert.True(Registry.MmapRuntime.ChunkCount <= 3, "address space is reused: " + Registry.MmapRuntime.ChunkCount + " chunks");
    }

    [Fact]
    public void Large_mappings_get_their_own_reservation_and_are_evicted_by_bytes()
    {
        const nuint big = 100u << 20;
        for (int i = 0; i < 4; i++)
        {
            nint p = Map(big);
            ((byte*)p)[0] = 1;
            ((byte*)p)[big - 1] = 1;
            Unmap(p, big);
        }

        Assert.True(MmapTracker.QuarantinedBytes <= CheckedMmapOptions.QuarantineMaxBytes);
    }

    [Fact]
    public void Concurrent_mmap_munmap_from_many_threads_keeps_the_registry_exact()
    {
        int baseline = MmapTracker.LiveCount;
        long mark = MmapTracker.Checkpoint();
        const int threads = 8;
        const int perThread = 3000;
        var created = new ConcurrentBag<long>();
        var errors = new ConcurrentQueue<string>();
        var barrier = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var rng = new Random(t);
            var mine = new List<(nint P, nuint Len, int Tag)>();
            barrier.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                if (mine.Count < 20 && (mine.Count == 0 || rng.Next(3) != 0))
                {
                    nuint len = (nuint)rng.Next(1, 5 * 4096);
                    nint p = Mman.mmap(0, len, RW, PA, -1, 0);
                    if (p == Mman.MAP_FAILED)
                    {
                        errors.Enqueue("mmap failed");
                        continue;
                    }

                    int tag = t * 1_000_000 + i;
                    new Span<int>((void*)p, (int)(len / 4)).Fill(tag);
                    mine.Add((p, len, tag));
                    created.Add(MmapTracker.FindMapping(p)!.Id);
                }
                else
                {
                    int k = rng.Next(mine.Count);
                    (nint p, nuint len, int tag) = mine[k];
                    mine.RemoveAt(k);
                    if (new Span<int>((void*)p, (int)(len / 4)).IndexOfAnyExcept(tag) >= 0)
                    {
                        errors.Enqueue("overlap: another thread's mapping wrote into " + Hex(p));
                    }

                    if (Mman.munmap(p, len) != 0)
                    {
                        errors.Enqueue("munmap failed");
                    }
                }
            }

            foreach ((nint p, nuint len, _) in mine)
            {
                Mman.munmap(p, len);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        Assert.Empty(errors);
        Assert.Equal(baseline, MmapTracker.LiveCount);
        MmapTracker.AssertNoLeaks(mark);
        Assert.Equal(created.Count, created.Distinct().Count());
    }

    [Fact]
    public void Racing_double_munmap_succeeds_exactly_once()
    {
        for (int round = 0; round < 50; round++)
        {
            nint p = Map(4096);
            int ok = 0;
            int freed = 0;
            var barrier = new Barrier(4);
            var ts = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                barrier.SignalAndWait();
                try
                {
                    if (Mman.munmap(p, 4096) == 0)
                    {
                        Interlocked.Increment(ref ok);
                    }
                }
                catch (UndefinedBehaviorException e) when (e.Kind == UndefinedBehaviorKind.Freed)
                {
                    Interlocked.Increment(ref freed);
                }
            })).ToList();
            ts.ForEach(t => t.Start());
            ts.ForEach(t => t.Join());
            Assert.Equal(1, ok);
            Assert.Equal(3, freed);
        }
    }

    [Fact]
    public void Concurrent_mremap_and_mprotect_keep_the_registry_exact()
    {
        int baseline = MmapTracker.LiveCount;
        Parallel.For(0, 8, t =>
        {
            for (int i = 0; i < 500; i++)
            {
                nint p = Map(4096);
                *(int*)p = t;
                nint q = Mman.mremap(p, 4096, 3 * 4096, Mman.MREMAP_MAYMOVE);
                Assert.NotEqual(Mman.MAP_FAILED, q);
                Assert.Equal(t, *(int*)q);
                Assert.Equal(0, Mman.mprotect(q + 4096, 4096, RW));
                Assert.Equal(0, Mman.madvise(q, 3 * 4096, Mman.MADV_SEQUENTIAL));
                Unmap(q, 3 * 4096);
            }
        });
        Assert.Equal(baseline, MmapTracker.LiveCount);
    }
}
