using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// The values a local can hold at one reference: a forward reaching-definitions dataflow over the control flow
    /// graph of the enclosing body (or lambda / local function), with value SETS as the lattice (bounded by
    /// <see cref="ValueSet.MaxCount"/>, Unknown on top). Handles compound assignments and <c>|=</c> chains across
    /// branches and loops. A local whose address is taken, that is passed by ref/out, aliased by a ref local,
    /// deconstructed into, declared by a pattern, written in a nested function or in a catch/finally region is Unknown.
    /// Built lazily, only when an mmap argument reads a local.
    /// </summary>
    internal sealed class LocalValueAnalysis : ILocalValueSource
    {
        private readonly Func<ControlFlowGraph?> _rootGraph;
        private readonly EvaluationScope _scope;
        private readonly Dictionary<ControlFlowGraph, GraphFlow> _flows = new Dictionary<ControlFlowGraph, GraphFlow>();

        public LocalValueAnalysis(Func<ControlFlowGraph?> rootGraph, EvaluationScope scope)
        {
            _rootGraph = rootGraph;
            _scope = scope;
        }

        public ValueSet ValueOf(ILocalReferenceOperation reference)
        {
            ILocalSymbol local = reference.Local;
            if (local.RefKind != RefKind.None || local.IsConst || reference.Syntax is null)
            {
                return ValueSet.Unknown;
            }

            if (TrySingleDefinition(reference, out ValueSet single))
            {
                return single;
            }

            ControlFlowGraph? root = _rootGraph();
            if (root is null || !TryLocate(root, reference.Syntax, local, out Location location))
            {
                return ValueSet.Unknown;
            }

            if (!_flows.TryGetValue(location.Graph, out GraphFlow? flow))
            {
                flow = new GraphFlow(location.Graph, _scope);
                _flows.Add(location.Graph, flow);
            }

            return flow.ValueAt(location.BlockOrdinal, location.OperationIndex, reference.Syntax.SpanStart, local);
        }

        private int _singleDefinitionDepth;

        /// <summary>
        /// The common case without a control flow graph: a local declared with an initializer and never written again
        /// anywhere in its member (no assignment, ++/--, ref/out/in argument, ref or address taken, also not in lambdas
        /// and local functions) holds its initializer's value wherever it is read. Anything else goes to the dataflow.
        /// </summary>
        private bool TrySingleDefinition(ILocalReferenceOperation reference, out ValueSet value)
        {
            value = ValueSet.Unknown;
            ILocalSymbol local = reference.Local;
            if (_singleDefinitionDepth > 8 || local.DeclaringSyntaxReferences.Length != 1 || reference.SemanticModel is null
                || local.DeclaringSyntaxReferences[0].GetSyntax() is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator
                || declarator.Parent?.Parent is not LocalDeclarationStatementSyntax
                || declarator.SyntaxTree != reference.Syntax.SyntaxTree)
            {
                return false;
            }

            SyntaxNode? scope = declarator.FirstAncestorOrSelf<MemberDeclarationSyntax>();
            if (scope is GlobalStatementSyntax)
            {
                scope = scope.Parent; // top-level statements share their locals across statements
            }

            if (scope is null || IsWrittenIn(scope, local.Name))
            {
                return false;
            }

            IOperation? operation = reference.SemanticModel.GetOperation(initializer);
            if (operation is null)
            {
                return false;
            }

            _singleDefinitionDepth++;
            try
            {
                ValueSet initial = new ValueEvaluator(_scope, this).Evaluate(operation);
                value = IntegerConversions.IsTrackable(local.Type) ? initial.Map(v => IntegerConversions.ConvertTo(v, local.Type) ?? v) : initial;
                return true;
            }
            finally
            {
                _singleDefinitionDepth--;
            }
        }

        /// <summary>Conservative: any identifier of this name in a write position (whatever it binds to) counts.</summary>
        private static bool IsWrittenIn(SyntaxNode scope, string name)
        {
            foreach (SyntaxNode node in scope.DescendantNodes())
            {
                if (node is IdentifierNameSyntax identifier && identifier.Identifier.ValueText == name && IsWritePosition(identifier))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsWritePosition(IdentifierNameSyntax identifier)
        {
            for (SyntaxNode? node = identifier.Parent; node is not null && node is not StatementSyntax && node is not MemberDeclarationSyntax; node = node.Parent)
            {
                switch (node)
                {
                    case AssignmentExpressionSyntax assignment when assignment.Left.Span.Contains(identifier.Span):
                        return true;
                    case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression) || prefix.IsKind(SyntaxKind.AddressOfExpression):
                        return true;
                    case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
                        return true;
                    case ArgumentSyntax argument when !argument.RefKindKeyword.IsKind(SyntaxKind.None):
                        return true;
                    case RefExpressionSyntax:
                        return true;
                }
            }

            return false;
        }

        // At the call site, captures belong to the original tree: there are none.
        public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => ValueSet.Unknown;

        private readonly struct Location
        {
            public Location(ControlFlowGraph graph, int blockOrdinal, int operationIndex)
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

        /// <summary>Finds the graph, block and operation that hold the reference (same syntax node, same local).</summary>
        private static bool TryLocate(ControlFlowGraph graph, SyntaxNode syntax, ILocalSymbol local, out Location location)
        {
            TextSpan span = syntax.Span;
            var nested = new List<ControlFlowGraph>();
            foreach (BasicBlock block in graph.Blocks)
            {
                int count = block.Operations.Length + (block.BranchValue is null ? 0 : 1);
                for (int i = 0; i < count; i++)
                {
                    IOperation op = i < block.Operations.Length ? block.Operations[i] : block.BranchValue!;
                    if (!op.Syntax.Span.Contains(span) && !span.Contains(op.Syntax.Span) && !op.Syntax.Span.OverlapsWith(span))
                    {
                        continue;
                    }

                    foreach (IOperation d in Walk(op))
                    {
                        if (d is ILocalReferenceOperation lr && lr.Syntax == syntax && SymbolEqualityComparer.Default.Equals(lr.Local, local))
                        {
                            location = new Location(graph, block.Ordinal, i);
                            return true;
                        }

                        if (d is IFlowAnonymousFunctionOperation function && function.Syntax.Span.Contains(span))
                        {
                            nested.Add(graph.GetAnonymousFunctionControlFlowGraph(function));
                        }
                    }
                }
            }

            foreach (IMethodSymbol localFunction in graph.LocalFunctions)
            {
                foreach (SyntaxReference reference in localFunction.DeclaringSyntaxReferences)
                {
                    if (reference.SyntaxTree == syntax.SyntaxTree && reference.Span.Contains(span))
                    {
                        nested.Add(graph.GetLocalFunctionControlFlowGraph(localFunction));
                    }
                }
            }

            foreach (ControlFlowGraph inner in nested)
            {
                if (TryLocate(inner, syntax, local, out location))
                {
                    return true;
                }
            }

            location = default;
            return false;
        }

        /// <summary>Pre-order walk that does not enter nested functions (their bodies have their own graphs).</summary>
        private static IEnumerable<IOperation> Walk(IOperation root)
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

        /// <summary>The fixpoint for one graph: the state (value of every tracked local and capture) entering each block.</summary>
        private sealed class GraphFlow
        {
            private readonly ControlFlowGraph _graph;
            private readonly EvaluationScope _scope;
            private readonly HashSet<ILocalSymbol> _declared = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            private readonly HashSet<ILocalSymbol> _tainted = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);

            // The graph captures an assignment's target (flow capture of a local reference) when the right-hand side
            // branches, so "flags = c ? a : b" assigns through a capture: this maps such captures back to their local.
            private readonly Dictionary<CaptureId, ILocalSymbol> _capturedLocals = new Dictionary<CaptureId, ILocalSymbol>();
            private readonly State?[] _entry;
            private readonly bool _converged;

            public GraphFlow(ControlFlowGraph graph, EvaluationScope scope)
            {
                _graph = graph;
                _scope = scope;
                CollectDeclared(graph.Root);
                CollectCapturedLocals();
                CollectTainted();
                _entry = new State?[graph.Blocks.Length];
                _converged = Solve();
            }

            public ValueSet ValueAt(int blockOrdinal, int operationIndex, int referenceStart, ILocalSymbol local)
            {
                if (!_converged || _tainted.Contains(local) || !_declared.Contains(local))
                {
                    return ValueSet.Unknown;
                }

                State? entry = _entry[blockOrdinal];
                if (entry is null)
                {
                    return ValueSet.Empty; // unreachable
                }

                State state = entry.Clone();
                BasicBlock block = _graph.Blocks[blockOrdinal];
                for (int i = 0; i < operationIndex && i < block.Operations.Length; i++)
                {
                    Transfer(block.Operations[i], state, limit: int.MaxValue);
                }

                IOperation? containing = operationIndex < block.Operations.Length ? block.Operations[operationIndex] : block.BranchValue;
                if (containing is not null)
                {
                    // Writes inside the same statement that finish before the reference (C# evaluates left to right).
                    Transfer(containing, state, limit: referenceStart);
                }

                return state.Get(local);
            }

            private void CollectDeclared(ControlFlowRegion region)
            {
                foreach (ILocalSymbol local in region.Locals)
                {
                    _declared.Add(local);
                }

                foreach (ControlFlowRegion nested in region.NestedRegions)
                {
                    CollectDeclared(nested);
                }
            }

            private void CollectCapturedLocals()
            {
                foreach (BasicBlock block in _graph.Blocks)
                {
                    foreach (IOperation op in AllOperations(block))
                    {
                        foreach (IOperation d in Walk(op))
                        {
                            if (d is IFlowCaptureOperation { Value: ILocalReferenceOperation captured } capture)
                            {
                                _capturedLocals[capture.Id] = captured.Local;
                            }
                        }
                    }
                }
            }

            /// <summary>The local an assignment writes: directly, or through a capture of the local's reference.</summary>
            private ILocalSymbol? TargetLocal(IOperation target) => target switch
            {
                ILocalReferenceOperation local => local.Local,
                IFlowCaptureReferenceOperation capture when _capturedLocals.TryGetValue(capture.Id, out ILocalSymbol? local) => local,
                _ => null,
            };

            private void CollectTainted()
            {
                foreach (BasicBlock block in _graph.Blocks)
                {
                    bool exceptional = IsInExceptionalRegion(block);
                    foreach (IOperation op in AllOperations(block))
                    {
                        foreach (IOperation d in Walk(op))
                        {
                            TaintFrom(d, exceptional);
                        }
                    }
                }

                // Writes from nested lambdas and local functions (their bodies are not in this graph's blocks).
                foreach (IOperation d in _graph.OriginalOperation.Descendants())
                {
                    if (d is ILocalReferenceOperation lr && IsWrite(lr) && IsInsideNestedFunction(lr))
                    {
                        _tainted.Add(lr.Local);
                    }
                }
            }

            private static IEnumerable<IOperation> AllOperations(BasicBlock block)
            {
                foreach (IOperation op in block.Operations)
                {
                    yield return op;
                }

                if (block.BranchValue is not null)
                {
                    yield return block.BranchValue;
                }
            }

            private void TaintFrom(IOperation op, bool exceptionalRegion)
            {
                switch (op)
                {
                    case ILocalReferenceOperation lr when IsAliased(lr) || (exceptionalRegion && IsWrite(lr)):
                        _tainted.Add(lr.Local);
                        break;
                    case IAssignmentOperation assignment when exceptionalRegion && TargetLocal(assignment.Target) is { } written:
                        _tainted.Add(written);
                        break;
                    case IIncrementOrDecrementOperation step when exceptionalRegion && TargetLocal(step.Target) is { } stepped:
                        _tainted.Add(stepped);
                        break;
                    case ISimpleAssignmentOperation { IsRef: true, Value: ILocalReferenceOperation aliased }:
                        _tainted.Add(aliased.Local);
                        break;
                    case IDeconstructionAssignmentOperation deconstruction:
                        foreach (IOperation d in deconstruction.Target.DescendantsAndSelf())
                        {
                            if (d is ILocalReferenceOperation target)
                            {
                                _tainted.Add(target.Local);
                            }
                        }

                        break;
                    case IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                        _tainted.Add(declared);
                        break;
                    case IRecursivePatternOperation { DeclaredSymbol: ILocalSymbol declared }:
                        _tainted.Add(declared);
                        break;
                }
            }

            /// <summary>Address taken, or passed by ref/out (the callee or a pointer may write it behind our back).</summary>
            private static bool IsAliased(ILocalReferenceOperation reference)
            {
                IOperation? parent = reference.Parent;
                if (parent is IDeclarationExpressionOperation)
                {
                    parent = parent.Parent;
                }

                return parent is IAddressOfOperation
                    || (parent is IArgumentOperation argument && argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out)
                    || (parent is IArgumentOperation { Parameter: null });
            }

            private static bool IsWrite(ILocalReferenceOperation reference)
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

            private bool IsInsideNestedFunction(IOperation op)
            {
                for (IOperation? p = op.Parent; p is not null && p != _graph.OriginalOperation; p = p.Parent)
                {
                    if (p is IAnonymousFunctionOperation || p is ILocalFunctionOperation)
                    {
                        return true;
                    }
                }

                return false;
            }

            private static bool IsInExceptionalRegion(BasicBlock block)
            {
                for (ControlFlowRegion? r = block.EnclosingRegion; r is not null; r = r.EnclosingRegion)
                {
                    if (r.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.Filter or ControlFlowRegionKind.Finally or ControlFlowRegionKind.FilterAndHandler)
                    {
                        return true;
                    }
                }

                return false;
            }

            private bool Solve()
            {
                ImmutableArray<BasicBlock> blocks = _graph.Blocks;
                _entry[0] = new State();
                var work = new Queue<int>();
                var queued = new bool[blocks.Length];
                work.Enqueue(0);
                queued[0] = true;
                int budget = 64 * (blocks.Length + 1);
                while (work.Count > 0)
                {
                    if (--budget < 0)
                    {
                        return false;
                    }

                    int ordinal = work.Dequeue();
                    queued[ordinal] = false;
                    BasicBlock block = blocks[ordinal];
                    State state = _entry[ordinal]!.Clone();
                    foreach (IOperation op in block.Operations)
                    {
                        Transfer(op, state, int.MaxValue);
                    }

                    bool? branch = null;
                    if (block.BranchValue is not null)
                    {
                        Transfer(block.BranchValue, state, int.MaxValue);
                        if (block.ConditionKind != ControlFlowConditionKind.None)
                        {
                            branch = OsConditions.Evaluate(block.BranchValue, _scope.Target);
                        }
                    }

                    bool jumpOnTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    if (block.ConditionalSuccessor?.Destination is { } conditional && (branch is null || branch == jumpOnTrue))
                    {
                        Propagate(conditional.Ordinal, state, work, queued);
                    }

                    bool fallThroughTaken = block.ConditionKind == ControlFlowConditionKind.None || branch is null || branch != jumpOnTrue;
                    if (block.FallThroughSuccessor?.Destination is { } next && fallThroughTaken)
                    {
                        Propagate(next.Ordinal, state, work, queued);
                    }
                }

                return true;
            }

            private void Propagate(int target, State state, Queue<int> work, bool[] queued)
            {
                State? existing = _entry[target];
                State merged = existing is null ? state.Clone() : existing.Merge(state);
                if (existing is null || !merged.SameAs(existing))
                {
                    _entry[target] = merged;
                    if (!queued[target])
                    {
                        queued[target] = true;
                        work.Enqueue(target);
                    }
                }
            }

            /// <summary>Applies the writes of one operation in evaluation order (children first); only those ending before <paramref name="limit"/>.</summary>
            private void Transfer(IOperation op, State state, int limit)
            {
                if (op is IFlowAnonymousFunctionOperation || op is IAnonymousFunctionOperation || op is ILocalFunctionOperation)
                {
                    return;
                }

                foreach (IOperation child in op.ChildOperations)
                {
                    Transfer(child, state, limit);
                }

                if (op.Syntax.Span.End > limit)
                {
                    return;
                }

                var evaluator = new ValueEvaluator(_scope, new StateSource(this, state));
                switch (op)
                {
                    case IFlowCaptureOperation capture:
                        state.Set(capture.Id, evaluator.Evaluate(capture.Value));
                        break;
                    case ISimpleAssignmentOperation assignment when TargetLocal(assignment.Target) is { } local:
                        state.Set(local, assignment.IsRef ? ValueSet.Unknown : evaluator.Evaluate(assignment.Value));
                        break;
                    case ICompoundAssignmentOperation compound when TargetLocal(compound.Target) is { } local:
                        state.Set(local, evaluator.Evaluate(compound));
                        break;
                    case IIncrementOrDecrementOperation step when TargetLocal(step.Target) is { } local:
                        {
                            long delta = step.Kind == OperationKind.Increment ? 1 : -1;
                            ITypeSymbol? type = step.Target.Type;
                            ValueSet before = state.Get(local);
                            state.Set(local, step.OperatorMethod is null && IntegerConversions.IsTrackable(type)
                                ? before.Map(v => IntegerConversions.ConvertTo(unchecked(v + delta), type) ?? v)
                                : ValueSet.Unknown);
                            break;
                        }

                    case ICoalesceAssignmentOperation coalesce when TargetLocal(coalesce.Target) is { } local:
                        state.Set(local, ValueSet.Unknown);
                        break;
                }
            }

            private sealed class StateSource : ILocalValueSource
            {
                private readonly GraphFlow _flow;
                private readonly State _state;

                public StateSource(GraphFlow flow, State state)
                {
                    _flow = flow;
                    _state = state;
                }

                public ValueSet ValueOf(ILocalReferenceOperation reference)
                {
                    ILocalSymbol local = reference.Local;
                    if (local.IsConst || local.RefKind != RefKind.None || _flow._tainted.Contains(local) || !_flow._declared.Contains(local))
                    {
                        return ValueSet.Unknown;
                    }

                    return _state.Get(local);
                }

                public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => _state.Get(capture.Id);
            }
        }

        /// <summary>Values of locals (keyed by symbol) and flow captures (keyed by CaptureId) at one program point.</summary>
        private sealed class State
        {
            private readonly Dictionary<object, ValueSet> _values;

            public State()
                : this(new Dictionary<object, ValueSet>(KeyComparer.Instance))
            {
            }

            private State(Dictionary<object, ValueSet> values)
            {
                _values = values;
            }

            /// <summary>A local no definition reached is Empty (never reported); a capture nobody set is Unknown.</summary>
            public ValueSet Get(ILocalSymbol local) => _values.TryGetValue(local, out ValueSet? v) ? v : ValueSet.Empty;

            public ValueSet Get(CaptureId id) => _values.TryGetValue(id, out ValueSet? v) ? v : ValueSet.Unknown;

            public void Set(ILocalSymbol local, ValueSet value) => _values[local] = value;

            public void Set(CaptureId id, ValueSet value) => _values[id] = value;

            public State Clone() => new State(new Dictionary<object, ValueSet>(_values, KeyComparer.Instance));

            public State Merge(State other)
            {
                State merged = Clone();
                foreach (KeyValuePair<object, ValueSet> pair in other._values)
                {
                    merged._values[pair.Key] = merged._values.TryGetValue(pair.Key, out ValueSet? mine) ? mine.Union(pair.Value) : pair.Value;
                }

                return merged;
            }

            public bool SameAs(State other)
            {
                if (_values.Count != other._values.Count)
                {
                    return false;
                }

                foreach (KeyValuePair<object, ValueSet> pair in _values)
                {
                    if (!other._values.TryGetValue(pair.Key, out ValueSet? theirs) || !theirs.Equals(pair.Value))
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        private sealed class KeyComparer : IEqualityComparer<object>
        {
            public static readonly KeyComparer Instance = new KeyComparer();

            public new bool Equals(object? x, object? y) =>
                x is ISymbol sx && y is ISymbol sy ? SymbolEqualityComparer.Default.Equals(sx, sy) : object.Equals(x, y);

            public int GetHashCode(object obj) => obj is ISymbol s ? SymbolEqualityComparer.Default.GetHashCode(s) : obj.GetHashCode();
        }
    }
}
