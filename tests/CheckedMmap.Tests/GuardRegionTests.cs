// Guard regions (Linux 6.13 and later): guard pages and quarantine live in the page tables, so a guarded mapping costs
// no map entry. The checker's count of its entries must stay an upper bound of the real one (the budget relies on it),
// also when moving mremaps split entries off and quarantine renews them so that they merge back.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
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
            Assert.True(real <= counted, $"real {real}, counted {counted}");
            Assert.True(counted - countedBefore < 16, $"5000 guarded mappings cost {counted - countedBefore} map entries");
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
                    Assert.True(real <= counted, $"step {step}: real {real}, counted {counted}");
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
        Assert.True(realAfter <= countedAfter, $"real {realAfter}, counted {countedAfter}");
        Assert.True(countedAfter - countedBefore < 16, $"counted {countedAfter} after every mapping was unmapped, {countedBefore} before");
    }
}
