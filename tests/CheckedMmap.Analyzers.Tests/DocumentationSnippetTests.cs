using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// Every C# block of the documentation (docs/**/*.md and the README) compiles, and the rule pages' examples do what
/// they say: a "Non-compliant code" block gets exactly the rule IDs its comments name, a "Compliant code" block none.
/// The conventions (a shared preamble, per-block declarations, skips) are described in docs/analyzer.md.
/// </summary>
public class DocumentationSnippetTests
{
    // `<!-- snippet: skip (why) -->` or `<!-- snippet: no diagnostic -->` on one line, or `<!-- snippet` + declarations +
    // `-->`, right before the block.
    private static readonly Regex Block = new(@"(?:<!--\s*snippet(?::\s*(?<directive>[^\n]*?)\s*-->|\n(?<decl>.*?)\n-->)\s*\n)?```(?:csharp|cs|c#)\n(?<code>.*?)```", RegexOptions.Singleline);

    // The libc binding and locals the pages use without declaring them (what "the binding the page implies" is).
    private const string Preamble = """
        using System;
        using System.ComponentModel;
        using System.Diagnostics.CodeAnalysis;
        using System.Runtime.InteropServices;
        using CheckedMmap;
        using CheckedMmap.Testing;
        using Microsoft.Win32.SafeHandles;
        using static Libc;

        public static unsafe class Libc
        {
            public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
            public const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
            public const int MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000, MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000, MAP_FIXED_NOREPLACE = 0x100000;
            public const int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
            public const int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4, MADV_FREE = 8;
            public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            [DllImport("libc", SetLastError = true)]
            public static extern int munmap(IntPtr addr, UIntPtr length);

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mremap(IntPtr oldAddress, UIntPtr oldSize, UIntPtr newSize, int flags);

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mremap(IntPtr oldAddress, UIntPtr oldSize, UIntPtr newSize, int flags, IntPtr newAddress);

            [DllImport("libc", SetLastError = true)]
            public static extern int mprotect(IntPtr addr, UIntPtr length, int prot);

            [DllImport("libc", SetLastError = true)]
            public static extern int madvise(IntPtr addr, UIntPtr length, int advice);
        }

        // The swap idiom's libc side, as the README names it.
        namespace MyAllocator
        {
            public static class Libc
            {
                public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MADV_WILLNEED = 3;
                public static nint MAP_FAILED => -1;

                [DllImport("libc", SetLastError = true)]
                public static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

                [DllImport("libc", SetLastError = true)]
                public static extern int munmap(nint addr, nuint length);

                [DllImport("libc", SetLastError = true)]
                public static extern int madvise(nint addr, nuint length, int advice);
            }
        }

        // xunit's attribute, for the test examples.
        public sealed class FactAttribute : Attribute { }

        """;

    private const string Locals = """
        UIntPtr size = (UIntPtr)65536, length = (UIntPtr)65536;
        IntPtr hint = IntPtr.Zero;
        int fd = Environment.ProcessId;
        bool condition = Environment.ProcessId > 1;

        """;

    public static IEnumerable<object[]> Snippets() => Read().Select(s => new object[] { s.Location });

    [Fact]
    public void The_documentation_has_snippets_to_check() =>
        Assert.True(Read().Count(s => s.Section is "Non-compliant code" or "Compliant code") >= 28, "each rule page has a non-compliant and a compliant block");

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task Snippet_compiles_and_reports_what_its_page_says(string location)
    {
        Snippet snippet = Read().Single(s => s.Location == location);
        if (snippet.Skip != null)
        {
            Assert.False(string.IsNullOrWhiteSpace(snippet.Skip), $"{location}: a skipped block must say why");
            return;
        }

        bool both = (snippet.Declarations + snippet.Code).Contains("#if", StringComparison.Ordinal);
        foreach (bool isChecked in both ? new[] { false, true } : new[] { false })
        {
            (string source, ImmutableArray<Diagnostic> diagnostics) = await CompileAsync(snippet, isChecked);
            string mode = isChecked ? " (CHECKED)" : string.Empty;
            Diagnostic[] errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("MMAP", StringComparison.Ordinal)).ToArray();
            Assert.True(errors.Length == 0, $"{location}{mode} does not compile:\n{string.Join("\n", errors.Select(e => e.ToString()))}\n--- as compiled ---\n{source}");

            string[] reported = diagnostics.Where(d => d.Id.StartsWith("MMAP", StringComparison.Ordinal)).Select(d => d.Id).Distinct().OrderBy(i => i, StringComparer.Ordinal).ToArray();
            string[]? expected = snippet.Section switch
            {
                "Non-compliant code" => Regex.Matches(snippet.Code, @"//[^\n]*").SelectMany(c => Regex.Matches(c.Value, @"MMAP\d{3}").Select(m => m.Value)).Distinct().OrderBy(i => i, StringComparer.Ordinal).ToArray(),
                "Compliant code" => Array.Empty<string>(),
                _ => snippet.ExpectsNoDiagnostic ? Array.Empty<string>() : null,
            };
            if (expected != null && !isChecked)
            {
                // MMAP014 reports only in a compilation that defines CHECKED.
                expected = expected.Where(id => id != "MMAP014").ToArray();
            }

            if (expected != null)
            {
                Assert.True(expected.SequenceEqual(reported),
                    $"{location}{mode} ({snippet.Section}): expected [{string.Join(", ", expected)}], reported [{string.Join(", ", reported)}]\n" +
                    string.Join("\n", diagnostics.Where(d => d.Id.StartsWith("MMAP", StringComparison.Ordinal))) + $"\n--- as compiled ---\n{source}");
            }

            if (snippet.Section == "Non-compliant code")
            {
                Assert.True(expected!.Length > 0 || (!isChecked && both), $"{location}: a non-compliant block names the rules it breaks in its comments");
                Assert.True(expected.Contains(snippet.PageRule!) || (!isChecked && both), $"{location}: the non-compliant block does not break {snippet.PageRule}");
            }
        }
    }

    private static async Task<(string Source, ImmutableArray<Diagnostic> Diagnostics)> CompileAsync(Snippet snippet, bool isChecked)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: isChecked ? new[] { "CHECKED" } : Array.Empty<string>());
        string text = (snippet.Declarations ?? string.Empty) + "\n" + snippet.Code.Replace("…", "/* … */", StringComparison.Ordinal);
        var unit = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(text, parse.WithKind(SourceCodeKind.Script)).GetRoot();

        var top = new StringBuilder();
        foreach (UsingDirectiveSyntax u in unit.Usings)
        {
            top.AppendLine(u.ToString());
        }

        var members = new StringBuilder();
        var statements = new StringBuilder();
        var outside = new StringBuilder();
        foreach (MemberDeclarationSyntax m in unit.Members)
        {
            string code = WithoutConditionals(m);
            // A script's top-level `T x = …;` is a field; without modifiers it is the page's local.
            if (m is GlobalStatementSyntax || (m is FieldDeclarationSyntax f && f.Modifiers.Count == 0 && f.AttributeLists.Count == 0))
            {
                statements.AppendLine(code);
            }
            else if (m is BaseNamespaceDeclarationSyntax)
            {
                outside.AppendLine(code);
            }
            else
            {
                members.AppendLine(code);
            }
        }

        string source = top + Preamble + outside +
            "public unsafe partial class Snippet\n{\n" + members + "\nvoid Run()\n{\n" + Locals + statements + "\n}\n}\n";
        var compilation = CSharpCompilation.Create(
            "Snippet",
            new[] { CSharpSyntaxTree.ParseText(source, parse, path: "/docs/" + snippet.Location.Replace(':', '_') + ".cs") },
            Basic.Reference.Assemblies.Net80.References.All.Append(MetadataReference.CreateFromFile(typeof(CheckedMmap.Mman).Assembly.Location)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        ImmutableArray<DiagnosticAnalyzer> analyzers = typeof(MmapAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() != null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), (e, _, _) => { lock (exceptions) { exceptions.Add(e); } }, true, false, false);
        ImmutableArray<Diagnostic> all = await compilation.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync();
        Assert.True(exceptions.Count == 0, "AD0001: " + string.Join("\n", exceptions));
        return (source, all);
    }

    private static string WithoutConditionals(SyntaxNode node) =>
        node.WithLeadingTrivia(node.GetLeadingTrivia().Where(t => !t.IsKind(SyntaxKind.IfDirectiveTrivia) && !t.IsKind(SyntaxKind.ElseDirectiveTrivia)
            && !t.IsKind(SyntaxKind.ElifDirectiveTrivia) && !t.IsKind(SyntaxKind.EndIfDirectiveTrivia) && !t.IsKind(SyntaxKind.DisabledTextTrivia))).ToFullString();

    private sealed record Snippet(string Location, string Code, string? Declarations, string? Skip, string? Section, string? PageRule, bool ExpectsNoDiagnostic);

    private static IReadOnlyList<Snippet> Read()
    {
        string root = RepositoryRoot();
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Append(Path.Combine(root, "README.md"))
            .OrderBy(f => f, StringComparer.Ordinal);
        var snippets = new List<Snippet>();
        foreach (string file in files)
        {
            string text = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal);
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            Match page = Regex.Match(Path.GetFileName(file), @"^(MMAP\d{3})\.md$");
            foreach (Match m in Block.Matches(text))
            {
                int line = text.Take(m.Groups["code"].Index).Count(c => c == '\n');
                string before = text.Substring(0, m.Index);
                MatchCollection headings = Regex.Matches(before, @"^## (.+)$", RegexOptions.Multiline);
                string? section = headings.Count > 0 ? headings[^1].Groups[1].Value.Trim() : null;
                string directive = m.Groups["directive"].Value.Trim();
                string? skip = directive.StartsWith("skip", StringComparison.Ordinal) ? directive.Substring(4).Trim(' ', '(', ')') : null;
                string? declarations = m.Groups["decl"].Success && m.Groups["decl"].Length > 0 ? m.Groups["decl"].Value : null;
                snippets.Add(new Snippet($"{relative}:{line}", m.Groups["code"].Value, declarations, skip, section,
                    page.Success ? page.Groups[1].Value : null, directive.StartsWith("no diagnostic", StringComparison.Ordinal)));
            }
        }

        return snippets;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Analyzers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
    }
}
