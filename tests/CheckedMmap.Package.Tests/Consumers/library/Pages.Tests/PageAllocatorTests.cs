using System;
using CheckedMmap;
using Xunit;

namespace Pages.Tests
{
    public class PageAllocatorTests
    {
        [Fact]
        public void The_library_runs_on_the_checked_runtime_and_a_partial_munmap_is_reported()
        {
            Assert.Equal("checked", PageAllocator.Mode);
            using MmapLeakScope leaks = MmapTracker.BeginLeakScope();
            IntPtr p = PageAllocator.Map(8192);
            UndefinedBehaviorException e;
            using (MmapTracker.ExpectReports())
            {
                e = Assert.Throws<UndefinedBehaviorException>(() => PageAllocator.Unmap(p, 4096));
            }

            Assert.Contains("partial munmap", e.Message);
            Assert.Equal(0, PageAllocator.Unmap(p, 8192));
            leaks.AssertNoLeaks();
        }
    }
}
