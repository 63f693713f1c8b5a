using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Lifetime;
using CheckedMmap.CodeFixes;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// Fix All as <c>dotnet format analyzers</c> starts it: from the first diagnostic its analyzer reported, which may be of
/// another rule of the same analyzer or one the fix cannot mend, with that diagnostic's equivalence key (none when the
/// fixer offered nothing for it). Every fixable diagnostic of the rule must still be fixed.
/// </summary>
public class FixAllFromAnyDiagnosticTests
{
    private const string Source = """
        using System;
        using System.Runtime.InteropServices;

        static class Native
        {
            public const int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
            [DllImport("libc", SetLastError = true)] public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc", SetLastError = true)] public static extern int munmap(IntPtr addr, UIntPtr length);
        }

        static class Pages
        {
            static void Pieces(int unknown)
            {
                IntPtr p = Native.mmap(IntPtr.Zero, (UIntPtr)8192, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                for (int i = 0; i < unknown; i++)
                {
                    Native.munmap(p + i * 4096, (UIntPtr)4096);
                }
            }

            static void Checked()
            {
                IntPtr p = Native.mmap(IntPtr.Zero, (UIntPtr)8192, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == IntPtr.Zero) throw new OutOfMemoryException();
                Native.munmap(p, (UIntPtr)4096);
            }
        }
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_fixable_diagnostic_is_fixed_whichever_diagnostic_starts(bool startFromAnotherRule)
    {
        Document document = Document(Source);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(document);
        Assert.Contains(diagnostics, d => d.Id == RuleIds.FailureCheck);
        Assert.Equal(2, diagnostics.Count(d => d.Id == RuleIds.WholeMappingMunmap));

        // MMAP008's first diagnostic (a mapping released page by page) has no fix; MMAP009's has one.
        Diagnostic start = startFromAnotherRule
            ? diagnostics.First(d => d.Id == RuleIds.WholeMappingMunmap)
            : diagnostics.First(d => d.Id == RuleIds.FailureCheck);
        string fixedFailureCheck = await FixAllAsync(new FailureCheckCodeFix(), document, diagnostics, start, RuleIds.FailureCheck);
        Assert.Contains("if (p == new IntPtr(-1)) throw new OutOfMemoryException();", fixedFailureCheck);

        string fixedLength = await FixAllAsync(new MunmapLengthCodeFix(), document, diagnostics, diagnostics.First(d => d.Id == RuleIds.WholeMappingMunmap), RuleIds.WholeMappingMunmap);
        Assert.Contains("Native.munmap(p, (UIntPtr)8192);", fixedLength);
        Assert.Contains("Native.munmap(p + i * 4096, (UIntPtr)4096);", fixedLength);
    }

    private static async Task<string> FixAllAsync(CodeFixProvider fixer, Document document, ImmutableArray<Diagnostic> diagnostics, Diagnostic start, string ruleId)
    {
        // The key of the fix offered for the starting diagnostic, as dotnet format takes it: null when none is offered.
        CodeAction? offered = null;
        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, start, (action, _) => offered ??= action, CancellationToken.None));
        var context = new FixAllContext(document, fixer, FixAllScope.Solution, offered?.EquivalenceKey, new[] { ruleId }, new Provider(diagnostics), CancellationToken.None);
        FixAllProvider provider = fixer.GetFixAllProvider() ?? throw new Xunit.Sdk.XunitException("the fixer has no Fix All");
        CodeAction? fixAll = await provider.GetFixAsync(context);
        Assert.NotNull(fixAll);
        ApplyChangesOperation apply = (await fixAll!.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single();
        Document changed = apply.ChangedSolution.GetDocument(document.Id) ?? throw new Xunit.Sdk.XunitException("the fix removed the document");
        return (await changed.GetTextAsync()).ToString();
    }

    private static Document Document(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject("FixAll", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true))
            .WithMetadataReferences(Basic.Reference.Assemblies.Net80.References.All);
        return project.AddDocument("Pages.cs", source);
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        return await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new MmapLifetimeAnalyzer())).GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>Hands the fixer every diagnostic of the analyzer, of every rule, as dotnet format's provider does.</summary>
    private sealed class Provider : FixAllContext.DiagnosticProvider
    {
        private readonly ImmutableArray<Diagnostic> _diagnostics;

        public Provider(ImmutableArray<Diagnostic> diagnostics) => _diagnostics = diagnostics;

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(Enumerable.Empty<Diagnostic>());
    }
}
