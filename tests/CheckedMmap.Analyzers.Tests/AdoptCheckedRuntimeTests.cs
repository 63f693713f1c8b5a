using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// Adopting the checked runtime: the MMAP014 code fix and the refactoring on a binding's declaration rewrite the bindings
/// of a type into forwarders to CheckedMmap.Mman under #if CHECKED; the result compiles with no warning in both modes.
/// </summary>
public class AdoptCheckedRuntimeTests
{
    /// <summary>A binding as real code declares it: IntPtr/UIntPtr, an IntPtr offset, a pointer, a renamed entry point, an enum.</summary>
    internal const string Before = """
        using System;
        using System.Runtime.InteropServices;

        namespace Adopted
        {
            [Flags]
            public enum Protection { Read = 1, Write = 2 }

            public static unsafe class Libc
            {
                public const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
                public static readonly IntPtr MAP_FAILED = new IntPtr(-1);

                /// <summary>libc's mmap.</summary>
                [DllImport("libc", SetLastError = true)]
                public static extern IntPtr mmap(IntPtr addr, UIntPtr length, Protection prot, int flags, int fd, IntPtr offset);

                [DllImport("libc", SetLastError = true)]
                public static extern int munmap(void* addr, UIntPtr length);

                [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
                public static extern int Advise(IntPtr addr, UIntPtr length, int advice);

                public static UIntPtr PageSize => (UIntPtr)Environment.SystemPageSize;
            }
        }

        """;

    /// <summary>
    /// What the fix makes of <see cref="Before"/>: the package's end-to-end consumer (built and run in both modes by
    /// CheckedMmap.Package.Tests) holds it, so the tests here compare the fix's output with that very file.
    /// </summary>
    private static readonly string After = File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "CheckedMmap.Package.Tests", "Consumers", "adopted", "Libc.cs"))
        .Replace("\r\n", "\n", StringComparison.Ordinal);

    private const string Use = """
        using System;

        namespace Adopted
        {
            public static unsafe class Buffers
            {
                public static void RoundTrip()
                {
                    IntPtr p = {|MMAP014:Libc.mmap(IntPtr.Zero, Libc.PageSize, Protection.Read | Protection.Write, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, IntPtr.Zero)|};
                    if (p == Libc.MAP_FAILED) throw new OutOfMemoryException();
                    {|MMAP014:Libc.Advise(p, Libc.PageSize, 3)|};
                    {|MMAP014:Libc.munmap((void*)p, Libc.PageSize)|};
                }
            }
        }

        """;

    [Fact]
    public Task The_MMAP014_fix_forwards_every_binding_of_the_called_type_and_the_CHECKED_build_then_has_no_escape()
    {
        var test = new HermeticCodeFixTest<EscapeAnalyzer, AdoptCheckedRuntimeCodeFix>(null, null).WithCheckedMmapRuntime().WithPreprocessorSymbols("CHECKED");
        test.TestState.Sources.Add(("/Libc.cs", Before));
        test.TestState.Sources.Add(("/Buffers.cs", Use));
        test.FixedState.Sources.Add(("/Libc.cs", After));
        test.FixedState.Sources.Add(("/Buffers.cs", Unmarked(Use)));
        return test.RunAsync();
    }

    [Fact]
    public async Task The_refactoring_on_a_binding_declaration_gives_the_same_code_which_builds_in_both_modes_with_no_warning()
    {
        foreach (string[] symbols in new[] { Array.Empty<string>(), new[] { "CHECKED" } })
        {
            Document document = Project(symbols).AddDocument("Libc.cs", Before);
            int at = Before.IndexOf("extern int munmap", StringComparison.Ordinal);
            var actions = new List<CodeAction>();
            var context = new CodeRefactoringContext(document, new TextSpan(at, 0), actions.Add, CancellationToken.None);
            await new AdoptCheckedRuntimeRefactoring().ComputeRefactoringsAsync(context);

            CodeAction action = Assert.Single(actions);
            Assert.Equal("Forward these libc bindings to CheckedMmap.Mman under #if CHECKED", action.Title);
            Solution changed = Assert.IsType<ApplyChangesOperation>(Assert.Single(await action.GetOperationsAsync(CancellationToken.None))).ChangedSolution;
            Document adopted = changed.GetDocument(document.Id)!;
            Assert.Equal(After, (await adopted.GetTextAsync()).ToString());

            Document withUse = adopted.Project.AddDocument("Buffers.cs", Unmarked(Use));
            Compilation compilation = (await withUse.Project.GetCompilationAsync())!;
            Diagnostic[] problems = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
            Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems.Select(p => p.ToString())));
        }
    }

    [Fact]
    public async Task A_comment_after_a_binding_on_its_line_stays_with_the_binding()
    {
        string before = Before.Replace("public static extern int munmap(void* addr, UIntPtr length);",
            "public static extern int munmap(void* addr, UIntPtr length); // whole mappings only", StringComparison.Ordinal);
        Document document = Project(Array.Empty<string>()).AddDocument("Libc.cs", before);
        CodeAction action = Assert.Single(await RefactoringsAt(document, before.IndexOf("extern int munmap", StringComparison.Ordinal)));
        Solution changed = Assert.IsType<ApplyChangesOperation>(Assert.Single(await action.GetOperationsAsync(CancellationToken.None))).ChangedSolution;
        string adopted = (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();
        Assert.Contains("public static extern int munmap(void* addr, UIntPtr length); // whole mappings only\n#endif\n", adopted.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.DoesNotContain("#endif // whole mappings only", adopted);
    }

    [Fact]
    public async Task The_refactoring_is_offered_only_on_a_binding_that_is_not_yet_adopted_and_only_when_CheckedMmap_is_referenced()
    {
        string adoptedSource = After;
        Document adopted = Project(Array.Empty<string>()).AddDocument("Libc.cs", adoptedSource);
        Assert.Empty(await RefactoringsAt(adopted, adoptedSource.IndexOf("extern int munmap", StringComparison.Ordinal)));
        Assert.Empty(await RefactoringsAt(adopted, adoptedSource.IndexOf("UIntPtr PageSize", StringComparison.Ordinal)));

        Document withoutRuntime = Project(Array.Empty<string>(), withRuntime: false).AddDocument("Libc.cs", Before);
        Assert.Empty(await RefactoringsAt(withoutRuntime, Before.IndexOf("extern int munmap", StringComparison.Ordinal)));
    }

    private static async Task<List<CodeAction>> RefactoringsAt(Document document, int position)
    {
        var actions = new List<CodeAction>();
        await new AdoptCheckedRuntimeRefactoring().ComputeRefactoringsAsync(new CodeRefactoringContext(document, new TextSpan(position, 0), actions.Add, CancellationToken.None));
        return actions;
    }

    private static string RepositoryRoot()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Analyzers.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
        }

        return root;
    }

    private static string Unmarked(string source) => source.Replace("{|MMAP014:", string.Empty, StringComparison.Ordinal).Replace(")|}", ")", StringComparison.Ordinal);

    private static Project Project(string[] symbols, bool withRuntime = true)
    {
        var workspace = new AdhocWorkspace();
        IEnumerable<MetadataReference> references = Basic.Reference.Assemblies.Net80.References.All;
        if (withRuntime)
        {
            references = references.Append(MetadataReference.CreateFromFile(typeof(CheckedMmap.Mman).Assembly.Location));
        }

        return workspace.AddProject("Adopted", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable))
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: symbols))
            .WithMetadataReferences(references);
    }
}
