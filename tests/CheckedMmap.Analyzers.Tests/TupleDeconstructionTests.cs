using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Locals declared by deconstructing a tuple literal hold their element, like an initializer; a tuple assignment to
/// existing locals (a swap) stays unknown.</summary>
public class TupleDeconstructionTests
{
    [Fact]
    public Task Deconstructed_locals_hold_their_elements() => new MmapAnalyzerTest("""
        static class C
        {
            static void Typed()
            {
                (int prot, int flags) = (Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_ANONYMOUS);
                Libc.mmap(0, 4096, prot, {|MMAP002:flags|}, -1, 0);
            }

            static void Var()
            {
                var (prot, flags, fd) = (Libc.PROT_READ | Libc.PROT_EXEC, 0x22, 3);
                Libc.mmap(0, 4096, {|MMAP004:prot|}, flags, {|MMAP003:fd|}, 0);
            }
        }
        """).WithSource(Sources.Libc).RunAsync();

    [Fact]
    public Task Unknown_or_rewritten_elements_stay_silent() => new MmapAnalyzerTest("""
        static class C
        {
            static void Rewritten(bool shared)
            {
                var (prot, flags) = (Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_ANONYMOUS);
                if (!shared) flags = Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS;
                (prot, flags) = (flags, prot);
                Libc.mmap(0, 4096, prot, flags, -1, 0);
            }

            static void FromMethod()
            {
                var (prot, flags) = Pair();
                Libc.mmap(0, 4096, prot, flags, -1, 0);
            }

            static void Good()
            {
                (int prot, int flags) = (Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS);
                Libc.mmap(0, 4096, prot, flags, -1, 0);
            }

            static (int, int) Pair() => (3, 0x21);
        }
        """).WithSource(Sources.Libc).RunAsync();
}
