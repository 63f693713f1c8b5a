using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Benchmarks.Analyzer
{
    /// <summary>Time spent in one kind of callback of a profiled analyzer.</summary>
    internal sealed class ActionCost
    {
        private long _ticks;
        private long _calls;

        public double Milliseconds => Interlocked.Read(ref _ticks) * 1000.0 / Stopwatch.Frequency;

        public long Calls => Interlocked.Read(ref _calls);

        public void Add(long ticks)
        {
            Interlocked.Add(ref _ticks, ticks);
            Interlocked.Increment(ref _calls);
        }
    }

    /// <summary>
    /// Diagnosis only (not used for the headline numbers): wraps an analyzer and times each registered callback,
    /// keyed by action kind and callback method. Invocation operation callbacks are split into calls whose target's
    /// name contains "mmap" and all other invocations, which separates the cost of the filter that every call in
    /// the compilation pays from the cost of evaluating an actual mmap call.
    /// </summary>
#pragma warning disable RS1001, RS1012, RS1025, RS1026, RS1036, RS1041 // an in-process wrapper, never shipped; it forwards the inner analyzer's own settings
    internal sealed class ProfilingAnalyzer : DiagnosticAnalyzer
    {
        private readonly DiagnosticAnalyzer _inner;

        public ProfilingAnalyzer(DiagnosticAnalyzer inner) => _inner = inner;

        public ConcurrentDictionary<string, ActionCost> Costs { get; } = new();

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => _inner.SupportedDiagnostics;

        public override void Initialize(AnalysisContext context) => _inner.Initialize(new Context(context, this));

        private void Time(string key, Action action)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                action();
            }
            finally
            {
                Costs.GetOrAdd(key, _ => new ActionCost()).Add(Stopwatch.GetTimestamp() - start);
            }
        }

        private static string Name(Delegate d) => d.Method.Name;

        private static string OperationKey(string prefix, Delegate action, OperationAnalysisContext context) =>
            context.Operation is IInvocationOperation invocation
                ? $"{prefix} {Name(action)} on invocations of *{(invocation.TargetMethod.Name.IndexOf("mmap", StringComparison.OrdinalIgnoreCase) >= 0 ? "mmap*" : " other methods")}"
                : $"{prefix} {Name(action)} on {context.Operation.Kind}";

        private sealed class Context : AnalysisContext
        {
            private readonly AnalysisContext _c;
            private readonly ProfilingAnalyzer _p;

            public Context(AnalysisContext c, ProfilingAnalyzer p)
            {
                _c = c;
                _p = p;
            }

            public override void EnableConcurrentExecution() => _c.EnableConcurrentExecution();

            public override void ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags analysisMode) => _c.ConfigureGeneratedCodeAnalysis(analysisMode);

            public override void RegisterCompilationStartAction(Action<CompilationStartAnalysisContext> action) =>
                _c.RegisterCompilationStartAction(ctx => _p.Time("compilation-start " + Name(action), () => action(new StartContext(ctx, _p))));

            public override void RegisterCompilationAction(Action<CompilationAnalysisContext> action) =>
                _c.RegisterCompilationAction(ctx => _p.Time("compilation " + Name(action), () => action(ctx)));

            public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) =>
                _c.RegisterSemanticModelAction(ctx => _p.Time("semantic-model " + Name(action), () => action(ctx)));

            public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds) =>
                _c.RegisterSymbolAction(ctx => _p.Time("symbol " + Name(action), () => action(ctx)), symbolKinds);

            public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) =>
                _c.RegisterCodeBlockStartAction<TLanguageKindEnum>(ctx => _p.Time("code-block-start " + Name(action), () => action(ctx)));

            public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) =>
                _c.RegisterCodeBlockAction(ctx => _p.Time("code-block " + Name(action), () => action(ctx)));

            public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) =>
                _c.RegisterSyntaxTreeAction(ctx => _p.Time("syntax-tree " + Name(action), () => action(ctx)));

            public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) =>
                _c.RegisterSyntaxNodeAction(ctx => _p.Time("syntax-node " + Name(action), () => action(ctx)), syntaxKinds);

            public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds) =>
                _c.RegisterOperationAction(ctx => _p.Time(OperationKey("operation", action, ctx), () => action(ctx)), operationKinds);

            public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action) =>
                _c.RegisterOperationBlockStartAction(ctx => _p.Time("operation-block-start " + Name(action), () => action(ctx)));

            public override void RegisterOperationBlockAction(Action<OperationBlockAnalysisContext> action) =>
                _c.RegisterOperationBlockAction(ctx => _p.Time("operation-block " + Name(action), () => action(ctx)));

            public override void RegisterSymbolStartAction(Action<SymbolStartAnalysisContext> action, SymbolKind symbolKind) =>
                _c.RegisterSymbolStartAction(ctx => _p.Time("symbol-start " + Name(action), () => action(ctx)), symbolKind);
        }

        private sealed class StartContext : CompilationStartAnalysisContext
        {
            private readonly CompilationStartAnalysisContext _c;
            private readonly ProfilingAnalyzer _p;

            public StartContext(CompilationStartAnalysisContext c, ProfilingAnalyzer p)
                : base(c.Compilation, c.Options, c.CancellationToken)
            {
                _c = c;
                _p = p;
            }

            public override void RegisterCompilationEndAction(Action<CompilationAnalysisContext> action) =>
                _c.RegisterCompilationEndAction(ctx => _p.Time("compilation-end " + Name(action), () => action(ctx)));

            public override void RegisterSemanticModelAction(Action<SemanticModelAnalysisContext> action) =>
                _c.RegisterSemanticModelAction(ctx => _p.Time("semantic-model " + Name(action), () => action(ctx)));

            public override void RegisterSymbolAction(Action<SymbolAnalysisContext> action, ImmutableArray<SymbolKind> symbolKinds) =>
                _c.RegisterSymbolAction(ctx => _p.Time("symbol " + Name(action), () => action(ctx)), symbolKinds);

            public override void RegisterCodeBlockStartAction<TLanguageKindEnum>(Action<CodeBlockStartAnalysisContext<TLanguageKindEnum>> action) =>
                _c.RegisterCodeBlockStartAction<TLanguageKindEnum>(ctx => _p.Time("code-block-start " + Name(action), () => action(ctx)));

            public override void RegisterCodeBlockAction(Action<CodeBlockAnalysisContext> action) =>
                _c.RegisterCodeBlockAction(ctx => _p.Time("code-block " + Name(action), () => action(ctx)));

            public override void RegisterSyntaxTreeAction(Action<SyntaxTreeAnalysisContext> action) =>
                _c.RegisterSyntaxTreeAction(ctx => _p.Time("syntax-tree " + Name(action), () => action(ctx)));

            public override void RegisterSyntaxNodeAction<TLanguageKindEnum>(Action<SyntaxNodeAnalysisContext> action, ImmutableArray<TLanguageKindEnum> syntaxKinds) =>
                _c.RegisterSyntaxNodeAction(ctx => _p.Time("syntax-node " + Name(action), () => action(ctx)), syntaxKinds);

            public override void RegisterOperationAction(Action<OperationAnalysisContext> action, ImmutableArray<OperationKind> operationKinds) =>
                _c.RegisterOperationAction(ctx => _p.Time(OperationKey("operation", action, ctx), () => action(ctx)), operationKinds);

            public override void RegisterOperationBlockStartAction(Action<OperationBlockStartAnalysisContext> action) =>
                _c.RegisterOperationBlockStartAction(ctx => _p.Time("operation-block-start " + Name(action), () => action(ctx)));

            public override void RegisterOperationBlockAction(Action<OperationBlockAnalysisContext> action) =>
                _c.RegisterOperationBlockAction(ctx => _p.Time("operation-block " + Name(action), () => action(ctx)));

            public override void RegisterSymbolStartAction(Action<SymbolStartAnalysisContext> action, SymbolKind symbolKind) =>
                _c.RegisterSymbolStartAction(ctx => _p.Time("symbol-start " + Name(action), () => action(ctx)), symbolKind);
        }
    }
#pragma warning restore RS1001, RS1012, RS1025, RS1026, RS1036, RS1041
}
