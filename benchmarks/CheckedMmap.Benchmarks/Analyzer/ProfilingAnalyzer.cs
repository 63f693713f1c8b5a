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
                Record(key, start);
            }
        }

        private static readonly System.Reflection.FieldInfo? s_reportField =
            typeof(OperationAnalysisContext).GetField("_reportDiagnostic", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

        private static readonly System.Reflection.FieldInfo? s_graphField =
            typeof(OperationAnalysisContext).GetField("_getControlFlowGraph", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

        private static readonly System.Reflection.FieldInfo? s_modelReportField =
            typeof(SemanticModelAnalysisContext).GetField("_reportDiagnostic", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

        private static string Name(Delegate d) => d.Method.Name;

        /// <summary>Adds the time since <paramref name="start"/> (a Stopwatch timestamp) to one callback's cost.</summary>
        private void Record(string key, long start) => Costs.GetOrAdd(key, _ => new ActionCost()).Add(Stopwatch.GetTimestamp() - start);

        /// <summary>Times an operation callback, and within it the time spent in ReportDiagnostic (diagnostic
        /// filtering and suppression checks by the driver) and in GetControlFlowGraph, each under its own key.</summary>
        private void TimeOperation(Action<OperationAnalysisContext> action, OperationAnalysisContext ctx)
        {
            string key = OperationKey("operation", action, ctx);
            OperationAnalysisContext original = ctx;
            // The context's public constructor cannot carry the driver's control-flow-graph service, so a boxed copy of the
            // driver's own context gets its two service delegates replaced (diagnosis only; field names of Roslyn 5.9).
            object boxed = ctx;
            Action<Diagnostic> report = diagnostic =>
            {
                long start = Stopwatch.GetTimestamp();
                original.ReportDiagnostic(diagnostic);
                Record(key + " › of which ReportDiagnostic", start);
            };
            Func<IOperation, Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph> graph = _ =>
            {
                long start = Stopwatch.GetTimestamp();
                Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowGraph result = original.GetControlFlowGraph();
                Record(key + " › of which GetControlFlowGraph", start);
                return result;
            };
            bool replaced = s_reportField?.FieldType == typeof(Action<Diagnostic>) && s_graphField?.FieldType == graph.GetType();
            if (replaced)
            {
                s_reportField!.SetValue(boxed, report);
                s_graphField!.SetValue(boxed, graph);
            }

            var wrapped = (OperationAnalysisContext)boxed;
            Time(key, () => action(wrapped));
        }

        /// <summary>Times a per-file callback, keyed by what the file holds (a reported call, "mmap" only in its text, or
        /// neither), and within it the time spent in ReportDiagnostic.</summary>
        private void TimeSemanticModel(Action<SemanticModelAnalysisContext> action, SemanticModelAnalysisContext ctx)
        {
            string prefix = "semantic-model " + Name(action);
            string reportKey = prefix + " › of which ReportDiagnostic";
            int reported = 0;
            Action<Diagnostic> report = diagnostic =>
            {
                reported++;
                long start = Stopwatch.GetTimestamp();
                ctx.ReportDiagnostic(diagnostic);
                Record(reportKey, start);
            };
            object boxed = ctx; // no public constructor: the driver's own context gets its report delegate replaced
            if (s_modelReportField?.FieldType == typeof(Action<Diagnostic>))
            {
                s_modelReportField.SetValue(boxed, report);
            }

            var wrapped = (SemanticModelAnalysisContext)boxed;
            long begin = Stopwatch.GetTimestamp();
            try
            {
                action(wrapped);
            }
            finally
            {
                long elapsed = Stopwatch.GetTimestamp() - begin; // before classifying the file, which reads its text
                string kind = reported > 0 ? "files with diagnostics"
                    : ctx.SemanticModel.SyntaxTree.ToString().Contains("mmap", StringComparison.OrdinalIgnoreCase) ? "other files naming mmap"
                    : "files not naming mmap";
                Costs.GetOrAdd($"{prefix} on {kind}", _ => new ActionCost()).Add(elapsed);
            }
        }

        private static string OperationKey(string prefix, Delegate action, OperationAnalysisContext context)
        {
            if (context.Operation is not IInvocationOperation invocation)
            {
                return $"{prefix} {Name(action)} on {context.Operation.Kind}";
            }

            if (invocation.TargetMethod.Name.IndexOf("mmap", StringComparison.OrdinalIgnoreCase) < 0)
            {
                return $"{prefix} {Name(action)} on invocations of other methods";
            }

            // The generated mmap methods are named MapBuffer_<file>; their call shape is CodeGenerator.ShapeOf(file).
            string container = context.ContainingSymbol.Name;
            int underscore = container.LastIndexOf('_');
            string shape = container.StartsWith("MapBuffer_", StringComparison.Ordinal) && int.TryParse(container.Substring(underscore + 1), out int file)
                ? CodeGenerator.ShapeDescription(file)
                : "outside the generated shapes";
            return $"{prefix} {Name(action)} on invocations of *mmap*, {shape}";
        }

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
                _c.RegisterSemanticModelAction(ctx => _p.TimeSemanticModel(action, ctx));

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
                _c.RegisterOperationAction(ctx => _p.TimeOperation(action, ctx), operationKinds);

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
                _c.RegisterSemanticModelAction(ctx => _p.TimeSemanticModel(action, ctx));

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
                _c.RegisterOperationAction(ctx => _p.TimeOperation(action, ctx), operationKinds);

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
