using System.Threading.Tasks;
using CheckedMmap.Analyzers.Lifetime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace CheckedMmap.Analyzers.Tests.Infrastructure;

/// <summary>Hermetic test of one of the analyzers, set up as <see cref="MmapAnalyzerTest"/>.</summary>
public class HermeticAnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
{
    public HermeticAnalyzerTest(string source)
    {
        ReferenceAssemblies = new ReferenceAssemblies("net8.0");
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
        TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net80.References.All);
        TestState.Sources.Add(source);
        SolutionTransforms.Add((solution, projectId) =>
        {
            Project project = solution.GetProject(projectId)!;
            var options = ((CSharpCompilationOptions)project.CompilationOptions!).WithAllowUnsafe(true);
            return solution.WithProjectCompilationOptions(projectId, options);
        });
    }

    public HermeticAnalyzerTest<TAnalyzer> WithSource(string source)
    {
        TestState.Sources.Add(source);
        return this;
    }

    /// <summary>A global config, which is how MSBuild properties and target settings reach analyzers.</summary>
    public HermeticAnalyzerTest<TAnalyzer> WithGlobalConfig(string settings)
    {
        TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + settings + "\n"));
        return this;
    }

    /// <summary>Symbols defined for every file, as <c>DefineConstants</c> gives them (<c>CHECKED</c> with -p:CheckedMmap=true).</summary>
    public HermeticAnalyzerTest<TAnalyzer> WithPreprocessorSymbols(params string[] symbols)
    {
        SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!;
            return solution.WithProjectParseOptions(projectId, options.WithPreprocessorSymbols(symbols));
        });
        return this;
    }

    public HermeticAnalyzerTest<TAnalyzer> WithMonoPosix()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(MmapAnalyzerTest.BindingPath("Mono.Posix.NETStandard.dll")));
        return this;
    }

    public HermeticAnalyzerTest<TAnalyzer> WithMonoUnix()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(MmapAnalyzerTest.BindingPath("Mono.Unix.dll")));
        return this;
    }

    public HermeticAnalyzerTest<TAnalyzer> WithTmdsLibC()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(MmapAnalyzerTest.BindingPath("Tmds.LibC.dll")));
        return this;
    }

    public HermeticAnalyzerTest<TAnalyzer> WithCheckedMmapRuntime()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(CheckedMmap.Mman).Assembly.Location));
        return this;
    }

    public HermeticAnalyzerTest<TAnalyzer> Expect(params DiagnosticResult[] expected)
    {
        ExpectedDiagnostics.AddRange(expected);
        return this;
    }
}

/// <summary>Hermetic test of <see cref="MmapLifetimeAnalyzer"/> (MMAP008/MMAP009).</summary>
public sealed class LifetimeAnalyzerTest : HermeticAnalyzerTest<MmapLifetimeAnalyzer>
{
    /// <summary>First in a body, a goto to the next statement sends the body to the control flow graph's flow instead of the tree walk.</summary>
    public const string ForceGraph = "goto start; start: ;\n";

    public LifetimeAnalyzerTest(string source)
        : base(source)
    {
    }

    /// <summary>The diagnostic at a markup marker with its message arguments; its additional locations (where the mapping was made) are not compared.</summary>
    public static DiagnosticResult At(int marker, DiagnosticDescriptor descriptor, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(marker).WithArguments(arguments).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    /// <summary><paramref name="body"/> runs in C.M(int unknown, bool condition, nuint size), with the <see cref="Sources.Libc"/> binding.</summary>
    public static HermeticAnalyzerTest<MmapLifetimeAnalyzer> Libc(string body, string members = "") => new LifetimeAnalyzerTest($$"""
        using System;
        using System.Runtime.InteropServices;
        using static Libc;

        unsafe class C
        {
            void M(int unknown, bool condition, nuint size)
            {
        {{body}}
            }
        {{members}}
        }
        """).WithSource(Sources.Libc);

    public static Task LibcAsync(string body, params DiagnosticResult[] expected) => Libc(body).Expect(expected).RunAsync();
}

/// <summary>Code-fix test over one analyzer; Fix All is checked by the framework, and the fixed code must compile with no warning.</summary>
public class HermeticCodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <param name="source">The one test document, or null to add documents (with paths) to TestState and FixedState.</param>
    public HermeticCodeFixTest(string? source, string? fixedSource)
    {
        ReferenceAssemblies = new ReferenceAssemblies("net8.0");
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
        TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net80.References.All);
        if (source is not null)
        {
            TestCode = source;
        }

        if (fixedSource is not null)
        {
            FixedCode = fixedSource;
        }

        // The fixed code must compile with no new warning, not only without errors.
        CompilerDiagnostics = CompilerDiagnostics.Warnings;
        SolutionTransforms.Add((solution, projectId) =>
        {
            Project project = solution.GetProject(projectId)!;
            var options = ((CSharpCompilationOptions)project.CompilationOptions!).WithAllowUnsafe(true)
                .WithSpecificDiagnosticOptions(new System.Collections.Generic.Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress }); // test sources carry no XML docs
            return solution.WithProjectCompilationOptions(projectId, options);
        });
    }

    public HermeticCodeFixTest<TAnalyzer, TCodeFix> WithSource(string source)
    {
        TestState.Sources.Add(source);
        FixedState.Sources.Add(source);
        return this;
    }

    public HermeticCodeFixTest<TAnalyzer, TCodeFix> WithCheckedMmapRuntime()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(CheckedMmap.Mman).Assembly.Location));
        return this;
    }

    /// <summary>Symbols defined for every file, as <c>DefineConstants</c> gives them (<c>CHECKED</c> with -p:CheckedMmap=true).</summary>
    public HermeticCodeFixTest<TAnalyzer, TCodeFix> WithPreprocessorSymbols(params string[] symbols)
    {
        SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!;
            return solution.WithProjectParseOptions(projectId, options.WithPreprocessorSymbols(symbols));
        });
        return this;
    }

    public HermeticCodeFixTest<TAnalyzer, TCodeFix> WithMonoPosix()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(MmapAnalyzerTest.BindingPath("Mono.Posix.NETStandard.dll")));
        return this;
    }
}

/// <summary>Code-fix test over <see cref="MmapLifetimeAnalyzer"/>.</summary>
public sealed class LifetimeCodeFixTest<TCodeFix> : HermeticCodeFixTest<MmapLifetimeAnalyzer, TCodeFix>
    where TCodeFix : CodeFixProvider, new()
{
    public LifetimeCodeFixTest(string source, string fixedSource)
        : base(source, fixedSource)
    {
    }
}
