using System.Text;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.Analyzers.Values;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// Locals of a body longer than <see cref="LocalValueAnalysis.LargeBodyLength"/> characters are followed statement by
/// statement instead of through a control flow graph: the same findings where the walk can follow, silence where not.
/// </summary>
public class LargeBodyTests
{
    private const string Binding = """
        using System;
        using System.Runtime.InteropServices;

        static class Native
        {
            public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
            public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
        }

        """;

    /// <summary>A method of <paramref name="filler"/> mapping blocks padded past the threshold, around <paramref name="probe"/>.</summary>
    private static string LargeMethod(string probe, int filler = 800)
    {
        var text = new StringBuilder(Binding).Append("static class Mapper\n{\n    static void Map(bool huge, int count)\n    {\n        int flags;\n");
        for (int i = 0; i < filler; i++)
        {
            text.Append("        int prot").Append(i).Append(" = Native.PROT_READ | Native.PROT_WRITE;\n");
            text.Append("        flags = Native.MAP_PRIVATE;\n        flags |= Native.MAP_ANONYMOUS;\n");
            text.Append("        IntPtr p").Append(i).Append(" = Native.mmap(IntPtr.Zero, (UIntPtr)4096, prot").Append(i).Append(", flags, -1, IntPtr.Zero);\n");
            text.Append("        if (p").Append(i).Append(" == Native.MAP_FAILED) return;\n");
        }

        text.Append(probe).Append("    }\n}\n");
        Assert.True(filler == 0 || text.Length > LocalValueAnalysis.LargeBodyLength);
        return text.ToString();
    }

    [Fact]
    public Task Straight_line_and_if_compound_assignments_are_followed() => new MmapAnalyzerTest(LargeMethod("""
                flags = Native.MAP_SHARED;
                flags |= Native.MAP_ANONYMOUS;
                Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, {|MMAP002:flags|}, -1, IntPtr.Zero);
                flags = Native.MAP_PRIVATE | Native.MAP_ANONYMOUS;
                if (huge) flags |= Native.MAP_FIXED;
                {
                    Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, {|MMAP001:flags|}, -1, IntPtr.Zero);
                }
                if (count > 0)
                {
                    int shared = flags;
                    shared ^= Native.MAP_PRIVATE | Native.MAP_SHARED;
                    Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, {|MMAP001:{|MMAP002:shared|}|}, -1, IntPtr.Zero);
                }

        """)).RunAsync();

    [Theory]
    [InlineData("while (count-- > 0) { Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, -1, IntPtr.Zero); flags = Native.MAP_SHARED; }")]
    [InlineData("flags = Native.MAP_SHARED; again: Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, -1, IntPtr.Zero); flags = 0x22; if (count-- > 0) goto again;")]
    [InlineData("Action share = () => flags = Native.MAP_SHARED; flags = 0x22; share(); Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, -1, IntPtr.Zero);")]
    [InlineData("unsafe { int* alias = &flags; flags = 0x22; *alias = Native.MAP_SHARED; Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, -1, IntPtr.Zero); }")]
    [InlineData("flags = count > 0 ? Native.MAP_SHARED : 0x22; if (flags == Native.MAP_SHARED) return; Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, -1, IntPtr.Zero);")]
    [InlineData("switch (count) { case 1: flags = Native.MAP_SHARED; break; } Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, -1, IntPtr.Zero);")]
    [InlineData("int extra = Native.MAP_SHARED, more = (extra = 0x22); Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, extra, -1, IntPtr.Zero);")]
    [InlineData("try { flags = 0x22; } finally { flags = Native.MAP_SHARED; } Native.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, -1, IntPtr.Zero);")]
    public Task What_the_walk_cannot_follow_stays_silent(string probe) => new MmapAnalyzerTest(LargeMethod("        " + probe + "\n")).RunAsync();
}
