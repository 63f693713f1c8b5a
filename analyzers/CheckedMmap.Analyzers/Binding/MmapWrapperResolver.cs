using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Collections.Immutable;
using CheckedMmap.Analyzers.Values;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// One level of wrappers: a source method (Ryujinx's <c>Mmap</c>, RavenDB's <c>mmap64</c>) whose body calls an mmap
    /// binding and passes some of its own parameters straight through as mmap's arguments (or computes them from its
    /// parameters). Its call sites are judged on those arguments. A method that calls mmap with none of its parameters
    /// is a wrapper that passes nothing (<see cref="MmapWrapper.PassesArguments"/>): only its result matters, to the
    /// lifetime rules. Only methods whose calls <see cref="CandidateNames"/> lets through are looked at, once each.
    /// </summary>
    internal sealed class MmapWrapperResolver
    {
        private readonly MmapCallResolver _bindings;
        private readonly SemanticModelProvider _models;
        private readonly ConcurrentDictionary<IMethodSymbol, MmapWrapper?> _cache =
            new ConcurrentDictionary<IMethodSymbol, MmapWrapper?>(SymbolEqualityComparer.Default);

        private readonly CandidateNames _names;

        public MmapWrapperResolver(MmapCallResolver bindings, SemanticModelProvider models, CandidateNames names)
        {
            _bindings = bindings;
            _names = names;
            _models = models;
        }

        /// <summary>How many wrappers deep mmap is followed: a wrapper, a wrapper of it, and one more.</summary>
        public const int MaxNesting = 3;

        // The wrappers this thread is computing: a wrapper that (through others) calls itself is not followed into itself.
        [ThreadStatic]
        private static HashSet<IMethodSymbol>? t_inProgress;

        public MmapWrapper? Resolve(IMethodSymbol? method, SemanticModel current)
        {
            if (method is null || method.IsExtern || method.IsAbstract || method.DeclaringSyntaxReferences.Length != 1)
            {
                return null;
            }

            IMethodSymbol key = method.OriginalDefinition;
            if (_cache.TryGetValue(key, out MmapWrapper? known))
            {
                return known;
            }

            HashSet<IMethodSymbol> inProgress = t_inProgress ??= new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            if (!inProgress.Add(key))
            {
                return null;
            }

            try
            {
                return _cache.GetOrAdd(key, Compute(key, current));
            }
            finally
            {
                inProgress.Remove(key);
            }
        }

        private MmapWrapper? Compute(IMethodSymbol wrapper, SemanticModel current)
        {
            SyntaxReference reference = wrapper.DeclaringSyntaxReferences[0];
            SyntaxNode declaration = reference.GetSyntax();
            SemanticModel? model = _models.Get(reference.SyntaxTree, current);
            if (model is null)
            {
                return null;
            }

            MmapWrapper? first = null, nested = null;
            foreach (InvocationExpressionSyntax call in CallNames.CallsRunBy(declaration))
            {
                string? name = CallNames.InvokedName(call.Expression);
                if (name is null || !_names.MayBeBinding(name) && !_names.MayBeWrapper(name)
                    || model.GetOperation(call) is not IInvocationOperation invocation)
                {
                    continue;
                }

                if (_bindings.Resolve(invocation.TargetMethod) is not { } binding)
                {
                    nested ??= Through(invocation, wrapper, current);
                    continue;
                }

                var passed = ImmutableDictionary.CreateBuilder<MmapParameter, int>();
                var computed = ImmutableDictionary.CreateBuilder<MmapParameter, IOperation>();
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (argument.Parameter is not { } parameter || parameter.Ordinal <= (int)MmapParameter.Address || parameter.Ordinal > (int)MmapParameter.Offset)
                    {
                        continue;
                    }

                    IOperation value = WrapperLocals.ValueOf(argument.Value, model, declaration);
                    if (PassedStraightThrough(value, wrapper) is { } own)
                    {
                        passed[(MmapParameter)parameter.Ordinal] = own.Ordinal;
                    }
                    else if (ReadsOwnParameter(value, wrapper))
                    {
                        // MmapFlagsToSystemFlags(flags), flags | MAP_ANONYMOUS: evaluated at each call site with its values.
                        computed[(MmapParameter)parameter.Ordinal] = value;
                    }
                }

                if (passed.Count > 0 || computed.Count > 0)
                {
                    // A guard before this call says nothing of another mmap the wrapper may make on another path.
                    ImmutableArray<WrapperGuard> guards = OnlyMmapCall(declaration, call) ? GuardsOf(invocation, wrapper, model) : ImmutableArray<WrapperGuard>.Empty;
                    return new MmapWrapper(binding, passed.ToImmutable(), computed.ToImmutable(), ConstantArguments(invocation), guards);
                }

                // MapPage() => mmap(…, 4096, …): no argument of its callers reaches mmap, but what it returns may be mmap's result.
                first ??= new MmapWrapper(binding, ImmutableDictionary<MmapParameter, int>.Empty, ImmutableDictionary<MmapParameter, IOperation>.Empty, ConstantArguments(invocation));
            }

            return first ?? nested;
        }

        /// <summary>
        /// A wrapper of a wrapper: <paramref name="call"/>, in the body of <paramref name="outer"/>, calls a wrapper that
        /// hands mmap some of its parameters, and hands it some of <paramref name="outer"/>'s. mmap's arguments are then
        /// computed through the call (<see cref="MmapWrapper.Through"/>), straight parameters staying straight.
        /// </summary>
        private MmapWrapper? Through(IInvocationOperation call, IMethodSymbol outer, SemanticModel current)
        {
            if (Resolve(call.TargetMethod, current) is not { PassesArguments: true } inner || inner.Nesting >= MaxNesting)
            {
                return null;
            }

            // The guards on the way to the inner wrapper, and the inner wrapper's own, count only when it is the outer one's only mmap.
            bool only = call.SemanticModel is not null && call.Syntax is InvocationExpressionSyntax callSyntax && outer.DeclaringSyntaxReferences.Length == 1
                && OnlyMmapCall(outer.DeclaringSyntaxReferences[0].GetSyntax(), callSyntax);
            var passed = ImmutableDictionary.CreateBuilder<MmapParameter, int>();
            var through = ImmutableDictionary.CreateBuilder<MmapParameter, WrapperHop>();
            var constants = inner.Constants.ToBuilder();
            foreach (MmapParameter role in Roles(inner))
            {
                ImmutableArray<int> innerSources = SourcesOf(inner, call.TargetMethod.OriginalDefinition, role);
                var sources = new SortedSet<int>();
                bool straight = innerSources.Length == 1 && inner.PassedThrough.ContainsKey(role);
                foreach (int ordinal in innerSources)
                {
                    if (ArgumentFor(call.Arguments, ordinal) is not { } argument)
                    {
                        straight = false;
                        continue;
                    }

                    if (PassedStraightThrough(argument.Value, outer) is { } own)
                    {
                        sources.Add(own.Ordinal);
                        continue;
                    }

                    straight = false;
                    foreach (IParameterReferenceOperation read in WrapperLocals.ParametersRead(argument.Value))
                    {
                        if (WrapperLocals.IsPassedByValue(read.Parameter) && SymbolEqualityComparer.Default.Equals(read.Parameter.ContainingSymbol, outer))
                        {
                            sources.Add(read.Parameter.Ordinal);
                        }
                    }
                }

                if (sources.Count == 0)
                {
                    continue; // the inner wrapper's argument is the outer wrapper's own business (a constant, a field): judged there
                }

                constants.Remove(role);
                if (straight && sources.Count == 1)
                {
                    passed[role] = sources.Min;
                }
                else
                {
                    through[role] = new WrapperHop(call, inner, sources.ToImmutableArray());
                }
            }

            return passed.Count == 0 && through.Count == 0
                ? null
                : new MmapWrapper(inner.Inner, passed.ToImmutable(), ImmutableDictionary<MmapParameter, IOperation>.Empty, constants.ToImmutable(), through.ToImmutable(), inner.Nesting + 1,
                    only ? GuardsOf(call, outer, call.SemanticModel!) : ImmutableArray<WrapperGuard>.Empty,
                    only ? new WrapperHop(call, inner, ImmutableArray<int>.Empty) : null);
        }

        /// <summary>
        /// The conditions on the way from the wrapper's body to <paramref name="call"/> that read the wrapper's parameters
        /// as its caller passed them: guards before it in its block and the blocks around it (<c>if (c) throw/return …;</c>
        /// without an else: reached when c is false), the <c>if</c> or <c>else</c> it sits in, the arm of a <c>?:</c>, the right
        /// side of <c>&amp;&amp;</c> or <c>||</c>. A label on the way could be jumped to past them: none is taken then.
        /// </summary>
        private static ImmutableArray<WrapperGuard> GuardsOf(IInvocationOperation call, IMethodSymbol wrapper, SemanticModel model)
        {
            ImmutableArray<WrapperGuard>.Builder? guards = null;
            void Add(ExpressionSyntax condition, bool reachedWhen)
            {
                // Each side of a && that must hold (or of a || that must not) is a guard of its own; ! flips one.
                switch (condition)
                {
                    case ParenthesizedExpressionSyntax parenthesized:
                        Add(parenthesized.Expression, reachedWhen);
                        return;
                    case PrefixUnaryExpressionSyntax not when not.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LogicalNotExpression):
                        Add(not.Operand, !reachedWhen);
                        return;
                    case BinaryExpressionSyntax both when reachedWhen && both.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LogicalAndExpression):
                    case BinaryExpressionSyntax neither when !reachedWhen && neither.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LogicalOrExpression):
                        var sides = (BinaryExpressionSyntax)condition;
                        Add(sides.Left, reachedWhen);
                        Add(sides.Right, reachedWhen);
                        return;
                }

                if (model.GetOperation(condition) is { } operation
                    && WrapperLocals.ParametersRead(operation).Any(read => SymbolEqualityComparer.Default.Equals(read.Parameter.ContainingSymbol, wrapper)
                        && WrapperLocals.HoldsCallersValue(read.Parameter, read)))
                {
                    (guards ??= ImmutableArray.CreateBuilder<WrapperGuard>()).Add(new WrapperGuard(operation, reachedWhen));
                }
            }

            SyntaxNode node = call.Syntax;
            while (node.Parent is { } parent && parent is not MemberDeclarationSyntax && parent is not AnonymousFunctionExpressionSyntax
                   && parent is not LocalFunctionStatementSyntax)
            {
                if (Values.PathConditions.TryConditionOf(parent, node, out ExpressionSyntax condition, out bool reachedWhen))
                {
                    Add(condition, reachedWhen);
                }

                switch (parent)
                {
                    case LabeledStatementSyntax:
                        return ImmutableArray<WrapperGuard>.Empty; // a goto can reach the call past every guard
                    case BlockSyntax block when node is StatementSyntax statement:
                        for (int i = block.Statements.IndexOf(statement) - 1; i >= 0; i--)
                        {
                            if (block.Statements[i] is LabeledStatementSyntax)
                            {
                                return ImmutableArray<WrapperGuard>.Empty;
                            }

                            if (block.Statements[i] is IfStatementSyntax { Else: null } guard && Values.OsConditions.Leaves(guard.Statement))
                            {
                                Add(guard.Condition, reachedWhen: false);
                            }
                        }

                        break;
                }

                node = parent;
            }

            return guards?.ToImmutable() ?? ImmutableArray<WrapperGuard>.Empty;
        }

        /// <summary>Whether <paramref name="call"/> is the only call the declaration runs that may be a binding or a wrapper.</summary>
        private bool OnlyMmapCall(SyntaxNode declaration, InvocationExpressionSyntax call)
        {
            foreach (InvocationExpressionSyntax other in CallNames.CallsRunBy(declaration))
            {
                if (other != call && CallNames.InvokedName(other.Expression) is { } name && (_names.MayBeBinding(name) || _names.MayBeWrapper(name)))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The mmap parameters a wrapper's callers reach.</summary>
        private static IEnumerable<MmapParameter> Roles(MmapWrapper wrapper) =>
            wrapper.PassedThrough.Keys.Concat(wrapper.Computed.Keys).Concat(wrapper.Through.Keys).Distinct();

        /// <summary>The ordinals of the parameters of <paramref name="method"/> (the wrapper) that mmap's <paramref name="role"/> argument is computed from.</summary>
        private static ImmutableArray<int> SourcesOf(MmapWrapper wrapper, IMethodSymbol method, MmapParameter role)
        {
            if (wrapper.PassedThrough.TryGetValue(role, out int ordinal))
            {
                return ImmutableArray.Create(ordinal);
            }

            if (wrapper.Through.TryGetValue(role, out WrapperHop? hop))
            {
                return hop.Sources;
            }

            if (wrapper.Computed.TryGetValue(role, out IOperation? computed))
            {
                return WrapperLocals.ParametersRead(computed)
                    .Where(read => WrapperLocals.IsPassedByValue(read.Parameter) && SymbolEqualityComparer.Default.Equals(read.Parameter.ContainingSymbol, method))
                    .Select(read => read.Parameter.Ordinal)
                    .Distinct()
                    .OrderBy(o => o)
                    .ToImmutableArray();
            }

            return ImmutableArray<int>.Empty;
        }

        /// <summary>The argument among a call's <paramref name="arguments"/> for the callee's parameter <paramref name="ordinal"/> (not a params array).</summary>
        public static IArgumentOperation? ArgumentFor(ImmutableArray<IArgumentOperation> arguments, int ordinal)
        {
            foreach (IArgumentOperation argument in arguments)
            {
                if (argument.Parameter?.Ordinal == ordinal && argument.ArgumentKind != ArgumentKind.ParamArray)
                {
                    return argument;
                }
            }

            return null;
        }

        /// <summary>The wrapper's own by-value parameter that <paramref name="value"/> (an argument of the binding call in
        /// its body) is, conversions aside; null when the argument is anything else.</summary>
        public static IParameterSymbol? PassedStraightThrough(IOperation value, IMethodSymbol wrapper) =>
            WrapperLocals.Unconverted(value) is IParameterReferenceOperation { Parameter: { IsParams: false } parameter } read
                && WrapperLocals.HoldsCallersValue(parameter, read) && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, wrapper)
                ? parameter
                : null;

        /// <summary>The arguments of the wrapper's mmap call that are compile-time numbers, by mmap parameter.</summary>
        private static ImmutableDictionary<MmapParameter, long> ConstantArguments(IInvocationOperation call)
        {
            ImmutableDictionary<MmapParameter, long>.Builder? constants = null;
            foreach (IArgumentOperation argument in call.Arguments)
            {
                if (argument.Parameter is { Ordinal: > (int)MmapParameter.Address and <= (int)MmapParameter.Offset } parameter
                    && argument.Value.ConstantValue is { HasValue: true, Value: { } value }
                    && IntegerConversions.FromConstant(value) is { } number)
                {
                    (constants ??= ImmutableDictionary.CreateBuilder<MmapParameter, long>())[(MmapParameter)parameter.Ordinal] = number;
                }
            }

            return constants?.ToImmutable() ?? ImmutableDictionary<MmapParameter, long>.Empty;
        }

        /// <summary>Whether the expression reads a by-value parameter of the wrapper, directly or through locals whose only write is their initializer.</summary>
        private static bool ReadsOwnParameter(IOperation value, IMethodSymbol wrapper) =>
            WrapperLocals.ParametersRead(value).Any(read => WrapperLocals.IsPassedByValue(read.Parameter) && SymbolEqualityComparer.Default.Equals(read.Parameter.ContainingSymbol, wrapper));
    }
}
