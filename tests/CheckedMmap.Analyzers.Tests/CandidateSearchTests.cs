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
    public async Task A_local_function_binding_whose_entry_point_is_a_const_is_found_in_a_file_that_never_says_mmap()
    {
        // The entry point is spelled "mm" + "ap" in another file, so neither file's text contains the name; the
        // declaring file is searched because it declares a renamed binding.
        DirectRun.Result result = await DirectRun.AnalyzeAsync(new[]
        {
            """
            static class Names { public const string Map = "mm" + "ap"; }
            """,
            """
            using System;
            using System.Runtime.InteropServices;
            class Pages
            {
                IntPtr Take()
                {
                    return Grab(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);

                    [DllImport("libc", EntryPoint = Names.Map)]
                    static extern IntPtr Grab(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
                }
            }
            """,
        });
        Assert.Empty(result.Exceptions);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("MMAP002", diagnostic.Id);
        Assert.EndsWith("File1.cs", diagnostic.Location.SourceTree!.FilePath);
    }

    [Fact]
    public void Other_files_are_searched_for_member_bindings_but_not_for_local_function_bindings()
    {
        // A local function can only be called in its own method: a file elsewhere that says "Grab" is not a candidate,
        // while one that says "Take" (a member binding) is.
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        SyntaxTree declaring = CSharpSyntaxTree.ParseText("""
            using System;
            using System.Runtime.InteropServices;
            static class Pages
            {
                [DllImport("libc", EntryPoint = "mmap")]
                public static extern IntPtr Take(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                static IntPtr Local()
                {
                    return Grab(IntPtr.Zero, 4096, 3, 0x22, -1, 0);

                    [DllImport("libc", EntryPoint = "mmap")]
                    static extern IntPtr Grab(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
                }
            }
            """, parse);
        SyntaxTree grabber = CSharpSyntaxTree.ParseText("static class G { static int Grab(int a, int b, int c, int d, int e, int f) => 0; static int M() => Grab(1, 2, 3, 4, 5, 6); }", parse);
        SyntaxTree taker = CSharpSyntaxTree.ParseText("static class T { static System.IntPtr M() => Pages.Take(System.IntPtr.Zero, 4096, 3, 0x22, -1, 0); }", parse);
        var compilation = CSharpCompilation.Create("Subject", new[] { declaring, grabber, taker }, Basic.Reference.Assemblies.Net80.References.All);

        var names = CheckedMmap.Analyzers.Binding.CandidateNames.Of(compilation, default);

        Assert.Single(names.CandidateCalls(declaring, null, out _, default), call => call.ToString().StartsWith("Grab(", System.StringComparison.Ordinal));
        Assert.Empty(names.CandidateCalls(grabber, null, out _, default));
        Assert.Single(names.CandidateCalls(taker, null, out _, default));
    }

    [Fact]
    public void A_local_function_binding_makes_only_the_member_that_declares_it_a_wrapper()
    {
        // The LibraryImport generator's shape: every stub declares its own local __PInvoke. Only Reserve's is mmap, so
        // Release (whose __PInvoke is munmap) is no wrapper and other files are not searched for it.
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        SyntaxTree stubs = CSharpSyntaxTree.ParseText("""
            using System.Runtime.InteropServices;
            static unsafe partial class Native
            {
                public static nint Reserve(nint a, nuint l, int p, int f, int fd, long o)
                {
                    return __PInvoke(a, l, p, f, fd, o);
                    [DllImport("libc", EntryPoint = "mmap")] static extern nint __PInvoke(nint a, nuint l, int p, int f, int fd, long o);
                }

                public static int Release(nint a, nuint l)
                {
                    return __PInvoke(a, l);
                    [DllImport("libc", EntryPoint = "munmap")] static extern int __PInvoke(nint a, nuint l);
                }
            }
            """, parse);
        SyntaxTree reserver = CSharpSyntaxTree.ParseText("static class R { static nint M() => Native.Reserve(0, 4096, 3, 0x22, -1, 0); }", parse);
        SyntaxTree releaser = CSharpSyntaxTree.ParseText("static class U { static int M() => Native.Release(0, 4096); }", parse);
        var compilation = CSharpCompilation.Create("Subject", new[] { stubs, reserver, releaser }, Basic.Reference.Assemblies.Net80.References.All);

        var names = CheckedMmap.Analyzers.Binding.CandidateNames.Of(compilation, default);

        Assert.Single(names.CandidateCalls(reserver, null, out _, default));
        Assert.Empty(names.CandidateCalls(releaser, null, out _, default));
    }

    [Fact]
    public async Task A_top_level_local_function_binding_is_found_from_another_top_level_statement()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync("""
            using System;
            using System.Runtime.InteropServices;

            IntPtr p = Grab(IntPtr.Zero, 4096, 3, 0x01 | 0x20, -1, 0);
            Console.WriteLine(p);

            [DllImport("libc", EntryPoint = "mmap")]
            static extern IntPtr Grab(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            """);
        Assert.Empty(result.Exceptions);
        Assert.Equal("MMAP002", Assert.Single(result.Diagnostics).Id);
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
