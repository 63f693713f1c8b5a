using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace CheckedMmap.Analyzers.Tests.Infrastructure;

/// <summary>Hermetic code-fix test (same references as <see cref="MmapAnalyzerTest"/>); Fix All is checked by the framework.</summary>
public sealed class MmapCodeFixTest<TCodeFix> : CSharpCodeFixTest<MmapAnalyzer, TCodeFix, DefaultVerifier>
    where TCodeFix : CodeFixProvider, new()
{
    public MmapCodeFixTest(string source, string fixedSource)
    {
        ReferenceAssemblies = new ReferenceAssemblies("net8.0");
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
        TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net80.References.All);
        // Compiler warnings count in the fixed code too, as they would under -warnaserror (CS0219 for a local a fix left unused).
        CompilerDiagnostics = CompilerDiagnostics.Warnings;
        TestCode = source;
        FixedCode = fixedSource;
        SolutionTransforms.Add((solution, projectId) =>
        {
            Project project = solution.GetProject(projectId)!;
            var options = ((CSharpCompilationOptions)project.CompilationOptions!).WithAllowUnsafe(true);
            return solution.WithProjectCompilationOptions(projectId, options);
        });
    }

    public static Task VerifyAsync(string source, string fixedSource) => new MmapCodeFixTest<TCodeFix>(source, fixedSource).RunAsync();
}
