using Xunit;

namespace CheckedTests
{
    public unsafe class ArenaTests
    {
        [Fact]
        public void Clean_use()
        {
            var arena = new Arena(4096);
            *arena.At(4095) = 1;
            arena.Release();
        }

        [Fact]
        public void Double_release()
        {
            var arena = new Arena(8192);
            arena.Release();
            ReleaseAgain(arena);
        }

        [Fact]
        public void Overrun()
        {
            var arena = new Arena(4096);
            WritePastTheEnd(arena);
            arena.Release();
        }

        /// <summary>A child-process scenario, not a test: it starts work on another thread first, as scenarios may.</summary>
        public static void OverrunAfterWorkOnAnotherThread()
        {
            Arena arena = System.Threading.Tasks.Task.Run(() => new Arena(4096)).Result;
            WritePastTheEnd(arena);
        }

        private static void ReleaseAgain(Arena arena) => arena.Release();

        private static void WritePastTheEnd(Arena arena) => *arena.At(4096 + 16) = 1;
    }
}

#if LEAK_TEST
namespace CheckedTests
{
    /// <summary>Compiled only with -p:IncludeLeakTest=true: it leaves a mapping behind on purpose.</summary>
    public class LeakTests
    {
        [Fact]
        public void Leaves_an_arena() => _ = new Arena(12288);
    }
}
#endif

#if CAUGHT_TEST
namespace CheckedTests
{
    /// <summary>Compiled only with -p:IncludeCaughtTest=true: a release path that swallows every exception hides a double
    /// munmap, and a test that provokes a partial munmap on purpose says so.</summary>
    public class CaughtTests
    {
        [Fact]
        public void Swallowed_double_release()
        {
            var arena = new Arena(8192);
            arena.Release();
            try
            {
                arena.Release();
            }
            catch (System.Exception)
            {
                // a library's "best effort" cleanup
            }
        }

        [Fact]
        public void Expected_partial_munmap()
        {
            nint p = CheckedMmap.Mman.mmap(0, 8192, CheckedMmap.Mman.PROT_READ | CheckedMmap.Mman.PROT_WRITE, CheckedMmap.Mman.MAP_PRIVATE | CheckedMmap.Mman.MAP_ANONYMOUS, -1, 0);
            using (CheckedMmap.MmapTracker.ExpectReports())
            {
                Assert.Throws<CheckedMmap.UndefinedBehaviorException>(() => CheckedMmap.Mman.munmap(p, 4096));
            }

            Assert.Equal(0, CheckedMmap.Mman.munmap(p, 8192));
        }
    }
}
#endif

#if NATIVE_FAULT_TEST
namespace CheckedTests
{
    /// <summary>Compiled only with -p:IncludeNativeFaultTest=true: libc's memset runs past the end of a mapping, a fault
    /// in native code that ends the test host.</summary>
    public unsafe class NativeTests
    {
        [System.Runtime.InteropServices.DllImport("libc")]
        private static extern nint memset(byte* destination, int value, nuint count);

        [Fact]
        public void Memset_past_the_end()
        {
            var arena = new Arena(4096);
            System.Threading.Thread.Sleep(200); // a test platform may tell its extensions that the test started a moment later
            memset(arena.At(0), 0, 4096 + 64);
            arena.Release();
        }
    }

    /// <summary>Compiled only with -p:IncludeNativeFaultTest=true: a fault in managed code that ends the test host,
    /// apart from NativeTests so that a filter on either class runs one host-ending test.</summary>
    public unsafe class ThreadFaultTests
    {
        [Fact]
        public void Overrun_on_a_thread_it_starts()
        {
            // The fault becomes an AccessViolationException on a thread of the test's, which no code handles: the host ends.
            var arena = new Arena(4096);
            var thread = new System.Threading.Thread(() => *arena.At(4096) = 1);
            thread.Start();
            thread.Join();
            arena.Release();
        }
    }
}
#endif

#if OWN_RUN_SETTINGS
namespace CheckedTests
{
    /// <summary>Compiled only with -p:UseOwnRunSettings=true: the project's run settings reach the test host.</summary>
    public class OwnRunSettingsTests
    {
        [Fact]
        public void Sees_the_projects_run_settings() =>
            Assert.Equal("yes", System.Environment.GetEnvironmentVariable("CHECKEDTESTS_FROM_PROJECT"));
    }
}
#endif
