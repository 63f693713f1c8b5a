using System;
using System.Collections.Immutable;
using System.Threading;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Configuration;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Values;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
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
            context.RegisterOperationAction(session.AnalyzeInvocation, OperationKind.Invocation);
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

            public void AnalyzeInvocation(OperationAnalysisContext context)
            {
                if (context.Operation is not IInvocationOperation invocation)
                {
                    return;
                }

                MmapBinding? binding = _resolver.Resolve(invocation.TargetMethod);
                if (binding is null)
                {
                    return;
                }

                TargetOS target = _targets.For(invocation.Syntax.SyntaxTree);
                MmapConstants constants = binding.ConstantsFor(target);
                var scope = new EvaluationScope(constants, target, _resolver.Known, _models);

                ControlFlowGraph? graph = null;
                bool graphTried = false;
                OperationAnalysisContext captured = context;
                var locals = new LocalValueAnalysis(
                    () =>
                    {
                        if (!graphTried)
                        {
                            graphTried = true;
                            graph = captured.GetControlFlowGraph();
                        }

                        return graph;
                    },
                    scope);
                var evaluator = new ValueEvaluator(scope, locals);

                var facts = new MmapCallFacts(invocation, binding, constants);
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    context.CancellationToken.ThrowIfCancellationRequested();
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
                    rule(facts, context.ReportDiagnostic);
                }
            }
        }
    }
}
