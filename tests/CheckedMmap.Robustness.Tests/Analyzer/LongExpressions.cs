using System;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp;

namespace CheckedMmap.Robustness.Tests.Analyzer;

/// <summary>
/// Methods that call mmap next to expressions of tens of thousands of terms, as generated code writes them (checksums,
/// lookup tables, long conditions). The compiler builds them; an analyzer that recurses once per term overflows the
/// stack and takes the compiler process with it, so this runs in a child process (<c>--child analyzer-long-expressions</c>).
/// </summary>
internal static class LongExpressions
{
    public const int Terms = 20_000;

    private const string Binding = """
        using System;
        using System.Runtime.InteropServices;
        static class Libc
        {
            [DllImport("libc", SetLastError = true)] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", SetLastError = true)] public static extern int munmap(IntPtr addr, nuint length);
        }

        """;

    /// <summary>Each method maps with MAP_SHARED (MMAP002) and unmaps twice (MMAP008), around one long expression.</summary>
    public static string Source()
    {
        string Join(string separator, Func<int, string> term) => string.Join(separator, Enumerable.Range(0, Terms).Select(term));
        string sum = Join(" + ", i => $"x[{i % 7}]");
        string conjunction = Join(" && ", i => $"x[{i % 7}] > {i % 3}");
        string mask = "0x2 | " + Join(" | ", i => $"x[{i % 7}]");
        const string Map = "IntPtr p = Libc.mmap(IntPtr.Zero, 4096, 3, 0x1, -1, 0);";
        const string UnmapTwice = "Libc.munmap(p, 4096); Libc.munmap(p, 4096);";
        var text = new StringBuilder(Binding).Append("static unsafe class Generated\n{\n");
        text.Append($"    static int Sum(int[] x) {{ {Map} int s = {sum}; {UnmapTwice} return s; }}\n");
        text.Append($"    static bool All(int[] x) {{ {Map} bool all = {conjunction}; {UnmapTwice} return all; }}\n");
        text.Append($"    static void Masked(int[] x) {{ Libc.mmap(IntPtr.Zero, 4096, 3, {mask}, -1, 0); {Map} {UnmapTwice} }}\n");
        text.Append($"    static void Offset(int[] x) {{ {Map} byte* q = (byte*)p + {sum}; {UnmapTwice} }}\n");
        text.Append($"    static int Loop(int[] x) {{ int s = 0; for (int i = 0; i < x.Length; i++) {{ s += {sum}; }} {Map} {UnmapTwice} return s; }}\n");
        return text.Append("}\n").ToString();
    }

    /// <summary>Analyzes <see cref="Source"/> and prints one line per diagnostic (ID and method), then the failures.</summary>
    public static int Run()
    {
        var host = AnalyzerHost.Shared;
        var tree = CSharpSyntaxTree.ParseText(Source(), AnalyzerHost.ParseOptions);
        var result = host.Analyze(host.Compilation([tree], executable: false), null, concurrent: true, CancellationToken.None);
        foreach (var diagnostic in result.Diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            var line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
            Console.WriteLine($"{diagnostic.Id} line {line + 1}");
        }

        foreach (var failure in result.Failures)
        {
            Console.WriteLine($"FAILURE {failure.Analyzer} {failure.Kind}: {failure.Detail}");
        }

        return result.Failures.Count == 0 && result.CompilerCrash is null ? 0 : 1;
    }
}
