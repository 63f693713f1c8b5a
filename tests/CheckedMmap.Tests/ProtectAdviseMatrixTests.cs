// The scenario matrix of Miri's mmap semantics (docs/runtime.md), mprotect and madvise rows (P1-P9, A1-A5).
using System.Runtime.InteropServices;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

public unsafe class ProtectAdviseMatrixTests
{
    [Fact]
    public void P1_partial_range_inside_the_mapping()
    {
        nint p = Map(4 * P);
        Errno.Poison();
        Assert.Equal(0, Mman.mprotect(p + 2 * (nint)P, 42, RW));
        Errno.AssertUntouched();
        Unmap(p, 4 * P);
    }

    [Fact]
    public void P2_whole_mapping()
    {
        nint p = Map(4 * P);
        Assert.Equal(0, Mman.mprotect(p, 4 * P, RW));
        Fill(p, 4 * P, 5); // still read/write
        Unmap(p, 4 * P);
    }

    [Fact]
    public void P3_unaligned_is_EINVAL()
    {
        nint p = Map(4 * P);
        Errno.Poison();
        Assert.Equal(-1, Mman.mprotect(p + 11, P, RW));
        Errno.AssertIs(Mman.EINVAL);
        Unmap(p, 4 * P);
    }

    [Fact]
    public void P4_unroundable_length_is_ENOMEM()
    {
        nint p = Map(4 * P);
        Errno.Poison();
        Assert.Equal(-1, Mman.mprotect(p, nuint.MaxValue - 1, RW));
        Errno.AssertIs(Mman.ENOMEM);
        Unmap(p, 4 * P);
    }

    [Fact]
    public void P5_past_the_end_is_out_of_bounds()
    {
        nint p = Map(P);
        var e = Ub(UndefinedBehaviorKind.OutOfBounds, Messages.MprotectOob, () => Mman.mprotect(p, P + 1, RW));
        Assert.NotNull(e.Mapping);
        Unmap(p, P);
    }

    [Theory]
    [InlineData(Mman.PROT_NONE)]
    [InlineData(Mman.PROT_READ)]
    [InlineData(Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC)]
    public void P6_protections_other_than_read_write_are_unsupported_after_alignment_before_length(int prot)
    {
        nint p = Map(P);
        Unsupported(Messages.Protections, () => Mman.mprotect(p, P, prot));
        Unsupported(Messages.Protections, () => Mman.mprotect(p, nuint.MaxValue - 1, prot)); // before the length check
        Errno.Poison();
        Assert.Equal(-1, Mman.mprotect(p + 1, P, prot)); // after the alignment check
        Errno.AssertIs(Mman.EINVAL);
        Unmap(p, P);
    }

    [Fact]
    public void P7_null_with_length_zero_succeeds()
    {
        Errno.Poison();
        Assert.Equal(0, Mman.mprotect(0, 0, RW));
        Errno.AssertUntouched();
    }

    [Fact]
    public void P8_after_munmap_is_out_of_bounds()
    {
        nint p = Map(P);
        Unmap(p, P);
        var e = Ub(UndefinedBehaviorKind.OutOfBounds, Messages.MprotectOob, () => Mman.mprotect(p, P, RW));
        Assert.Equal(MappingState.Quarantined, e.Mapping!.State);
    }

    [Fact]
    public void P9_memory_not_from_mmap_is_out_of_bounds_here()
    {
        // Departure from Miri (which accepts in-bounds heap/stack memory): CheckedMmap only knows its own mappings.
        void* heap = NativeMemory.AlignedAlloc(4096, 4096);
        try
        {
            Ub(UndefinedBehaviorKind.OutOfBounds, Messages.MprotectOob, () => Mman.mprotect(heap, 4096, RW));
        }
        finally
        {
            NativeMemory.AlignedFree(heap);
        }
    }

    [Theory]
    [InlineData(Mman.MADV_NORMAL)]
    [InlineData(Mman.MADV_RANDOM)]
    [InlineData(Mman.MADV_SEQUENTIAL)]
    [InlineData(Mman.MADV_WILLNEED)]
    public void A1_supported_advice_on_part_and_whole(int advice)
    {
        nint p = Map(4 * P);
        Errno.Poison();
        Assert.Equal(0, Mman.madvise(p + 2 * (nint)P, 42, advice));
        Assert.Equal(0, Mman.madvise(p, 4 * P, advice));
        Errno.AssertUntouched();
        Unmap(p, 4 * P);
    }

    [Fact]
    public void A2_unaligned_is_EINVAL()
    {
        nint p = Map(4 * P);
        Errno.Poison();
        Assert.Equal(-1, Mman.madvise(p + 11, P, Mman.MADV_NORMAL));
        Errno.AssertIs(Mman.EINVAL);
        Unmap(p, 4 * P);
    }

    [Fact]
    public void A3_unroundable_length_is_ENOMEM()
    {
        nint p = Map(4 * P);
        Errno.Poison();
        Assert.Equal(-1, Mman.madvise(p, nuint.MaxValue - 1, Mman.MADV_NORMAL));
        Errno.AssertIs(Mman.ENOMEM);
        Unmap(p, 4 * P);
    }

    [Fact]
    public void A4_past_the_end_is_out_of_bounds()
    {
        nint p = Map(P);
        Ub(UndefinedBehaviorKind.OutOfBounds, Messages.MadviseOob, () => Mman.madvise(p, P + 1, Mman.MADV_NORMAL));
        Unmap(p, P);
    }

    [Theory]
    [InlineData("MADV_DONTNEED")]
    [InlineData("MADV_FREE")]
    [InlineData("17")]
    public void A5_other_advice_is_unsupported(string advice)
    {
        int value = int.TryParse(advice, out int n) ? n : (int)typeof(Mman).GetProperty(advice)!.GetValue(null)!;
        nint p = Map(P);
        var e = Unsupported(Messages.Advice, () => Mman.madvise(p, P, value));
        Unmap(p, P);
    }

    [Fact]
    public void A_null_with_length_zero_succeeds_and_nonzero_is_out_of_bounds()
    {
        Assert.Equal(0, Mman.madvise(0, 0, Mman.MADV_NORMAL));
        Ub(UndefinedBehaviorKind.OutOfBounds, Messages.MadviseOob, () => Mman.madvise(0, 1, Mman.MADV_NORMAL));
    }
}
