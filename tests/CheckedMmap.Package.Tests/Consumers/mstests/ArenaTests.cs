using Microsoft.VisualStudio.TestTools.UnitTesting;

[assembly: DoNotParallelize]

namespace CheckedTests
{
    [TestClass]
    public unsafe class ArenaTests
    {
        [TestMethod]
        public void Clean_use()
        {
            var arena = new Arena(4096);
            *arena.At(4095) = 1;
            arena.Release();
        }

        [TestMethod]
        public void Double_release()
        {
            var arena = new Arena(8192);
            arena.Release();
            ReleaseAgain(arena);
        }

        private static void ReleaseAgain(Arena arena) => arena.Release();
    }
}

#if LEAK_TEST
namespace CheckedTests
{
    [TestClass]
    public class LeakTests
    {
        [TestMethod]
        public void Leaves_an_arena() => _ = new Arena(12288);
    }
}
#endif

#if NATIVE_FAULT_TEST
namespace CheckedTests
{
    /// <summary>libc's memset runs past the end of a mapping: a fault in native code that ends the test host.</summary>
    [TestClass]
    public unsafe class NativeTests
    {
        [System.Runtime.InteropServices.DllImport("libc")]
        private static extern nint memset(byte* destination, int value, nuint count);

        [TestMethod]
        public void Memset_past_the_end()
        {
            var arena = new Arena(4096);
            memset(arena.At(0), 0, 4096 + 64);
            arena.Release();
        }
    }
}
#endif
