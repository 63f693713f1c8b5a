using System.Threading.Tasks;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// The expressions real code wraps its mmap calls in to check the result.
/// Whatever the idiom, the call inside it is found and judged: bad arguments are reported, good ones are not.
/// </summary>
public class ResultCheckIdiomTests
{
    private const string Bad = "mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED | MAP_ANONYMOUS|}, -1, IntPtr.Zero)";
    private const string Good = "mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero)";

    private static string Idioms(string call) => $$"""
                IntPtr map;
                bool a = {{call}} == new IntPtr(-1);
                bool b = {{call}} == (IntPtr)(-1);
                bool c = {{call}}.ToInt64() == -1;
                bool d = (ulong){{call}} == 0xffffffff;
                bool e = {{call}} == MAP_FAILED;
                bool f = (long){{call}} == MAP_FAILED_INT;
                IntPtr mapFailed = new IntPtr(-1);
                bool g = {{call}} == mapFailed;
                nint h = {{call}};
                bool i = h == -1;
                bool j = {{call}} is 0 or -1;
                bool k = (byte*){{call}} == (byte*)-1;
                bool l = (void*){{call}} == (void*)(-1);
                bool m = {{call}} == IntPtr.Zero;
                bool n = {{call}} == IntPtr.Zero || h == -1;
                {{call}};
                bool o = new IntPtr(-1) == (map = {{call}});
                IntPtr? p = Wrap({{call}});
        """;

    private const string Helpers = """

            }
            static readonly IntPtr MAP_FAILED = new IntPtr(-1);
            const int MAP_FAILED_INT = -1;
            static IntPtr? Wrap(IntPtr p) => p == MAP_FAILED ? null : p;
            void N()
            {
        """;

    [Fact]
    public Task Calls_inside_every_result_check_idiom_are_reported() => LibcAsync(Idioms(Bad) + Helpers);

    [Fact]
    public Task Good_calls_inside_every_result_check_idiom_are_not_reported() => LibcAsync(Idioms(Good) + Helpers);
}
