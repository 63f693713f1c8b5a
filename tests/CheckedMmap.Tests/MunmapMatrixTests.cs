// The scenario matrix of Miri's mmap semantics (docs/runtime.md), munmap rows (U1-U15).
using System;
using System.Runtime.InteropServices;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

public unsafe class MunmapMatrixTests
{
    [Fact]
    public void U1_whole_mapping_unmaps()
    {
        nint p = Map(P);
        Errno.Poison();
        Assert.Equal(0, Mman.munmap(p, P));
        Errno.AssertUntouched();
    }

    [Fact]
    public void U2_unaligned_address_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(-1, Mman.munmap(1, P));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void U3_unroundable_length_is_EINVAL_before_the_pointer_is_looked_at()
    {
        Errno.Poison();
        Assert.Equal(-1, Mman.munmap((nint)P, nuint.MaxValue - 1));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void U4_partial_unmap_is_incorrect_layout_and_changes_nothing()
    {
        nint p = Map(2 * P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        var e = Ub(UndefinedBehaviorKind.IncorrectLayout, Messages.Layout(m, 8192, 4096), () => Mman.munmap(p, 1));
        Assert.Equal(
            $"incorrect layout on deallocation: {m.Name} has size 8192 and alignment 4096, but gave size 4096 and alignment 4096",
            e.MiriMessage);
        Assert.StartsWith($"==CheckedMmap== ERROR: partial munmap: 1 of the 8192 bytes of {m.Name} on thread ", e.Message);
        Assert.Same(m, e.Mapping);
        Assert.Equal(p, e.Address);
        Assert.Contains($"{m.Name} was created by mmap on thread", e.ToString());
        Assert.Contains(nameof(U4_partial_unmap_is_incorrect_layout_and_changes_nothing), e.Report);
        Assert.True(m.IsLive);
        Fill(p, 2 * P, 3); // still mapped, both pages
        Unmap(p, 2 * P);
    }

    [Fact]
    public void U4b_a_mapping_mremap_left_at_an_unaligned_size_is_named_as_such_not_as_oversized()
    {
        nint p = Map(P);
        nint q = Mman.mremap(p, P, 10000, Mman.MREMAP_MAYMOVE);
        Assert.NotEqual(Mman.MAP_FAILED, q);
        MappingInfo m = MmapTracker.FindMapping(q)!;
        var e = Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(q, 10000));
        Assert.Contains("but gave size 12288", e.MiriMessage);
        Assert.StartsWith($"==CheckedMmap== ERROR: munmap of a mapping mremap left at a size that is no whole number of pages: {m.Name} is 10000 bytes, as mremap made it; munmap rounds its 10000 bytes up to whole pages", e.Message);
        nint r = Mman.mremap(q, 10000, 3 * P, Mman.MREMAP_MAYMOVE); // back to whole pages: munmap frees it
        Assert.NotEqual(Mman.MAP_FAILED, r);
        Unmap(r, 3 * P);
    }

    [Fact]
    public void U5_length_rounding_to_the_mapping_size_unmaps()
    {
        nint p = Map(2 * P);
        Assert.Equal(0, Mman.munmap(p, P + 1));
    }

    [Fact]
    public void U6_length_larger_than_the_mapping_is_incorrect_layout()
    {
        nint p = Map(2 * P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Ub(UndefinedBehaviorKind.IncorrectLayout, Messages.Layout(m, 8192, 12288), () => Mman.munmap(p, 3 * P));
        Unmap(p, 2 * P);
    }

    [Fact]
    public void U7_length_zero_is_incorrect_layout()
    {
        nint p = Map(P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Ub(UndefinedBehaviorKind.IncorrectLayout, Messages.Layout(m, 4096, 0), () => Mman.munmap(p, 0));
        Unmap(p, P);
    }

    [Fact]
    public void U8_interior_page_is_not_the_beginning_of_an_object()
    {
        nint p = Map(2 * P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        nint q = p + (nint)P;
        Ub(UndefinedBehaviorKind.NotAtBeginning, $"deallocating {Hex(q)}[{m.Name}] which does not point to the beginning of an object",
            () => Mman.munmap(q, P));
        Assert.True(m.IsLive);
        Unmap(p, 2 * P);
    }

    [Fact]
    public void U9_unaligned_interior_address_is_EINVAL()
    {
        nint p = Map(P);
        Errno.Poison();
        Assert.Equal(-1, Mman.munmap(p + 1, P));
        Errno.AssertIs(Mman.EINVAL);
        Unmap(p, P);
    }

    [Fact]
    public void U10_second_munmap_has_been_freed_and_names_both_stacks()
    {
        nint p = Map(P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Unmap(p, P);
        var e = Ub(UndefinedBehaviorKind.Freed, Messages.Freed(m), () => Mman.munmap(p, P));
        Assert.Same(m, e.Mapping);
        string report = e.ToString();
        string thread = ThisThread;
        Assert.StartsWith($"==CheckedMmap== ERROR: double munmap: {m.Name} was already unmapped on {thread}{Environment.NewLine}", e.Message);
        Assert.Contains($"{Hex(p)} is located 0 bytes inside the 4096-byte mapping {m.Name} [{Hex(p)}, {Hex(p + (nint)P)}), unmapped by munmap (quarantined)", report);
        Assert.Contains($"{m.Name} was created by mmap on {thread} here:", report);
        Assert.Contains($"{m.Name} was destroyed by munmap on {thread} here:", report);
        Assert.Contains("Undefined Behavior: " + Messages.Freed(m), report);
        Assert.Contains($"SUMMARY: CheckedMmap: double munmap: {m.Name} was already unmapped in CheckedMmap.Tests.MunmapMatrixTests", report);
        // the creation, destruction and offending call all name this test
        int first = report.IndexOf(nameof(U10_second_munmap_has_been_freed_and_names_both_stacks), StringComparison.Ordinal);
        Assert.True(first >= 0);
        Assert.True(report.Split(nameof(U10_second_munmap_has_been_freed_and_names_both_stacks)).Length >= 4);
    }

    [Fact]
    public void U11_null_pointer()
    {
        Ub(UndefinedBehaviorKind.NullPointer, Messages.NullPointer, () => Mman.munmap(0, P));
        Ub(UndefinedBehaviorKind.NullPointer, Messages.NullPointer, () => Mman.munmap(0, 0));
    }

    [Fact]
    public void U11_null_pointer_with_unroundable_length_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(-1, Mman.munmap(0, nuint.MaxValue - 1));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void U12_never_mapped_address_is_a_dangling_pointer()
    {
        var e = Ub(UndefinedBehaviorKind.DanglingNoProvenance,
            "pointer not dereferenceable: pointer must point to some allocation, but got 0x40000000[noalloc] which is a dangling pointer (it has no provenance)",
            () => Mman.munmap(1 << 30, 4096));
        Assert.Null(e.Mapping);
        Assert.Contains("is not inside any live or quarantined CheckedMmap mapping", e.Report);
    }

    [Fact]
    public void U13_page_aligned_memory_not_from_mmap_is_a_dangling_pointer()
    {
        // Decision: CheckedMmap cannot know what non-mmap memory is (Miri says "C heap", "stack variable"...),
        // so any address outside its mappings gets the no-provenance message.
        void* heap = NativeMemory.AlignedAlloc(4096, 4096);
        try
        {
            Ub(UndefinedBehaviorKind.DanglingNoProvenance,
                $"pointer not dereferenceable: pointer must point to some allocation, but got {Hex((nint)heap)}[noalloc] which is a dangling pointer (it has no provenance)",
                () => Mman.munmap(heap, 4096));
        }
        finally
        {
            NativeMemory.AlignedFree(heap);
        }
    }

    [Fact]
    public void U13_page_aligned_stack_memory_is_a_dangling_pointer()
    {
        byte* buffer = stackalloc byte[3 * 4096];
        nint aligned = (nint)(((ulong)buffer + 4095) / 4096 * 4096);
        Ub(UndefinedBehaviorKind.DanglingNoProvenance,
            $"pointer not dereferenceable: pointer must point to some allocation, but got {Hex(aligned)}[noalloc] which is a dangling pointer (it has no provenance)",
            () => Mman.munmap(aligned, 4096));
    }

    [Fact]
    public void U13_unaligned_non_mmap_memory_is_EINVAL_first()
    {
        byte* buffer = stackalloc byte[64];
        nint unaligned = ((ulong)buffer % 4096) == 0 ? (nint)buffer + 8 : (nint)buffer;
        Errno.Poison();
        Assert.Equal(-1, Mman.munmap(unaligned, 64));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void U14_length_spanning_two_mappings_is_incorrect_layout()
    {
        nint a = Map(P);
        nint b = Map(P);
        MappingInfo ma = MmapTracker.FindMapping(a)!;
        Ub(UndefinedBehaviorKind.IncorrectLayout, Messages.Layout(ma, 4096, 8192), () => Mman.munmap(a, 2 * P));
        Unmap(a, P);
        Unmap(b, P);
    }

    [Fact]
    public void U15_address_round_tripped_through_an_integer_unmaps()
    {
        nint p = Map(P);
        ulong asInteger = (ulong)p;
        void* back = (void*)asInteger;
        Assert.Equal(0, Mman.munmap(back, P));
    }
}
