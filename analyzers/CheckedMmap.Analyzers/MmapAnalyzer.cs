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
    public sealed class MmapAnalyzer : CompilationStartAnalyzer
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
            MapSharedRule.WithoutDescriptor,
            FileBackedRule.Descriptor,
            FileBackedRule.ZeroWithAnonymous,
            FileBackedRule.Negative,
            ProtectionRule.Reservation,
            ProtectionRule.Executable,
            ProtectionRule.Other,
            FlagsRule.ExtraBits,
            FlagsRule.ExtraBitsBesidesMappingType,
            FlagsRule.MissingAnonymous,
            FlagsRule.MissingAnonymousWithoutDescriptor,
            OffsetRule.Descriptor,
            AlwaysEinvalRule.PrivateShared,
            AlwaysEinvalRule.ZeroLength,
            AlwaysEinvalRule.LengthOverflow);

        protected override void OnCompilationStart(CompilationStartAnalysisContext context)
        {
            // A compilation whose source text names no candidate anywhere cannot call mmap: that is the common case, and
            // it costs one text search per file; nothing is registered, looked up or bound.
            CandidateNames names = CandidateNames.Of(context.Compilation, context.CancellationToken);
            if (!names.AnyCandidateFile)
            {
                return;
            }

            var resolver = new MmapCallResolver(context.Compilation);
            var session = new CompilationSession(resolver, names, new TargetOsResolver(context.Options), new SemanticModelProvider(context.Compilation));

            // One callback per file, not one per invocation: files whose text names no candidate return at once, and in
            // the others only the calls found at those names are bound to operations.
            context.RegisterSemanticModelAction(session.AnalyzeFile);
            if (names.AnyConstructorWrapper)
            {
                context.RegisterOperationAction(session.AnalyzeCreation, OperationKind.ObjectCreation);
                context.RegisterSyntaxNodeAction(session.AnalyzeConstructorInitializer,
                    SyntaxKind.ThisConstructorInitializer, SyntaxKind.BaseConstructorInitializer, SyntaxKind.PrimaryConstructorBaseType);
            }
        }

        private sealed class CompilationSession
        {
            private readonly MmapCallResolver _resolver;
            private readonly TargetOsResolver _targets;
            private readonly SemanticModelProvider _models;
            private readonly MmapWrapperResolver _wrappers;
            private readonly CandidateNames _names;

            public CompilationSession(MmapCallResolver resolver, CandidateNames names, TargetOsResolver targets, SemanticModelProvider models)
            {
                _resolver = resolver;
                _names = names;
                _targets = targets;
                _models = models;
                _wrappers = new MmapWrapperResolver(resolver, models, names);
            }

            public void AnalyzeFile(SemanticModelAnalysisContext context)
            {
                SemanticModel model = context.SemanticModel;

                // The candidate calls come in source order, so the calls of one body follow each other: they share its facts.
                BodyFacts? body = null;
                foreach (InvocationExpressionSyntax call in _names.CandidateCalls(model.SyntaxTree, context.FilterSpan, out bool mayHoldGeneratedCode, context.CancellationToken))
                {
                    AnalyzeCall(call, model, mayHoldGeneratedCode, ref body, context.ReportDiagnostic, context.CancellationToken);
                }
            }

            private void AnalyzeCall(InvocationExpressionSyntax node, SemanticModel model, bool mayBeGenerated, ref BodyFacts? body, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                if (model.GetOperation(node, cancellationToken) is not IInvocationOperation invocation)
                {
                    return;
                }

                MmapBinding? binding = _resolver.Resolve(invocation.TargetMethod);
                MmapWrapper? wrapper = null;
                if (binding is null)
                {
                    // Not mmap itself: maybe a wrapper that hands some of its parameters to mmap.
                    wrapper = _wrappers.Resolve(invocation.TargetMethod, model) is { PassesArguments: true } passing ? passing : null;
                    binding = wrapper?.Inner;
                    if (binding is null)
                    {
                        return;
                    }
                }

                if (mayBeGenerated && GeneratedCode.Contains(node, model, cancellationToken))
                {
                    return;
                }

                AnalyzeInBody(invocation, invocation.TargetMethod, invocation.Arguments, binding, wrapper, model, ref body, report, cancellationToken);
            }

            /// <summary>
            /// A creation of a type whose constructor hands its parameters to mmap (<c>new MappedRegion(size, flags)</c>):
            /// judged on the arguments it passes, like a call of a wrapper method.
            /// </summary>
            public void AnalyzeCreation(OperationAnalysisContext context)
            {
                var creation = (IObjectCreationOperation)context.Operation;
                if (creation.SemanticModel is { } model)
                {
                    AnalyzeConstructorCall(creation, creation.Constructor, creation.Arguments, model, context.ReportDiagnostic, context.CancellationToken);
                }
            }

            /// <summary>
            /// A <c>: this(…)</c>, <c>: base(…)</c> or primary-constructor base (<c>class Ring(int flags) : MappedRegion(4096,
            /// flags)</c>) that runs a constructor wrapper: judged like a creation.
            /// </summary>
            public void AnalyzeConstructorInitializer(SyntaxNodeAnalysisContext context)
            {
                if (context.SemanticModel.GetOperation(context.Node, context.CancellationToken) is IInvocationOperation { TargetMethod.MethodKind: MethodKind.Constructor } initializer)
                {
                    AnalyzeConstructorCall(initializer, initializer.TargetMethod, initializer.Arguments, context.SemanticModel, context.ReportDiagnostic, context.CancellationToken);
                }
            }

            private void AnalyzeConstructorCall(IOperation call, IMethodSymbol? constructor, ImmutableArray<IArgumentOperation> arguments, SemanticModel model, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                if (constructor is null || !_names.MayBeConstructorWrapper(constructor.ContainingType.Name)
                    || _wrappers.Resolve(constructor, model) is not { PassesArguments: true } wrapper
                    || GeneratedCode.Contains(call.Syntax, model, cancellationToken))
                {
                    return;
                }

                BodyFacts? body = null;
                AnalyzeInBody(call, constructor, arguments, wrapper.Inner, wrapper, model, ref body, report, cancellationToken);
            }

            /// <summary>
            /// Judges a call of mmap or of a wrapper (<paramref name="callee"/>, with <paramref name="arguments"/>) with the
            /// facts of its body, which <paramref name="body"/> keeps for the next call of the same body.
            /// </summary>
            private void AnalyzeInBody(IOperation call, IMethodSymbol callee, ImmutableArray<IArgumentOperation> arguments, MmapBinding binding, MmapWrapper? wrapper, SemanticModel model, ref BodyFacts? body, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                SyntaxNode? bodySyntax = ControlFlowGraphs.EnclosingBodySyntax(call);
                if (body is null || body.Body is null || body.Body != bodySyntax)
                {
                    IOperation root = call;
                    body = new BodyFacts(bodySyntax, () => ControlFlowGraphs.ForEnclosingBody(root, cancellationToken));
                }

                // A call the target OS never runs is judged by another OS's numbers: not at all.
                if (OsConditions.ExcludedOnTarget(call.Syntax, model, _targets.For(call.Syntax.SyntaxTree), _models, body.Reachability, cancellationToken))
                {
                    return;
                }

                Analyze(call, callee, arguments, binding, wrapper, body, report, cancellationToken);
            }

            private void Analyze(IOperation invocation, IMethodSymbol callee, ImmutableArray<IArgumentOperation> arguments, MmapBinding binding, MmapWrapper? wrapper, BodyFacts body, Action<Diagnostic> report, CancellationToken cancellationToken)
            {
                TargetOS target = _targets.For(invocation.Syntax.SyntaxTree);
                MmapConstants constants = binding.ConstantsFor(target);
                var scope = new EvaluationScope(constants, target, _resolver.Known, _models);
                var evaluator = new ValueEvaluator(scope, body.LocalsFor(scope));

                var facts = new MmapCallFacts(constants);
                foreach (IArgumentOperation argument in arguments)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (argument.Parameter is not { } parameter || argument.ArgumentKind == ArgumentKind.ParamArray)
                    {
                        continue;
                    }

                    if (!TryGetRole(parameter, wrapper, out MmapParameter role) || role == MmapParameter.Address)
                    {
                        continue; // Miri ignores the hint; a wrapper's other parameters are not mmap's.
                    }

                    Location location = ArgumentLocations.Of(argument, invocation);
                    facts.Set(role, new MmapArgument(evaluator.Evaluate(argument.Value), location));
                }

                if (wrapper is not null && facts.Flags is null && wrapper.Constants.TryGetValue(MmapParameter.Flags, out long innerFlags))
                {
                    facts.FlagsInWrapper = ValueSet.Single(innerFlags);
                }

                if (wrapper is { Computed.Count: > 0 } or { Through.Count: > 0 } or { Guards.Length: > 0 } or { Via: not null })
                {
                    // One binding of the wrapper's parameters (and its locals) for every argument it computes and every guard.
                    ValueEvaluator inWrapper = WrapperCallSite.Enter(invocation, callee, arguments, evaluator, scope, out WrapperCallSite callSite);
                    if (TurnedAway(wrapper, inWrapper, scope))
                    {
                        return; // the wrapper never reaches its mmap call when it is called with these values
                    }

                    foreach (var computed in wrapper.Computed)
                    {
                        if (computed.Key != MmapParameter.Address)
                        {
                            facts.Set(computed.Key, new MmapArgument(inWrapper.Evaluate(computed.Value), callSite.LocationOf(computed.Value)));
                        }
                    }

                    foreach (var hop in wrapper.Through)
                    {
                        if (hop.Key != MmapParameter.Address)
                        {
                            facts.Set(hop.Key, new MmapArgument(EvaluateThrough(hop.Value, hop.Key, inWrapper, scope), callSite.LocationOf(hop.Value.Sources)));
                        }
                    }
                }

                foreach (Action<MmapCallFacts, Action<Diagnostic>> rule in Rules)
                {
                    rule(facts, report);
                }
            }

            /// <summary>
            /// Whether a guard on the way to the wrapper's mmap call has, for these values, only the value that leaves
            /// (<c>if ((flags &amp; MAP_FIXED) != 0) throw</c> with MAP_FIXED passed), in this wrapper or, with what it passes
            /// them, in the wrappers it goes through.
            /// </summary>
            private static bool TurnedAway(MmapWrapper wrapper, ValueEvaluator inWrapper, EvaluationScope scope)
            {
                for (int depth = 0; depth < MmapWrapperResolver.MaxNesting; depth++)
                {
                    foreach (WrapperGuard guard in wrapper.Guards)
                    {
                        if (inWrapper.Evaluate(guard.Condition) is { IsKnown: true } outcome
                            && System.Linq.Enumerable.All(outcome.Values, v => (v != 0) != guard.ReachedWhen))
                        {
                            return true;
                        }
                    }

                    if (wrapper.Via is not { } via)
                    {
                        return false;
                    }

                    inWrapper = WrapperCallSite.Enter(via.Call, via.Call.TargetMethod, via.Call.Arguments, inWrapper, scope, out _);
                    wrapper = via.Wrapper;
                }

                return false;
            }

            /// <summary>
            /// mmap's <paramref name="role"/> argument as the outer wrapper's call of an inner one computes it, with
            /// <paramref name="inOuter"/> evaluating the outer wrapper's expressions as its caller binds them.
            /// </summary>
            private static ValueSet EvaluateThrough(WrapperHop hop, MmapParameter role, ValueEvaluator inOuter, EvaluationScope scope)
            {
                IInvocationOperation inner = hop.Call;
                if (hop.Wrapper.PassedThrough.TryGetValue(role, out int ordinal))
                {
                    return MmapWrapperResolver.ArgumentFor(inner.Arguments, ordinal) is { } argument ? inOuter.Evaluate(argument.Value) : ValueSet.Unknown;
                }

                ValueEvaluator inInner = WrapperCallSite.Enter(inner, inner.TargetMethod, inner.Arguments, inOuter, scope, out _);
                if (hop.Wrapper.Through.TryGetValue(role, out WrapperHop? next))
                {
                    return EvaluateThrough(next, role, inInner, scope);
                }

                return hop.Wrapper.Computed.TryGetValue(role, out IOperation? computed) ? inInner.Evaluate(computed) : ValueSet.Unknown;
            }

            /// <summary>Which mmap argument a parameter is: by ordinal for mmap itself, through the pass-through map for a wrapper.</summary>
            private static bool TryGetRole(IParameterSymbol parameter, MmapWrapper? wrapper, out MmapParameter role)
            {
                role = MmapParameter.Address;
                if (wrapper is null)
                {
                    if (parameter.Ordinal < 0 || parameter.Ordinal > (int)MmapParameter.Offset)
                    {
                        return false;
                    }

                    role = (MmapParameter)parameter.Ordinal;
                    return true;
                }

                foreach (var pair in wrapper.PassedThrough)
                {
                    if (pair.Value == parameter.Ordinal)
                    {
                        role = pair.Key;
                        return true;
                    }
                }

                return false;
            }
        }
    }
}
