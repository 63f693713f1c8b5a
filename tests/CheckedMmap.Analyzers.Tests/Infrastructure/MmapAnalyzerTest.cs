using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace CheckedMmap.Analyzers.Tests.Infrastructure;

/// <summary>
/// Hermetic analyzer test: .NET 8 reference assemblies from Basic.Reference.Assemblies (no NuGet at test time),
/// unsafe code allowed, optional Mono.Posix / Tmds.LibC metadata references and .editorconfig / global config.
/// </summary>
public sealed class MmapAnalyzerTest : CSharpAnalyzerTest<MmapAnalyzer, DefaultVerifier>
{
    public MmapAnalyzerTest(string source)
    {
        ReferenceAssemblies = new ReferenceAssemblies("net8.0");
        // Several descriptors share an ID (one wording per case); markup names the ID, messages are checked explicitly.
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

    public static string BindingPath(string fileName) => Path.Combine(AppContext.BaseDirectory, "bindings", fileName);

    public MmapAnalyzerTest WithMonoPosix()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(BindingPath("Mono.Posix.NETStandard.dll")));
        return this;
    }

    /// <summary>The Mono.Unix package, Mono.Posix.NETStandard's successor: the same Mono.Unix.Native.Syscall in Mono.Unix.dll.</summary>
    public MmapAnalyzerTest WithMonoUnix()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(BindingPath("Mono.Unix.dll")));
        return this;
    }

    public MmapAnalyzerTest WithTmdsLibC()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(BindingPath("Tmds.LibC.dll")));
        return this;
    }

    /// <summary>The real CheckedMmap runtime assembly (its mmap has caller-info parameters after libc's six).</summary>
    public MmapAnalyzerTest WithCheckedMmapRuntime()
    {
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(CheckedMmap.Mman).Assembly.Location));
        return this;
    }

    public MmapAnalyzerTest WithSource(string source)
    {
        TestState.Sources.Add(source);
        return this;
    }

    public MmapAnalyzerTest WithGeneratedSource(string fileName, string source)
    {
        TestState.Sources.Add((fileName, source));
        return this;
    }

    /// <summary>An .editorconfig at the root that applies to every test file.</summary>
    public MmapAnalyzerTest WithEditorConfig(string settings)
    {
        TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*.cs]\n" + settings + "\n"));
        return this;
    }

    /// <summary>A global config, which is how MSBuild properties (build_property.X) reach analyzers.</summary>
    public MmapAnalyzerTest WithGlobalConfig(string settings)
    {
        TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + settings + "\n"));
        return this;
    }

    public MmapAnalyzerTest Expect(params DiagnosticResult[] expected)
    {
        ExpectedDiagnostics.AddRange(expected);
        return this;
    }

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        new MmapAnalyzerTest(source).Expect(expected).RunAsync();

    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new DiagnosticResult(descriptor);
}

/// <summary>Short forms for the rule tests: a body calling the <see cref="Sources.Libc"/> binding through <c>using static</c>.</summary>
public static class Verify
{
    public static string InMethod(string body) => """
        using System;
        using static Libc;

        unsafe class C
        {
            void M(int unknown, bool condition, IntPtr address)
            {
        """ + body + """

            }
        }
        """;

    /// <summary><paramref name="body"/> runs in C.M, with the Libc binding in a second file.</summary>
    public static MmapAnalyzerTest Libc(string body) => new MmapAnalyzerTest(InMethod(body)).WithSource(Sources.Libc);

    public static Task LibcAsync(string body, params DiagnosticResult[] expected) => Libc(body).Expect(expected).RunAsync();

    /// <summary>A call with every argument good unless overridden.</summary>
    public static string Call(string prot = "PROT_READ | PROT_WRITE", string flags = "MAP_PRIVATE | MAP_ANONYMOUS", string fd = "-1", string offset = "IntPtr.Zero", string length = "(UIntPtr)4096") =>
        $"mmap(IntPtr.Zero, {length}, {prot}, {flags}, {fd}, {offset});";

    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new DiagnosticResult(descriptor);
}
