using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// The analyzer finds candidate calls from the source text (files that name no candidate are never walked, calls are
/// found at the names' occurrences): every way a call can be spelled must still be found, and nothing else reported.
/// </summary>
public class CandidateSearchTests
{
    internal const string Binding = """
        using System;
        using System.Runtime.InteropServices;
        public static class L
        {
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
        }
        """;

    [Fact]
    public async Task Calls_on_one_line_nested_and_next_to_comments_are_each_found_once()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync(new[]
        {
            Binding,
            """
            using System;
            static class C
            {
                static int Other(IntPtr p) => 0; // mmap is named here, but this is not a call to it: Other(L.mmap...)
                static void M()
                {
                    // mmap
                    Other(IntPtr.Zero);
                    var a = L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0); var b = L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
                    Other(L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0));
                    string mmapmmap = "L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0)";
                }
            }
            """,
        });
        Assert.Empty(result.Exceptions);
        Diagnostic[] shared = result.Diagnostics.Where(d => d.Id == "MMAP002").ToArray();
        Assert.Equal(3, shared.Length);
        Assert.Equal(3, shared.Select(d => d.Location.SourceSpan).Distinct().Count());
        Assert.All(shared, d => Assert.EndsWith("File1.cs", d.Location.SourceTree!.FilePath));
    }

    [Fact]
    public async Task A_renamed_binding_called_from_a_file_that_never_says_mmap_is_found()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync(new[]
        {
            """
            using System;
            using System.Runtime.InteropServices;
            public static class Native
            {
                [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr Map(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            }
            """,
            """
            using System;
            static class Caller
            {
                static IntPtr M() => Native.Map(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
            }
            """,
        });
        Assert.Empty(result.Exceptions);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MMAP002", diagnostic.Id);
        Assert.EndsWith("File1.cs", diagnostic.Location.SourceTree!.FilePath);
    }

    [Fact]
    public async Task A_name_spelled_with_a_unicode_escape_is_found()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync(new[]
        {
            Binding,
            """
            using System;
            static class Caller
            {
                static IntPtr M() => L.\u006Dmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
            }
            """,
        });
        Assert.Empty(result.Exceptions);
        Assert.Equal("MMAP002", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public async Task Mmap_named_only_in_comments_and_strings_reports_nothing()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync("""
            // This project does not use mmap.
            static class C
            {
                const string Why = "no mmap(..., MAP_SHARED, ...) here";
                static int mmapCount;
                static int M() => mmapCount + Why.Length;
            }
            """);
        Assert.Empty(result.Exceptions);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public async Task Analysis_of_a_span_reports_only_the_calls_inside_it()
    {
        const string caller = """
            using System;
            static class Caller
            {
                static IntPtr First() => L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
                static IntPtr Second() => L.mmap(IntPtr.Zero, 4096, 7, 0x02 | 0x20, -1, 0);
            }
            """;
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        SyntaxTree binding = CSharpSyntaxTree.ParseText(Binding, parse, path: "/src/Binding.cs");
        SyntaxTree callerTree = CSharpSyntaxTree.ParseText(caller, parse, path: "/src/Caller.cs");
        var compilation = CSharpCompilation.Create(
            "Subject", new[] { binding, callerTree }, Basic.Reference.Assemblies.Net80.References.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new MmapAnalyzer()));
        int second = caller.IndexOf("static IntPtr Second", System.StringComparison.Ordinal);
        var span = TextSpan.FromBounds(second, caller.IndexOf('}', second));

        ImmutableArray<Diagnostic> inSpan = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(callerTree), span, default);
        ImmutableArray<Diagnostic> whole = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(callerTree), null, default);

        Assert.Equal(new[] { "MMAP004" }, inSpan.Select(d => d.Id).Distinct().ToArray());
        Assert.All(inSpan, d => Assert.True(span.Contains(d.Location.SourceSpan)));
        Assert.Contains(whole, d => d.Id == "MMAP002" && d.Location.SourceSpan.Start < second);
    }
}

/// <summary>Generated code is never judged: generated files, [GeneratedCode] members and types, #line hidden regions.</summary>
public class GeneratedCodeTests
{
    private const string Binding = CandidateSearchTests.Binding;

    [Fact]
    public async Task Calls_in_generated_members_types_and_hidden_lines_are_not_reported_but_their_neighbours_are()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync(new[]
        {
            Binding,
            """
            using System;
            using System.CodeDom.Compiler;
            static class Hand
            {
                [GeneratedCode("tool", "1.0")]
                static IntPtr GeneratedMember() => L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);

                static IntPtr Lambda() { Func<IntPtr> f = [GeneratedCode("tool", "1.0")] () => L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0); return f(); }

                static IntPtr Hidden()
                {
            #line hidden
                    return L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
            #line default
                }

                static IntPtr Written() => L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
            }

            [GeneratedCode("tool", "1.0")]
            static class GeneratedType
            {
                static IntPtr Nested() => L.mmap(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
            }
            """,
        });
        Assert.Empty(result.Exceptions);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MMAP002", diagnostic.Id);
        Assert.Equal(16, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    private const string BadCall = """
        static class Gen
        {
            static System.IntPtr M() => L.mmap(System.IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
        }
        """;

    [Fact]
    public Task A_file_named_like_generated_code_is_not_judged() =>
        new MmapAnalyzerTest(Binding).WithGeneratedSource("Native.g.cs", BadCall).RunAsync();

    [Fact]
    public Task A_file_marked_generated_code_in_editorconfig_is_not_judged_but_others_are()
    {
        var test = new MmapAnalyzerTest(Binding).WithGeneratedSource("/src/Marked.cs", BadCall)
            .WithGeneratedSource("/src/Written.cs", BadCall.Replace("class Gen", "class Written").Replace("L.mmap(System.IntPtr.Zero, 4096, 3, 0x01 | 0x20", "L.mmap(System.IntPtr.Zero, 4096, 3, {|MMAP002:0x01 | 0x20|}"));
        test.TestState.AnalyzerConfigFiles.Add(("/src/.editorconfig", "[Marked.cs]\ngenerated_code = true\n"));
        return test.RunAsync();
    }
}
