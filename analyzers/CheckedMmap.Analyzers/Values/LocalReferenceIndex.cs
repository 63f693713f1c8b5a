using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>Where a local reference sits: its graph, block, and operation in the block.</summary>
    internal readonly struct FlowLocation
    {
        public FlowLocation(ControlFlowGraph graph, int blockOrdinal, int operationIndex)
        {
            Graph = graph;
            BlockOrdinal = blockOrdinal;
            OperationIndex = operationIndex;
        }

        public ControlFlowGraph Graph { get; }

        public int BlockOrdinal { get; }

        /// <summary>Index in the block's operations; Operations.Length means the branch value.</summary>
        public int OperationIndex { get; }
    }

    /// <summary>
    /// Every local and parameter reference of one control flow graph by its syntax, found in one walk of the graph; the graphs of
    /// lambdas and local functions get their own index when a reference inside them is first asked for.
    /// </summary>
    internal sealed class LocalReferenceIndex
    {
        private readonly ControlFlowGraph _graph;
        private readonly Dictionary<SyntaxNode, (ISymbol Variable, FlowLocation Location)> _references =
            new Dictionary<SyntaxNode, (ISymbol, FlowLocation)>();

        private readonly List<(TextSpan Span, IFlowAnonymousFunctionOperation Function)> _lambdas = new List<(TextSpan, IFlowAnonymousFunctionOperation)>();
        private Dictionary<object, LocalReferenceIndex>? _nested;

        public LocalReferenceIndex(ControlFlowGraph graph)
        {
            _graph = graph;
            foreach (BasicBlock block in graph.Blocks)
            {
                int count = block.Operations.Length + (block.BranchValue is null ? 0 : 1);
                for (int i = 0; i < count; i++)
                {
                    IOperation op = i < block.Operations.Length ? block.Operations[i] : block.BranchValue!;
                    foreach (IOperation d in OperationWalk.WithoutNestedFunctions(op))
                    {
                        ISymbol? variable = d switch
                        {
                            ILocalReferenceOperation local => local.Local,
                            IParameterReferenceOperation parameter => parameter.Parameter,
                            _ => null,
                        };
                        if (variable is not null && !_references.ContainsKey(d.Syntax))
                        {
                            _references.Add(d.Syntax, (variable, new FlowLocation(graph, block.Ordinal, i)));
                        }
                        else if (d is IFlowAnonymousFunctionOperation function)
                        {
                            _lambdas.Add((function.Syntax.Span, function));
                        }
                    }
                }
            }
        }

        /// <summary>Finds the graph, block and operation that hold the reference (same syntax node, same local or parameter).</summary>
        public bool TryLocate(SyntaxNode syntax, ISymbol local, out FlowLocation location)
        {
            if (_references.TryGetValue(syntax, out var found))
            {
                location = found.Location;
                return SymbolEqualityComparer.Default.Equals(found.Variable, local);
            }

            TextSpan span = syntax.Span;
            foreach ((TextSpan lambdaSpan, IFlowAnonymousFunctionOperation function) in _lambdas)
            {
                if (lambdaSpan.Contains(span) && Nested(function, () => _graph.GetAnonymousFunctionControlFlowGraph(function)).TryLocate(syntax, local, out location))
                {
                    return true;
                }
            }

            foreach (IMethodSymbol localFunction in _graph.LocalFunctions)
            {
                foreach (SyntaxReference reference in localFunction.DeclaringSyntaxReferences)
                {
                    if (reference.SyntaxTree == syntax.SyntaxTree && reference.Span.Contains(span)
                        && Nested(localFunction, () => _graph.GetLocalFunctionControlFlowGraph(localFunction)).TryLocate(syntax, local, out location))
                    {
                        return true;
                    }
                }
            }

            location = default;
            return false;
        }

        private LocalReferenceIndex Nested(object key, System.Func<ControlFlowGraph> graph)
        {
            _nested ??= new Dictionary<object, LocalReferenceIndex>();
            if (!_nested.TryGetValue(key, out LocalReferenceIndex? index))
            {
                index = new LocalReferenceIndex(graph());
                _nested.Add(key, index);
            }

            return index;
        }
    }

    /// <summary>Walks of operation trees shared by the dataflow and its index.</summary>
    internal static class OperationWalk
    {
        /// <summary>The operand under built-in conversions and parentheses (<c>(object)x</c>, <c>(int)e</c>): the value itself.</summary>
        public static IOperation? Unconverted(IOperation? operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation { OperatorMethod: null } conversion:
                        operation = conversion.Operand;
                        break;
                    case IParenthesizedOperation parenthesized:
                        operation = parenthesized.Operand;
                        break;
                    default:
                        return operation;
                }
            }
        }

        /// <summary>
        /// Whether a variable reference is written where it stands: an assignment's target (any kind), <c>++</c>/<c>--</c>,
        /// its address taken, an <c>out</c>/<c>ref</c> argument, or an <c>out var</c> declaration.
        /// </summary>
        public static bool IsWrite(IOperation reference)
        {
            IOperation? parent = reference.Parent;
            switch (parent)
            {
                case IAssignmentOperation assignment when assignment.Target == reference:
                    return true;
                case IIncrementOrDecrementOperation:
                case IAddressOfOperation:
                    return true;
                case IArgumentOperation argument:
                    return argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out;
                case IDeclarationExpressionOperation:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Pre-order walk that does not enter nested functions (their bodies have their own graphs).</summary>
        public static IEnumerable<IOperation> WithoutNestedFunctions(IOperation root)
        {
            var stack = new Stack<IOperation>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                IOperation op = stack.Pop();
                yield return op;
                if (op is IFlowAnonymousFunctionOperation || op is IAnonymousFunctionOperation || op is ILocalFunctionOperation)
                {
                    continue;
                }

                foreach (IOperation child in op.ChildOperations)
                {
                    stack.Push(child);
                }
            }
        }
    }
}
