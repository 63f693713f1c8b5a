using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using CheckedMmap.Benchmarks.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CheckedMmap.Benchmarks.Analyzer
{
    /// <summary>Loads analyzers and generators from files the way the compiler does (AnalyzerFileReference), into the
    /// default load context so that they bind to the host's Roslyn (5.9, the SDK's compiler version).</summary>
    internal sealed class DefaultContextLoader : IAnalyzerAssemblyLoader
    {
        public static readonly DefaultContextLoader Instance = new();

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }

    /// <summary>The analyzers under comparison.</summary>
    internal sealed class AnalyzerSet
    {
        public required ImmutableArray<DiagnosticAnalyzer> CheckedMmap { get; init; }

        public required DiagnosticAnalyzer Empty { get; init; }

        /// <summary>The SDK's analyzer for CA1401/CA2101 (P/Invoke visibility and string marshalling).</summary>
        public required DiagnosticAnalyzer? PInvokeRules { get; init; }

        /// <summary>The SDK's analyzer for CA1420/CA1421 (runtime marshalling disabled).</summary>
        public required DiagnosticAnalyzer? RuntimeMarshallingRules { get; init; }

        public required string CheckedMmapPath { get; init; }

        public required string NetAnalyzersPath { get; init; }

        public required ImmutableArray<ISourceGenerator> LibraryImportGenerator { get; init; }

        public static AnalyzerSet Load()
        {
            string ours = Path.Combine(AppContext.BaseDirectory, "analyzer-under-test", "CheckedMmap.Analyzers.dll");
            ImmutableArray<DiagnosticAnalyzer> checkedMmap = File.Exists(ours)
                ? Load(ours).Where(a => a.SupportedDiagnostics.Any(d => d.Id.StartsWith("MMAP", StringComparison.Ordinal))).ToImmutableArray()
                : ImmutableArray<DiagnosticAnalyzer>.Empty;

            string sdkDir = SdkLocator.NetAnalyzersDirectory;
            ImmutableArray<DiagnosticAnalyzer> sdk = new[] { "Microsoft.CodeAnalysis.NetAnalyzers.dll", "Microsoft.CodeAnalysis.CSharp.NetAnalyzers.dll" }
                .Select(f => Path.Combine(sdkDir, f))
                .Where(File.Exists)
                .SelectMany(Load)
                .ToImmutableArray();

            var generators = new AnalyzerFileReference(SdkLocator.LibraryImportGenerator, DefaultContextLoader.Instance)
                .GetGenerators(LanguageNames.CSharp);

            return new AnalyzerSet
            {
                CheckedMmap = checkedMmap,
                Empty = new EmptyAnalyzer(),
                PInvokeRules = Pick(sdk, "CA1401", "CA2101"),
                RuntimeMarshallingRules = Pick(sdk, "CA1420", "CA1421"),
                CheckedMmapPath = ours,
                NetAnalyzersPath = sdkDir,
                LibraryImportGenerator = generators,
            };
        }

        private static IEnumerable<DiagnosticAnalyzer> Load(string path) =>
            new AnalyzerFileReference(path, DefaultContextLoader.Instance).GetAnalyzers(LanguageNames.CSharp);

        /// <summary>The analyzer reporting the given IDs; when several do (C#-specific subclasses), the most derived one,
        /// which is the one the C# build runs.</summary>
        private static DiagnosticAnalyzer? Pick(ImmutableArray<DiagnosticAnalyzer> analyzers, params string[] ids) =>
            analyzers
                .Where(a => a.SupportedDiagnostics.Any(d => ids.Contains(d.Id)))
                .OrderByDescending(a => a.GetType().Name.StartsWith("CSharp", StringComparison.Ordinal))
                .FirstOrDefault();
    }

    // The meta-rules for shipped analyzers do not apply to these in-process baselines: they are never packaged (RS1036,
    // RS1041, RS2008) and registering nothing in a start action is the empty baseline's whole point (RS1012).
#pragma warning disable RS1012, RS1036, RS1041, RS2008

    /// <summary>A baseline analyzer: one never-reported rule, concurrent, no generated code, and the one action it times.</summary>
    internal abstract class BaselineAnalyzer : DiagnosticAnalyzer
    {
        private readonly DiagnosticDescriptor _rule;

        protected BaselineAnalyzer(string id, string title) =>
            _rule = new DiagnosticDescriptor(id, title, title, "Performance", DiagnosticSeverity.Warning, isEnabledByDefault: true);

        public sealed override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(_rule);

        public sealed override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            Register(context);
        }

        protected abstract void Register(AnalysisContext context);
    }

    /// <summary>The baseline: registers a compilation-start action and nothing else (as roslyn-analyzers'
    /// PerformanceTests EmptyAnalyzer). Its cost is the driver's fixed cost per analyzer.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    internal sealed class EmptyAnalyzer : BaselineAnalyzer
    {
        public EmptyAnalyzer()
            : base("EMPTY001", "Empty")
        {
        }

        protected override void Register(AnalysisContext context) => context.RegisterCompilationStartAction(_ => { });
    }

    /// <summary>The floor of per-file analysis: a semantic-model action that does nothing, called once per file.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    internal sealed class EmptyPerFileAnalyzer : BaselineAnalyzer
    {
        public EmptyPerFileAnalyzer()
            : base("EMPTY002", "Empty per file")
        {
        }

        protected override void Register(AnalysisContext context) => context.RegisterSemanticModelAction(_ => { });
    }

    /// <summary>
    /// Roslyn's own share of analyzing a method: asks for the operation of each file's first invocation, which binds the
    /// whole enclosing body, as the first request of any operation-based analyzer does, and reads nothing else.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    internal sealed class BindingOnlyAnalyzer : BaselineAnalyzer
    {
        public BindingOnlyAnalyzer()
            : base("EMPTY003", "Binding only")
        {
        }

        protected override void Register(AnalysisContext context) => context.RegisterSemanticModelAction(c =>
        {
            foreach (SyntaxNode node in c.SemanticModel.SyntaxTree.GetRoot(c.CancellationToken).DescendantNodes())
            {
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax)
                {
                    _ = c.SemanticModel.GetOperation(node, c.CancellationToken);
                    return;
                }
            }
        });
    }

    /// <summary>
    /// The least an analyzer of these calls does: asks for the operation of every invocation of each file and reads its
    /// arguments (through conversions, the constant value of each operand), as CheckedMmap does before judging anything.
    /// Its cost per call is Roslyn's: binding the body, building the operations, finding each call's in the method's map.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    internal sealed class ArgumentsOnlyAnalyzer : BaselineAnalyzer
    {
        public ArgumentsOnlyAnalyzer()
            : base("EMPTY004", "Arguments only")
        {
        }

        /// <summary>Read so that the reads are not optimized away.</summary>
        public static long ConstantOperands;

        protected override void Register(AnalysisContext context) => context.RegisterSemanticModelAction(c =>
        {
            long constants = 0;
            foreach (SyntaxNode node in c.SemanticModel.SyntaxTree.GetRoot(c.CancellationToken).DescendantNodes())
            {
                if (node is not Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax
                    || c.SemanticModel.GetOperation(node, c.CancellationToken) is not Microsoft.CodeAnalysis.Operations.IInvocationOperation invocation)
                {
                    continue;
                }

                foreach (Microsoft.CodeAnalysis.Operations.IArgumentOperation argument in invocation.Arguments)
                {
                    IOperation value = argument.Value;
                    while (value is Microsoft.CodeAnalysis.Operations.IConversionOperation conversion)
                    {
                        value = conversion.Operand;
                    }

                    if (value is Microsoft.CodeAnalysis.Operations.IBinaryOperation binary)
                    {
                        constants += (binary.LeftOperand.ConstantValue.HasValue ? 1 : 0) + (binary.RightOperand.ConstantValue.HasValue ? 1 : 0);
                    }

                    constants += value.ConstantValue.HasValue ? 1 : 0;
                }
            }

            System.Threading.Interlocked.Add(ref ConstantOperands, constants);
        });
    }
#pragma warning restore RS1012, RS1036, RS1041, RS2008
}
