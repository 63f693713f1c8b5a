using System;

#if CHECKED
// A leak check per test needs to know which mappings are the test's own: run the checked tests one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
#endif

namespace Allocators.Tests
{
    /// <summary>
    /// Base of the sample's test classes (xunit creates one instance per test). Under CHECKED, every mapping a test
    /// created must be unmapped by its end: CheckedMmap lists any that are not, with the stack that created them.
    /// </summary>
    public abstract class LeakCheckedTest : IDisposable
    {
#if CHECKED
        private readonly long _checkpoint = CheckedMmap.MmapTracker.Checkpoint();
#endif

        public void Dispose()
        {
#if CHECKED
            CheckedMmap.MmapTracker.AssertNoLeaks(_checkpoint);
#endif
            GC.SuppressFinalize(this);
        }
    }
}
