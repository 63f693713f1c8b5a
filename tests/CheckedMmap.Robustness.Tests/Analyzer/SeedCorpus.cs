using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.Robustness.Tests.Analyzer;

internal sealed record Seed(string Name, string Text);

/// <summary>
/// The fuzzer's valid starting points: our own seeds (every way public C# code declares and calls mmap), the analyzer tests'
/// source strings (markup stripped), the sample's source, and generated "odd place" programs.
/// </summary>
internal static class SeedCorpus
{
    private static readonly Lazy<IReadOnlyList<Seed>> s_all = new(Load);

    public static IReadOnlyList<Seed> All => s_all.Value;

    /// <summary>Only the hand-written seeds, each a complete valid file.</summary>
    public static IReadOnlyList<Seed> Embedded { get; } = LoadEmbedded();

    private static IReadOnlyList<Seed> Load()
    {
        var seeds = new List<Seed>(Embedded);
        seeds.AddRange(AnalyzerTestSources());
        seeds.AddRange(SampleSources());
        seeds.AddRange(OddPlacePrograms());
        return seeds;
    }

    private static IReadOnlyList<Seed> LoadEmbedded()
    {
        Assembly assembly = typeof(SeedCorpus).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Seeds/", StringComparison.Ordinal))
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return new Seed(n, reader.ReadToEnd());
            })
            .ToList();
    }

    // {|MMAP001:x|}, {|#0:x|}, [|x|] markup of Microsoft.CodeAnalysis.Testing.
    private static readonly Regex s_markupOpen = new(@"\{\|[^:|{}]*:|\[\|", RegexOptions.Compiled);
    private static readonly Regex s_markupClose = new(@"\|\}|\|\]", RegexOptions.Compiled);

    public static string StripMarkup(string text) => s_markupClose.Replace(s_markupOpen.Replace(text, ""), "");

    /// <summary>Every string literal in the analyzer tests that looks like C# calling or declaring mmap.</summary>
    public static IEnumerable<Seed> AnalyzerTestSources()
    {
        string dir = RepoPaths.Combine("tests", "CheckedMmap.Analyzers.Tests");
        if (!Directory.Exists(dir))
        {
            yield break;
        }

        foreach (string file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Where(NotBuildOutput).OrderBy(f => f, StringComparer.Ordinal))
        {
            SyntaxNode root = CSharpSyntaxTree.ParseText(File.ReadAllText(file), AnalyzerHost.ParseOptions).GetRoot();
            int index = 0;
            foreach (var literal in root.DescendantNodes().OfType<LiteralExpressionSyntax>().Where(l => l.IsKind(SyntaxKind.StringLiteralExpression)))
            {
                string value = literal.Token.ValueText;
                if (value.Length >= 60 && (value.Contains("mmap", StringComparison.OrdinalIgnoreCase) || value.Contains("DllImport", StringComparison.Ordinal)))
                {
                    yield return new Seed($"{RepoPaths.Relative(file)}#{index++}", StripMarkup(value));
                }
            }
        }
    }

    public static IEnumerable<Seed> SampleSources()
    {
        string dir = RepoPaths.Combine("samples");
        if (!Directory.Exists(dir))
        {
            return [];
        }

        return Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Where(NotBuildOutput)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new Seed(RepoPaths.Relative(f), File.ReadAllText(f)))
            .ToList();
    }

    public static bool NotBuildOutput(string path)
    {
        string p = path.Replace('\\', '/');
        return !p.Contains("/obj/", StringComparison.Ordinal) && !p.Contains("/bin/", StringComparison.Ordinal);
    }

    /// <summary>Calls that the odd-place programs embed (valid, and one of each misuse).</summary>
    public static readonly string[] Calls =
    [
        "Lx.mmap(System.IntPtr.Zero, 4096, Lx.PROT_READ | Lx.PROT_WRITE, Lx.MAP_PRIVATE | Lx.MAP_ANONYMOUS, -1, 0)",
        "Lx.mmap(System.IntPtr.Zero, 4096, Lx.PROT_READ, Lx.MAP_SHARED, 3, 4096)",
        "Lx.mmap(System.IntPtr.Zero, 0, 3, Lx.MAP_PRIVATE | Lx.MAP_ANONYMOUS | Lx.MAP_FIXED, -1, 0)",
        "Lx.mmap(flags: 0x22 | 0x4000, prot: 7, length: 4096, offset: -1, fd: 0, addr: default)",
        "Lx.mmap(System.IntPtr.Zero, unchecked((nuint)(-1)), 3, 0x23, -1, long.MinValue)",
    ];

    /// <summary>Places a call can go, with {0} for the call. Each becomes one program per call.</summary>
    public static readonly string[] Places =
    [
        "class C {{ static System.IntPtr F = {0}; }}",
        "class C {{ System.IntPtr F = {0}; }}",
        "class C {{ System.IntPtr P => {0}; }}",
        "class C {{ System.IntPtr P {{ get; }} = {0}; }}",
        "class C {{ System.Func<System.IntPtr> F = () => {0}; }}",
        "class C {{ void M() {{ System.IntPtr L() => {0}; L(); }} }}",
        "class C {{ void M() {{ static System.IntPtr L() {{ return {0}; }} L(); }} }}",
        "class C {{ static C() {{ _ = {0}; }} }}",
        "class B {{ public B(System.IntPtr p) {{ }} }} class C : B {{ C() : base({0}) {{ }} }}",
        "class C {{ async System.Threading.Tasks.Task<System.IntPtr> M() {{ await System.Threading.Tasks.Task.Yield(); return {0}; }} }}",
        "class C {{ System.Collections.Generic.IEnumerable<System.IntPtr> M() {{ yield return {0}; }} }}",
        "class C {{ int M(object o) => o switch {{ int i when {0} != default => i, _ => 0 }}; }}",
        "class C {{ System.IntPtr M(int k) => k switch {{ 0 => {0}, _ => default }}; }}",
        "class C {{ void M(System.IntPtr p = {0}) {{ }} }}",
        "[System.ComponentModel.Description(\"\" + {0})] class C {{ }}",
        "class A : System.Attribute {{ public A(long x) {{ }} }} [A((long){0})] class C {{ }}",
        "class C {{ const long K = (long){0}; }}",
        "enum E {{ X = (int){0} }}",
        "class C {{ void M() {{ var q = from i in new[] {{ 1 }} let p = {0} select p; }} }}",
        "class C {{ void M() {{ try {{ }} catch (System.Exception) when ({0} == default) {{ }} }} }}",
        "class C {{ string M() => $\"{{{0}:x}}\"; }}",
        "class C {{ void M() {{ System.Action a = delegate {{ _ = {0}; }}; }} }}",
        "record R(System.IntPtr P) {{ public System.IntPtr Q {{ get; init; }} = {0}; }}",
        "struct S {{ public S() {{ }} public System.IntPtr F = {0}; }}",
        "interface I {{ System.IntPtr M() => {0}; }}",
        "class C {{ ~C() {{ _ = {0}; }} }}",
        "class C {{ public static C operator +(C a, C b) {{ _ = {0}; return a; }} }}",
        "class C {{ System.IntPtr this[int i] => {0}; }}",
        "class C {{ event System.EventHandler E {{ add {{ _ = {0}; }} remove {{ }} }} }}",
        "class C {{ void M() {{ unsafe {{ byte* b = (byte*){0}; }} }} }}",
        "class C {{ void M() {{ lock (this) {{ using (null as System.IDisposable) {{ _ = {0}; }} }} }} }}",
        "class C {{ void M() {{ for (var p = {0}; p != default; p = {0}) {{ }} }} }}",
        "class C {{ void M() {{ _ = nameof({0}); }} }}",
        "class C {{ void M() {{ System.Linq.Expressions.Expression<System.Func<System.IntPtr>> e = () => {0}; }} }}",
        "class C {{ void M() {{ dynamic d = 1; _ = d + {0}; }} }}",
        "class C {{ void M() {{ _ = new {{ P = {0} }}; }} }}",
        "class C {{ void M() {{ _ = ({0}, {0}); }} }}",
        "class C {{ void M() {{ _ = new System.IntPtr[] {{ {0} }}; }} }}",
        "class C {{ void M() {{ _ = stackalloc byte[(int){0}]; }} }}",
        "class C {{ void M() {{ _ = checked((long){0}); }} }}",
        "class C {{ void M() {{ goto L; L: _ = {0}; }} }}",
        "_ = {0};",
        "System.Console.WriteLine({0});",
        "static System.IntPtr Top() => {0};",
    ];

    public const string Binding =
        "static class Lx { public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;\n" +
        "  [System.Runtime.InteropServices.DllImport(\"libc\", SetLastError = true)]\n" +
        "  public static extern System.IntPtr mmap(System.IntPtr addr, nuint length, int prot, int flags, int fd, long offset); }\n";

    public static IEnumerable<Seed> OddPlacePrograms()
    {
        for (int p = 0; p < Places.Length; p++)
        {
            for (int c = 0; c < Calls.Length; c++)
            {
                string body = string.Format(System.Globalization.CultureInfo.InvariantCulture, Places[p], Calls[c]);
                // Top-level statements must come before type declarations.
                string text = body.StartsWith("class", StringComparison.Ordinal) || body.StartsWith("[", StringComparison.Ordinal) ||
                              body.StartsWith("record", StringComparison.Ordinal) || body.StartsWith("struct", StringComparison.Ordinal) ||
                              body.StartsWith("interface", StringComparison.Ordinal) || body.StartsWith("enum", StringComparison.Ordinal)
                    ? Binding + body + "\n"
                    : body + "\n" + Binding;
                yield return new Seed($"odd-place#{p}.{c}", text);
            }
        }
    }
}
