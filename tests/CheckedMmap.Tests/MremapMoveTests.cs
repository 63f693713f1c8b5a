using System;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

/// <summary>
/// A checked mremap moves whole pages with the host's mremap (page tables, no copy) where it can and copies the rest:
/// whatever path is taken, the new block holds exactly the old bytes up to min(old, new) and zeros after them, and the
/// old block is quarantined.
/// </summary>
public sealed unsafe class MremapMoveTests
{
    private static void Pattern(nint p, nuint length, int seed)
    {
        var span = new Span<byte>((void*)p, checked((int)length));
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (byte)((i * 31) + seed);
        }
    }

    private static bool HasPattern(nint p, nuint length, int seed)
    {
        var span = new ReadOnlySpan<byte>((void*)p, checked((int)length));
        for (int i = 0; i < span.Length; i++)
        {
            if (span[i] != (byte)((i * 31) + seed))
            {
                return false;
            }
        }

        return true;
    }

    [Theory]
    [InlineData(16 * 4096, 32 * 4096)] // grow: every page moves
    [InlineData(32 * 4096, 16 * 4096)] // shrink: the first half moves, the rest is dropped
    [InlineData(4096 + 1, 5 * 4096)]   // one whole page moves, one byte is copied
    [InlineData(3 * 4096, 4096 + 100)] // one page moves, 100 bytes are copied
    [InlineData(100, 3 * 4096)]        // less than a page: copied only
    public void Data_is_kept_and_the_rest_is_zero(int oldSize, int newSize)
    {
        nint p = Map(P);
        if ((nuint)oldSize != P)
        {
            p = Mman.mremap(p, P, (nuint)oldSize, Mman.MREMAP_MAYMOVE);
            Assert.NotEqual(Mman.MAP_FAILED, p);
        }

        Pattern(p, (nuint)oldSize, 7);
        // Bytes past the old size in its last page (not detected, page granularity) must not reach the new block.
        nuint pageEnd = ((nuint)oldSize + P - 1) / P * P;
        new Span<byte>((void*)(p + oldSize), checked((int)(pageEnd - (nuint)oldSize))).Fill(0xEE);
        MappingInfo old = MmapTracker.FindMapping(p)!;
        ulong movedBefore = CheckedMmap.Registry.MmapRuntime.MovedBytes;

        nint q = Mman.mremap(p, (nuint)oldSize, (nuint)newSize, Mman.MREMAP_MAYMOVE);
        Assert.NotEqual(Mman.MAP_FAILED, q);
        Assert.NotEqual(p, q);
        nuint kept = (nuint)Math.Min(oldSize, newSize);
        Assert.True(HasPattern(q, kept, 7));
        nuint newPageEnd = ((nuint)newSize + P - 1) / P * P;
        Assert.True(All(q + (nint)kept, newPageEnd - kept, 0));
        Assert.Equal(MappingState.Quarantined, old.State);
        if (OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(5, 7) && kept >= P)
        {
            // Linux ≥ 5.7 has MREMAP_DONTUNMAP: whole pages moved, not copied (other tests may move pages concurrently).
            Assert.True(CheckedMmap.Registry.MmapRuntime.MovedBytes - movedBefore >= kept / P * P);
        }

        Assert.Equal((nuint)newSize, MmapTracker.FindMapping(q)!.Size);

        // And again from the moved block (its pages may now span several host VMAs).
        nint r = Mman.mremap(q, (nuint)newSize, (nuint)newSize + 2 * P, Mman.MREMAP_MAYMOVE);
        Assert.NotEqual(Mman.MAP_FAILED, r);
        Assert.True(HasPattern(r, kept, 7));
        Assert.True(All(r + (nint)kept, (nuint)newSize + 2 * P - kept, 0));
        Assert.Equal(0, Mman.mremap(r, (nuint)newSize + 2 * P, P, Mman.MREMAP_MAYMOVE) is var s && s != Mman.MAP_FAILED ? Mman.munmap(s, P) : -1);
    }
}
