using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Locals declared by deconstructing a tuple literal hold their element, like an initializer; a tuple assignment to
/// existing locals (a swap) stays unknown.</summary>
public class TupleDeconstructionTests
{
    private const string Native = """
        static class Native
        {
            public const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
            public const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;

            [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
            public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);
        }
        """;

    [Fact]
    public Task Deconstructed_locals_hold_their_elements() => new MmapAnalyzerTest("""
        static class C
        {
            static void Typed()
            {
                (int prot, int flags) = (Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED | Native.MAP_ANONYMOUS);
                Native.mmap(0, 4096, prot, {|MMAP002:flags|}, -1, 0);
            }

            static void Var()
            {
                var (prot, flags, fd) = (Native.PROT_READ | Native.PROT_EXEC, 0x22, 3);
                Native.mmap(0, 4096, {|MMAP004:prot|}, flags, {|MMAP003:fd|}, 0);
            }
        }
        """ + Native).RunAsync();

    [Fact]
    public Task Unknown_or_rewritten_elements_stay_silent() => new MmapAnalyzerTest("""
        static class C
        {
            static void Rewritten(bool shared)
            {
                var (prot, flags) = (Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED | Native.MAP_ANONYMOUS);
                if (!shared) flags = Native.MAP_PRIVATE | Native.MAP_ANONYMOUS;
                (prot, flags) = (flags, prot);
                Native.mmap(0, 4096, prot, flags, -1, 0);
            }

            static void FromMethod()
            {
                var (prot, flags) = Pair();
                Native.mmap(0, 4096, prot, flags, -1, 0);
            }

            static void Good()
            {
                (int prot, int flags) = (Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS);
                Native.mmap(0, 4096, prot, flags, -1, 0);
            }

            static (int, int) Pair() => (3, 0x21);
        }
        """ + Native).RunAsync();
}
