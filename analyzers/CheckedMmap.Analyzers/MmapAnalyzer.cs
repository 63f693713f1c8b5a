using System;
using System.Collections.Immutable;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Configuration;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Values;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers
{
    /// <summary>
    /// MMAP001-MMAP007: mmap calls outside the malloc-like subset that CheckedMmap and Miri accept
    /// (<c>mmap(addr, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)</c>).
    /// Identifies each call once (<see cref="MmapCallResolver"/>), evaluates its arguments once
    /// (<see cref="ValueEvaluator"/>), then lets every rule judge it.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class MmapAnalyzer : DiagnosticAnalyzer
    {
        private static readonly Action<MmapCallFacts, Action<Diagnostic>>[] Rules =
        {
            MapFixedRule.Analyze,
            MapSharedRule.Analyze,
            FileBackedRule.Analyze,
            ProtectionRule.Analyze,
            FlagsRule.Analyze,
            OffsetRule.Analyze,
            AlwaysEinvalRule.Analyze,
        };

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
            MapFixedRule.Descriptor,
            MapSharedRule.Descriptor,
            FileBackedRule.Descriptor,
            FileBackedRule.ZeroWithAnonymous,
            ProtectionRule.Reservation,
            ProtectionRule.Executable,
            ProtectionRule.Other,
            FlagsRule.ExtraBits,
            FlagsRule.MissingAnonymous,
            OffsetRule.Descriptor,
            AlwaysEinvalRule.PrivateShared,
            AlwaysEinvalRule.ZeroLength,
            AlwaysEinvalRule.LengthOverflow);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(OnCompilationStart);
        }

        private static void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            // Nothing is registered for a compilation that cannot call mmap: that is the common case, and it must cost nothing.
            MmapCallResolver? resolver = MmapCallResolver.TryCreate(context.Compilation);
            if (resolver is null)
            {
                return;
            }

            var session = new CompilationSession(resolver, new TargetOsResolver(context.Options), new SemanticModelProvider(context.Compilation));

            // A syntax filter on the invoked name, not an operation action on every invocation: only calls whose name
            // can be an mmap binding are bound to operations (the operation trees of everything else are not built).
            context.RegisterSyntaxNodeAction(session.AnalyzeInvocationSyntax, SyntaxKind.InvocationExpression);
        }

        private sealed class CompilationSession
        {
            private readonly MmapCallResolver _resolver;
            private readonly TargetOsResolver _targets;
            private readonly SemanticModelProvider _models;

            public CompilationSession(MmapCallResolver resolver, TargetOsResolver targets, SemanticModelProvider models)
            {
                _resolver = resolver;
                _targets = targets;
                _models = models;
            }

            public void AnalyzeInvocationSyntax(SyntaxNodeAnalysisContext context)
            {
                var node = (InvocationExpressionSyntax)context.Node;
                string? name = InvokedName(node.Expression);
                if (name is null || !MmapCallResolver.MayBeMmapName(name))
                {
                    return;
                }

                if (context.SemanticModel.GetOperation(node, context.CancellationToken) is not IInvocationOperation invocation)
                {
                    return;
                }

                MmapBinding? binding = _resolver.Resolve(invocation.TargetMethod);
                if (binding is null)
                {
                    return;
                }

                CancellationToken cancellationToken = context.CancellationToken;
                Analyze(invocation, binding, () => ControlFlowGraphs.ForEnclosingBody(invocation, cancellationToken), context.ReportDiagnostic, cancellationToken);
            }

            /// <summary>The simple name a call is made through: mmap, Native.mmap, x?.mmap, mmap&lt;T&gt;.</summary>
            private static string? InvokedName(ExpressionSyntax expression) => expression switch
            {
                SimpleNameSyntax simple => simple.Identifier.ValueText,
                MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
                _ => null,
            };

            private void Analyze(IInvocationOperation invocation, MmapBinding binding, Func<ControlFlowGraph?> createGraph, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                TargetOS target = _targets.For(invocation.Syntax.SyntaxTree);
                MmapConstants constants = binding.ConstantsFor(target);
                var scope = new EvaluationScope(constants, target, _resolver.Known, _models);

                ControlFlowGraph? graph = null;
                bool graphTried = false;
                var locals = new LocalValueAnalysis(
                    () =>
                    {
                        if (!graphTried)
                        {
                            graphTried = true;
                            graph = createGraph();
                        }

                        return graph;
                    },
                    scope);
                var evaluator = new ValueEvaluator(scope, locals);

                var facts = new MmapCallFacts(invocation, binding, constants);
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (argument.Parameter is not { } parameter || argument.ArgumentKind == ArgumentKind.ParamArray
                        || parameter.Ordinal < 0 || parameter.Ordinal > (int)MmapParameter.Offset)
                    {
                        continue;
                    }

                    var role = (MmapParameter)parameter.Ordinal;
                    if (role == MmapParameter.Address)
                    {
                        continue; // Miri ignores the hint.
                    }

                    Location location = argument.IsImplicit ? invocation.Syntax.GetLocation() : argument.Syntax.GetLocation();
                    facts.Set(role, new MmapArgument(argument, evaluator.Evaluate(argument.Value), location));
                }

                foreach (Action<MmapCallFacts, Action<Diagnostic>> rule in Rules)
                {
                    rule(facts, report);
                }
            }
        }
    }
}
