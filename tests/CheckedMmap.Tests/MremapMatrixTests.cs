// The scenario matrix of Miri's mmap semantics (docs/runtime.md), mremap rows (R1-R15), Linux target.
using System.Runtime.InteropServices;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

public unsafe class MremapMatrixTests
{
    [Fact]
    public void R1_grow_moves_copies_and_zero_fills()
    {
        nint p = Map(P);
        Fill(p, P, 1);
        Errno.Poison();
        nint q = Mman.mremap(p, P, 2 * P, Mman.MREMAP_MAYMOVE);
        Errno.AssertUntouched();
        Assert.NotEqual(Mman.MAP_FAILED, q);
        Assert.NotEqual(0, q);
        Assert.NotEqual(p, q); // never in place
        Assert.True(All(q, P, 1));
        Assert.True(All(q + (nint)P, P, 0));
        Assert.Equal(MappingState.Quarantined, MmapTracker.FindMapping(p)!.State);
        Assert.Equal("mremap", MmapTracker.FindMapping(p)!.DestroyedBy);
        Assert.Equal("mremap", MmapTracker.FindMapping(q)!.CreatedBy);
        Assert.Equal(0, Mman.munmap(q, 2 * P));
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - 4095)]
    [InlineData(1UL << 63)]
    public void Huge_new_size_is_ENOMEM_and_keeps_the_old_mapping(ulong newSize)
    {
        // Regression (robustness finding 1): host-page rounding wrapped to a 0-byte slot and the copy hit a guard page.
        nint p = Map(P);
        Fill(p, P, 3);
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mremap(p, P, (nuint)newSize, Mman.MREMAP_MAYMOVE));
        Errno.AssertIs(Mman.ENOMEM);
        Assert.Equal(MappingState.Live, MmapTracker.FindMapping(p)!.State);
        Assert.True(All(p, P, 3));
        Assert.Equal(0, Mman.munmap(p, P));
    }

    [Fact]
    public void R2_unaligned_address_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mremap(1, P, P, Mman.MREMAP_MAYMOVE));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void R3_new_size_zero_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mremap(0, P, 0, Mman.MREMAP_MAYMOVE));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void R4_without_MAYMOVE_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mremap(0, P, P, 0));
        Errno.AssertIs(Mman.EINVAL);
        nint p = Map(2 * P);
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mremap(p, 2 * P, P, 0)); // even when shrinking
        Errno.AssertIs(Mman.EINVAL);
        Unmap(p, 2 * P);
    }

    [Theory]
    [InlineData(Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED)]
    [InlineData(Mman.MREMAP_FIXED)]
    public void R5_MREMAP_FIXED_is_unsupported(int flags)
    {
        Unsupported(Messages.MremapFixed, () => Mman.mremap(0, P, P, flags));
    }

    [Fact]
    public void R6_MREMAP_DONTUNMAP_is_unsupported()
    {
        Unsupported(Messages.MremapDontUnmap, () => Mman.mremap(0, P, P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_DONTUNMAP));
    }

    [Fact]
    public void R7_shrink_copies_the_first_pages_and_frees_the_old_block()
    {
        nint p = Map(2 * P);
        Fill(p, 2 * P, 9);
        nint q = Mman.mremap(p, 2 * P, P, Mman.MREMAP_MAYMOVE);
        Assert.NotEqual(Mman.MAP_FAILED, q);
        Assert.True(All(q, P, 9));
        Assert.Equal(P, MmapTracker.FindMapping(q)!.Size);
        Assert.False(MmapTracker.FindMapping(p)!.IsLive);
        Unmap(q, P);
    }

    [Fact]
    public void R8_new_size_is_not_rounded_so_munmap_of_P_plus_1_is_incorrect_layout()
    {
        nint p = Map(P);
        nint q = Mman.mremap(p, P, P + 1, Mman.MREMAP_MAYMOVE);
        Assert.NotEqual(Mman.MAP_FAILED, q);
        MappingInfo m = MmapTracker.FindMapping(q)!;
        Assert.Equal(P + 1, m.Size);
        Ub(UndefinedBehaviorKind.IncorrectLayout, Messages.Layout(m, 4097, 8192), () => Mman.munmap(q, P + 1));
        // only mremap with the exact old size can get rid of it
        nint r = Mman.mremap(q, P + 1, P, Mman.MREMAP_MAYMOVE);
        Assert.NotEqual(Mman.MAP_FAILED, r);
        Unmap(r, P);
    }

    [Fact]
    public void R9_unrounded_old_size_is_incorrect_layout_and_changes_nothing()
    {
        nint p = Map(P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        int live = MmapTracker.LiveCount;
        Ub(UndefinedBehaviorKind.IncorrectLayout, Messages.Layout(m, 4096, 1), () => Mman.mremap(p, 1, 2 * P, Mman.MREMAP_MAYMOVE));
        Assert.True(m.IsLive);
        Unmap(p, P);
    }

    [Fact]
    public void R10_old_size_past_the_mapping_is_an_out_of_bounds_copy()
    {
        nint p = Map(P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Ub(UndefinedBehaviorKind.OutOfBounds,
            $"memory access failed: attempting to access 8192 bytes, but got {Hex(p)}[{m.Name}] which is only 4096 bytes from the end of the allocation",
            () => Mman.mremap(p, 2 * P, 2 * P, Mman.MREMAP_MAYMOVE));
        Assert.True(m.IsLive);
        Unmap(p, P);
    }

    [Fact]
    public void R11_null_pointer()
    {
        Ub(UndefinedBehaviorKind.NullPointer, Messages.NullPointer, () => Mman.mremap(0, P, P, Mman.MREMAP_MAYMOVE));
    }

    [Fact]
    public void R12_interior_pointer_is_not_the_beginning_of_an_object()
    {
        nint p = Map(2 * P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        nint q = p + (nint)P;
        Ub(UndefinedBehaviorKind.NotAtBeginning, $"reallocating {Hex(q)}[{m.Name}] which does not point to the beginning of an object",
            () => Mman.mremap(q, P, P, Mman.MREMAP_MAYMOVE));
        Unmap(p, 2 * P);
    }

    [Fact]
    public void R13_memory_not_from_mmap_is_a_dangling_pointer()
    {
        void* heap = NativeMemory.AlignedAlloc(4096, 4096);
        try
        {
            Ub(UndefinedBehaviorKind.DanglingNoProvenance,
                $"pointer not dereferenceable: pointer must point to some allocation, but got {Hex((nint)heap)}[noalloc] which is a dangling pointer (it has no provenance)",
                () => (nint)Mman.mremap(heap, 4096, 4096, Mman.MREMAP_MAYMOVE));
        }
        finally
        {
            NativeMemory.AlignedFree(heap);
        }
    }

    [Fact]
    public void R14_check_order()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mremap(1, P, P, Mman.MREMAP_FIXED)); // unaligned + FIXED
        Errno.AssertIs(Mman.EINVAL);
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mremap(0, P, 0, Mman.MREMAP_FIXED)); // new size 0 + FIXED
        Errno.AssertIs(Mman.EINVAL);
        Unsupported(Messages.MremapFixed, () => Mman.mremap(0, P, P, Mman.MREMAP_FIXED)); // FIXED without MAYMOVE
    }

    [Fact]
    public void R15_old_pointer_after_a_move_has_been_freed()
    {
        nint p = Map(P);
        MappingInfo old = MmapTracker.FindMapping(p)!;
        nint q = Mman.mremap(p, P, 2 * P, Mman.MREMAP_MAYMOVE);
        var e = Ub(UndefinedBehaviorKind.Freed, Messages.Freed(old), () => Mman.munmap(p, P));
        Assert.StartsWith($"==CheckedMmap== ERROR: munmap after mremap moved the mapping: {old.Name} was moved by mremap on thread", e.Report);
        Assert.Contains($"{old.Name} was destroyed by mremap on thread", e.Report);
        Assert.Contains(nameof(R15_old_pointer_after_a_move_has_been_freed), e.Report.Substring(e.Report.IndexOf("was destroyed by mremap", System.StringComparison.Ordinal)));
        Ub(UndefinedBehaviorKind.Freed, Messages.Freed(old), () => Mman.mremap(p, P, P, Mman.MREMAP_MAYMOVE));
        Unmap(q, 2 * P);
    }

    [Fact]
    public void R_variadic_new_address_argument_is_ignored()
    {
        nint p = Map(P);
        nint q = Mman.mremap(p, P, 3 * P, Mman.MREMAP_MAYMOVE, 12345);
        Assert.NotEqual(Mman.MAP_FAILED, q);
        Unmap(q, 3 * P);
    }
}
