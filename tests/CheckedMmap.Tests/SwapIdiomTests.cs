// Code written for libc compiles unchanged against CheckedMmap.Mman through the alias users put under #if CHECKED.
using System;
using System.Runtime.InteropServices;
using Xunit;
using Native = CheckedMmap.Mman;

namespace CheckedMmap.Tests;

public unsafe class SwapIdiomTests
{
    /// <summary>A bump arena as people write it against libc (IntPtr/UIntPtr style).</summary>
    private sealed class Arena : IDisposable
    {
        private readonly IntPtr _base;
        private readonly UIntPtr _size;
        private long _used;

        public Arena(int pages)
        {
            _size = (UIntPtr)(pages * Environment.SystemPageSize);
            _base = Native.mmap(IntPtr.Zero, _size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            if (_base == Native.MAP_FAILED || _base == new IntPtr(-1))
            {
                throw new OutOfMemoryException("mmap failed: errno " + Marshal.GetLastPInvokeError());
            }
        }

        public byte* Alloc(int bytes)
        {
            byte* p = (byte*)_base + _used;
            _used += bytes;
            return p;
        }

        public void Dispose()
        {
            if (Native.munmap(_base, _size) != 0)
            {
                throw new InvalidOperationException("munmap failed: errno " + Marshal.GetLastPInvokeError());
            }
        }
    }

    [Fact]
    public void IntPtr_style_allocator_runs_against_the_checked_runtime()
    {
        long mark = MmapTracker.Checkpoint();
        using (var arena = new Arena(4))
        {
            byte* a = arena.Alloc(100);
            a[99] = 1;
            Assert.Equal(1, a[99]);
        }

        MmapTracker.AssertNoLeaks(mark, currentThreadOnly: true);
    }

    [Fact]
    public void Void_pointer_style_with_ternary_flags_and_sysconf_page_size()
    {
        nuint page = (nuint)Native.sysconf(Native._SC_PAGESIZE);
        int flags = OperatingSystem.IsMacOS() ? Native.MAP_PRIVATE | Native.MAP_ANON : Native.MAP_PRIVATE | Native.MAP_ANONYMOUS;
        void* p = Native.mmap(null, 3 * page, Native.PROT_READ | Native.PROT_WRITE, flags, -1, 0L);
        Assert.True(p != Native.MAP_FAILED_POINTER && p != (void*)-1);
        void* q = Native.mremap(p, 3 * page, 5 * page, Native.MREMAP_MAYMOVE);
        Assert.True(q != Native.MAP_FAILED_POINTER);
        Assert.Equal(0, Native.madvise(q, 5 * page, Native.MADV_SEQUENTIAL));
        Assert.Equal(0, Native.mprotect(q, page, Native.PROT_READ | Native.PROT_WRITE));
        Assert.Equal(0, Native.munmap(q, 5 * page));
    }

    [Fact]
    public void A_typical_bug_partial_munmap_is_caught_where_libc_returns_0()
    {
        void* p = Native.mmap(null, 8192, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
        var e = Assert.Throws<UndefinedBehaviorException>(() => Native.munmap(p, 4096));
        Assert.Equal(UndefinedBehaviorKind.IncorrectLayout, e.Kind);
        Assert.Contains(nameof(A_typical_bug_partial_munmap_is_caught_where_libc_returns_0), e.Mapping!.CreationStack);
        Assert.Equal(0, Native.munmap(p, 8192));
    }
}
