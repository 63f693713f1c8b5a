// The scenario matrix of Miri's mmap semantics (docs/runtime.md), mmap rows (M1-M26). Linux target, 4 KiB pages (the defaults on a Linux x64 host).
using System;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

public unsafe class MmapMatrixTests
{
    [Fact]
    public void M1_private_anonymous_rw_mapping_is_zeroed_writable_and_unmaps()
    {
        Errno.Poison();
        nint p = Mman.mmap(0, P, RW, PA, -1, 0);
        Errno.AssertUntouched();
        Assert.NotEqual(0, p);
        Assert.NotEqual(Mman.MAP_FAILED, p);
        Assert.True(All(p, P, 0));
        Fill(p, P, 1);
        Assert.True(All(p, P, 1));
        Errno.Poison();
        Assert.Equal(0, Mman.munmap(p, P));
        Errno.AssertUntouched();
    }

    [Fact]
    public void M1_void_pointer_overloads_work_the_same()
    {
        void* p = Mman.mmap((void*)null, P, RW, PA, -1, 0);
        Assert.True(p != Mman.MAP_FAILED_POINTER);
        Assert.True(p != null);
        *(long*)p = 42;
        Assert.Equal(0, Mman.mprotect(p, P, RW));
        Assert.Equal(0, Mman.madvise(p, P, Mman.MADV_WILLNEED));
        Assert.Equal(0, Mman.munmap(p, P));
    }

    [Theory]
    [InlineData(Mman.MAP_PRIVATE | Mman.MAP_SHARED)]
    [InlineData(Mman.MAP_PRIVATE | Mman.MAP_SHARED | 0x20)]
    public void M2_private_and_shared_is_EINVAL(int flags)
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, P, RW, flags, -1, 0));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void M3_anonymous_without_private_or_shared_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, P, RW, Mman.MAP_ANONYMOUS, -1, 0));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void M4_length_zero_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, 0, RW, PA, -1, 0));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void M5_length_usize_max_minus_1_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, nuint.MaxValue - 1, RW, PA, -1, 0));
        Errno.AssertIs(Mman.EINVAL);
        Assert.True(Mman.mmap((void*)null, nuint.MaxValue - 1, RW, PA, -1, 0) == Mman.MAP_FAILED_POINTER);
    }

    [Fact]
    public void M6_length_isize_max_is_EINVAL()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, (nuint)nint.MaxValue, RW, PA, -1, 0));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void M_host_out_of_memory_is_ENOMEM_not_resource_exhaustion()
    {
        // Departure from Miri (which halts with "resource exhaustion"): 2^62 bytes round fine but no host has them.
        nint p = Mman.mmap(0, 4096, RW, PA, -1, 0);
        Unmap(p, 4096);
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, (nuint)1 << 62, RW, PA, -1, 0));
        Errno.AssertIs(Mman.ENOMEM);
        Assert.Equal(MappingState.Quarantined, MmapTracker.FindMapping(p)!.State); // the failed call did not flush the quarantine
    }

    [Fact]
    public void M7_length_1_maps_a_whole_page_and_unmaps_with_1_or_P()
    {
        nint p = Map(1);
        Assert.Equal(P, MmapTracker.FindMapping(p)!.Size);
        ((byte*)p)[P - 1] = 7; // the whole rounded page is accessible
        Assert.Equal(0, Mman.munmap(p, 1));

        nint q = Map(1);
        Assert.Equal(0, Mman.munmap(q, P));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    [InlineData(-2)]
    public void M8_file_descriptor_other_than_minus_1_is_unsupported(int fd)
    {
        Unsupported(Messages.FileBacked, () => Mman.mmap(0, P, RW, PA, fd, 0));
    }

    [Fact]
    public void M9_MAP_FIXED_is_unsupported()
    {
        var e = Unsupported(Messages.MapFixed, () => Mman.mmap((nint)(P * 64), P, RW, PA | Mman.MAP_FIXED, -1, 0));
        Assert.Contains("MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS", e.Operation);
        Assert.Contains("unsupported operation: " + Messages.MapFixed, e.ToString());
    }

    [Theory]
    [InlineData(Mman.PROT_NONE)]
    [InlineData(Mman.PROT_READ)]
    [InlineData(Mman.PROT_WRITE)]
    [InlineData(Mman.PROT_EXEC)]
    [InlineData(Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC)]
    public void M10_protections_other_than_read_write_are_unsupported(int prot)
    {
        Unsupported(Messages.Protections, () => Mman.mmap(0, P, prot, PA, -1, 0));
    }

    [Fact]
    public void M11_shared_anonymous_is_unsupported()
    {
        Unsupported(Messages.Flags, () => Mman.mmap(0, P, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, -1, 0));
    }

    [Fact]
    public void M12_private_without_anonymous_is_unsupported()
    {
        Unsupported(Messages.Flags, () => Mman.mmap(0, P, RW, Mman.MAP_PRIVATE, -1, 0));
    }

    public static TheoryData<string> ExtraFlags => new() { "MAP_NORESERVE", "MAP_STACK", "MAP_POPULATE", "MAP_HUGETLB", "MAP_GROWSDOWN", "MAP_FIXED_NOREPLACE", "MAP_32BIT", "MAP_LOCKED" };

    [Theory]
    [MemberData(nameof(ExtraFlags))]
    public void M13_extra_flag_bits_are_unsupported(string flag)
    {
        int bit = (int)typeof(Mman).GetProperty(flag)!.GetValue(null)!;
        var e = Unsupported(Messages.Flags, () => Mman.mmap(0, P, RW, PA | bit, -1, 0));
        Assert.Contains(flag, e.Operation);
    }

    [Theory]
    [InlineData(4096L)]
    [InlineData(-1L)]
    [InlineData(1L)]
    public void M14_nonzero_offset_is_unsupported(long offset)
    {
        Unsupported(Messages.Offset, () => Mman.mmap(0, P, RW, PA, -1, offset));
    }

    [Fact]
    public void M15_address_hint_without_MAP_FIXED_is_ignored()
    {
        nint hint = (nint)(P * 64);
        nint p = Mman.mmap(hint, P, RW, PA, -1, 0);
        Assert.NotEqual(Mman.MAP_FAILED, p);
        Assert.Equal(0, (long)((ulong)p % P));
        Unmap(p, P);
    }

    [Fact]
    public void M16_check_order_length_zero_before_fd()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, 0, RW, PA, 3, 0));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void M17_check_order_private_shared_before_fd()
    {
        Errno.Poison();
        Assert.Equal(Mman.MAP_FAILED, Mman.mmap(0, P, RW, Mman.MAP_PRIVATE | Mman.MAP_SHARED, 3, 0));
        Errno.AssertIs(Mman.EINVAL);
    }

    [Fact]
    public void M18_check_order_fd_before_MAP_FIXED()
    {
        Unsupported(Messages.FileBacked, () => Mman.mmap(0, P, RW, PA | Mman.MAP_FIXED, 3, 0));
    }

    [Fact]
    public void M19_check_order_MAP_FIXED_before_protections()
    {
        Unsupported(Messages.MapFixed, () => Mman.mmap(0, P, Mman.PROT_NONE, PA | Mman.MAP_FIXED, -1, 0));
    }

    [Fact]
    public void M20_check_order_protections_before_flags()
    {
        Unsupported(Messages.Protections, () => Mman.mmap(0, P, Mman.PROT_NONE, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, -1, 0));
    }

    [Fact]
    public void M21_check_order_flags_before_offset()
    {
        Unsupported(Messages.Flags, () => Mman.mmap(0, P, RW, PA | Mman.MAP_NORESERVE, -1, 4096));
    }

    [Fact]
    public void M22_check_order_offset_before_length_rounding()
    {
        Unsupported(Messages.Offset, () => Mman.mmap(0, nuint.MaxValue - 1, RW, PA, -1, 4096));
    }

    [Fact]
    public void M23_returned_address_is_page_aligned_and_errno_unchanged()
    {
        for (int i = 1; i <= 5; i++)
        {
            Errno.Poison();
            nint p = Mman.mmap(0, (nuint)i * 1000, RW, PA, -1, 0);
            Errno.AssertUntouched();
            Assert.Equal(0UL, (ulong)p % P);
            Errno.Poison();
            Unmap(p, (nuint)i * 1000);
            Errno.AssertUntouched();
        }
    }

    [Fact]
    public void M24_leak_check_at_exit_is_off_unless_asked_for()
    {
        // Miri never reports leaked mmap memory; CheckedMmap only does when CHECKEDMMAP_LEAK_CHECK_AT_EXIT=1
        // (the exit behaviour itself is checked in a child process in FaultTests).
        if (Environment.GetEnvironmentVariable(CheckedMmapOptions.LeakCheckAtExitVariable) == null)
        {
            Assert.False(CheckedMmapOptions.LeakCheckAtExit);
        }
    }

    [Fact]
    public void M26_munmap_quarantines_the_mapping_with_its_history()
    {
        nint p = Map(P);
        MappingInfo m = MmapTracker.FindMapping(p)!;
        Assert.Equal(MappingState.Live, m.State);
        Assert.Equal(0, Mman.munmap(p, P)); // called here, so that the recorded call site is this test
        Assert.Same(m, MmapTracker.FindMapping(p));
        Assert.Equal(MappingState.Quarantined, m.State);
        Assert.Equal("munmap", m.DestroyedBy);
        Assert.Contains(nameof(M26_munmap_quarantines_the_mapping_with_its_history), m.CreationStack);
        Assert.Contains(nameof(M26_munmap_quarantines_the_mapping_with_its_history), m.DestructionStack);
    }
}
