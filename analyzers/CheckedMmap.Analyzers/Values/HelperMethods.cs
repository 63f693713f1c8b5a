using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Small methods in source evaluated at a call: <c>MmapFlagsToSystemFlags(flags)</c> maps an abstract enum to libc
    /// numbers with if/switch/|= per OS. The body's control flow graph is run once per combination of the arguments'
    /// values (parameters bound, conditions on them decided), and the union of what it returns is the call's value.
    /// Bounded: bodies up to a few hundred characters of source, a few nested helpers, a few dozen combinations.
    /// </summary>
    internal static class HelperMethods
    {
        private const int MaxBodyLength = 3000;
        private const int MaxNesting = 3;
        private const int MaxCombinations = 32;

        private static readonly ConditionalWeakTable<IMethodSymbol, GraphHolder> Graphs = new ConditionalWeakTable<IMethodSymbol, GraphHolder>();

        [ThreadStatic]
        private static int t_nesting;

        public static ValueSet Evaluate(IInvocationOperation invocation, ValueEvaluator caller, EvaluationScope scope, int depth)
        {
            IMethodSymbol method = invocation.TargetMethod;
            if (t_nesting >= MaxNesting || method.MethodKind != MethodKind.Ordinary || method.IsExtern || method.IsAbstract
                || method.IsVirtual || method.IsOverride || method.IsPartialDefinition
                || method.DeclaringSyntaxReferences.Length != 1 || !IsValueType(method.ReturnType))
            {
                return ValueSet.Unknown;
            }

            var bindings = new List<(IParameterSymbol Parameter, ValueSet Values)>();
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (argument.Parameter is not { } parameter || !Binding.WrapperLocals.IsPassedByValue(parameter) || argument.ArgumentKind == ArgumentKind.ParamArray)
                {
                    return ValueSet.Unknown;
                }

                // An argument of unknown value would make the helper "may be" anything it can return: stay silent instead.
                ValueSet value = caller.Evaluate(argument.Value, depth);
                if (!value.IsKnown)
                {
                    return ValueSet.Unknown;
                }

                bindings.Add((parameter.OriginalDefinition, value));
            }

            ControlFlowGraph? graph = GraphOf(method.OriginalDefinition, invocation.SemanticModel, scope);
            if (graph is null)
            {
                return ValueSet.Unknown;
            }

            t_nesting++;
            try
            {
                ValueSet result = ValueSet.Empty;
                foreach (Dictionary<IParameterSymbol, ValueSet> combination in Combinations(bindings))
                {
                    result = result.Union(LocalValueAnalysis.Returned(graph, scope, combination));
                    if (result.IsUnknown && !result.HasDescriptor)
                    {
                        return ValueSet.Unknown;
                    }
                }

                return IntegerConversions.IsTrackable(method.ReturnType)
                    ? result.Convert(v => IntegerConversions.ConvertTo(v, method.ReturnType) ?? v)
                    : result;
            }
            finally
            {
                t_nesting--;
            }
        }

        /// <summary>One binding per combination of the argument values (a product too large is bound as whole sets).</summary>
        private static IEnumerable<Dictionary<IParameterSymbol, ValueSet>> Combinations(List<(IParameterSymbol Parameter, ValueSet Values)> bindings)
        {
            int count = 1;
            foreach ((IParameterSymbol _, ValueSet values) in bindings)
            {
                count *= values.IsKnown ? values.Values.Count : 1;
                if (count > MaxCombinations)
                {
                    break;
                }
            }

            var combination = new Dictionary<IParameterSymbol, ValueSet>(SymbolEqualityComparer.Default);
            if (count > MaxCombinations)
            {
                foreach ((IParameterSymbol parameter, ValueSet values) in bindings)
                {
                    combination[parameter] = values;
                }

                yield return combination;
                yield break;
            }

            var indices = new int[bindings.Count];
            while (true)
            {
                combination = new Dictionary<IParameterSymbol, ValueSet>(SymbolEqualityComparer.Default);
                for (int i = 0; i < bindings.Count; i++)
                {
                    ValueSet values = bindings[i].Values;
                    combination[bindings[i].Parameter] = values.IsKnown ? ValueSet.Single(values.Values[indices[i]]) : values;
                }

                yield return combination;
                int position = 0;
                while (position < bindings.Count)
                {
                    ValueSet values = bindings[position].Values;
                    if (values.IsKnown && ++indices[position] < values.Values.Count)
                    {
                        break;
                    }

                    indices[position] = 0;
                    position++;
                }

                if (position == bindings.Count)
                {
                    yield break;
                }
            }
        }

        private static bool IsValueType(ITypeSymbol type) => IntegerConversions.IsTrackable(type) || type.TypeKind == TypeKind.Enum;

        private static ControlFlowGraph? GraphOf(IMethodSymbol method, SemanticModel? current, EvaluationScope scope)
        {
            if (Graphs.TryGetValue(method, out GraphHolder? known))
            {
                return known.Graph;
            }

            ControlFlowGraph? graph = null;
            SyntaxReference reference = method.DeclaringSyntaxReferences[0];
            if (reference.Span.Length <= MaxBodyLength && reference.GetSyntax() is MethodDeclarationSyntax declaration
                && scope.Models.Get(reference.SyntaxTree, current) is { } model
                && model.GetOperation(declaration) is IMethodBodyOperation body
                && !ComputesWithTypeParameters(body))
            {
                try
                {
                    graph = ControlFlowGraphs.Create(body, CancellationToken.None);
                }
                catch (ArgumentException)
                {
                    graph = null; // a body Roslyn cannot build a graph for (invalid code): not evaluated
                }
            }

            return Graphs.GetValue(method, _ => new GraphHolder(graph)).Graph;
        }

        /// <summary>Whether a body computes with values of a type parameter (its own or its type's): <c>a &gt; b</c> under
        /// <c>INumber&lt;T&gt;</c>, <c>Comparer&lt;T&gt;.Default.Compare(a, b)</c>. Their results are unknown here, and a
        /// branch on one would make the helper "may" return what it never does. A generic helper that only passes values
        /// on is evaluated like any other.</summary>
        private static bool ComputesWithTypeParameters(IOperation body)
        {
            foreach (IOperation operation in body.Descendants())
            {
                switch (operation)
                {
                    case IBinaryOperation binary when MentionsTypeParameter(binary.LeftOperand.Type) || MentionsTypeParameter(binary.RightOperand.Type):
                    case IUnaryOperation unary when MentionsTypeParameter(unary.Operand.Type):
                    case ICompoundAssignmentOperation compound when MentionsTypeParameter(compound.Target.Type):
                    case IIncrementOrDecrementOperation step when MentionsTypeParameter(step.Target.Type):
                    case IInvocationOperation invocation when MentionsTypeParameter(invocation.TargetMethod.ContainingType)
                        || MentionsTypeParameter(invocation.Instance?.Type)
                        || invocation.TargetMethod.TypeArguments.Any(t => MentionsTypeParameter(t))
                        || invocation.Arguments.Any(a => MentionsTypeParameter(a.Value.Type)):
                        return true;
                }
            }

            return false;
        }

        /// <summary>Whether <paramref name="type"/> is or is built from a type parameter (<c>T</c>, <c>T?</c>,
        /// <c>T[]</c>, <c>Comparer&lt;T&gt;</c>, a type nested in a generic one).</summary>
        private static bool MentionsTypeParameter(ITypeSymbol? type, int depth = 0)
        {
            switch (type)
            {
                case null:
                    return false;
                case ITypeParameterSymbol:
                    return true;
                case IArrayTypeSymbol array:
                    return depth < 8 && MentionsTypeParameter(array.ElementType, depth + 1);
                case IPointerTypeSymbol pointer:
                    return depth < 8 && MentionsTypeParameter(pointer.PointedAtType, depth + 1);
                case INamedTypeSymbol named:
                    return depth < 8 && (named.TypeArguments.Any(t => MentionsTypeParameter(t, depth + 1))
                        || MentionsTypeParameter(named.ContainingType, depth + 1));
                default:
                    return false;
            }
        }

        private sealed class GraphHolder
        {
            public GraphHolder(ControlFlowGraph? graph)
            {
                Graph = graph;
            }

            public ControlFlowGraph? Graph { get; }
        }
    }
}
