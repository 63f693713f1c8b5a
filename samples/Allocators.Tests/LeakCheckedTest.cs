using System;

namespace Allocators.Tests
{
    /// <summary>
    /// Base of the sample's test classes (xunit creates one instance per test). Under CHECKED, every mapping a test
    /// created must be unmapped by its end: CheckedMmap lists any that are not, with the stack that created them.
    /// The checkpoint belongs to the test's flow of execution, so test classes still run in parallel.
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
