using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

public class SmokeTests
{
    [Fact]
    public Task Every_rule_on_one_call() => MmapAnalyzerTest.VerifyAsync(Sources.Libc + """

        class C
        {
            void M(int unknown)
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:Libc.PROT_READ|}, {|MMAP001:{|MMAP002:{|MMAP005:Libc.MAP_SHARED | Libc.MAP_FIXED | Libc.MAP_POPULATE|}|}|}, {|MMAP003:3|}, {|MMAP006:(IntPtr)4096|});
                Libc.mmap(IntPtr.Zero, {|MMAP007:UIntPtr.Zero|}, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero);
            }
        }
        """);
}
