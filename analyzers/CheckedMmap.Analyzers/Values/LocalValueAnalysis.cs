using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
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
        private readonly BodyFacts _body;
        private readonly EvaluationScope _scope;
        private readonly Dictionary<ControlFlowGraph, GraphFlow> _flows = new Dictionary<ControlFlowGraph, GraphFlow>();
        private readonly Dictionary<ILocalSymbol, ValueSet> _singleDefinitions = new Dictionary<ILocalSymbol, ValueSet>(SymbolEqualityComparer.Default);

        public LocalValueAnalysis(BodyFacts body, EvaluationScope scope)
        {
            _body = body;
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

            LocalReferenceIndex? index = _body.References;
            if (index is null || !index.TryLocate(reference.Syntax, local, out FlowLocation location))
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
        /// The value is kept per local: every later read of it costs a lookup.
        /// </summary>
        private bool TrySingleDefinition(ILocalReferenceOperation reference, out ValueSet value)
        {
            ILocalSymbol local = reference.Local;
            if (_singleDefinitions.TryGetValue(local, out ValueSet? known))
            {
                value = known;
                return true;
            }

            value = ValueSet.Unknown;
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

            if (scope is null || _body.IsWrittenIn(scope, local.Name))
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
                _singleDefinitions[local] = value;
                return true;
            }
            finally
            {
                _singleDefinitionDepth--;
            }
        }

        // At the call site, captures belong to the original tree: there are none.
        public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => ValueSet.Unknown;

        private static IEnumerable<IOperation> Walk(IOperation root) => OperationWalk.WithoutNestedFunctions(root);

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
            private readonly Cursor?[] _cursors;
            private readonly bool _converged;

            public GraphFlow(ControlFlowGraph graph, EvaluationScope scope)
            {
                _graph = graph;
                _scope = scope;
                CollectDeclared(graph.Root);
                CollectCapturedLocals();
                CollectTainted();
                _entry = new State?[graph.Blocks.Length];
                _cursors = new Cursor?[graph.Blocks.Length];
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

                // The calls of a body are analyzed in source order, so the reads of one block come in increasing order:
                // each block keeps the state reached so far and moves it forward instead of replaying from the block entry.
                BasicBlock block = _graph.Blocks[blockOrdinal];
                Cursor? cursor = _cursors[blockOrdinal];
                if (cursor is null || cursor.Index > operationIndex)
                {
                    cursor = new Cursor(new StateWriter(entry));
                    _cursors[blockOrdinal] = cursor;
                }

                for (; cursor.Index < operationIndex && cursor.Index < block.Operations.Length; cursor.Index++)
                {
                    Transfer(block.Operations[cursor.Index], cursor.Writer, limit: int.MaxValue);
                }

                IOperation? containing = operationIndex < block.Operations.Length ? block.Operations[operationIndex] : block.BranchValue;
                if (containing is null)
                {
                    return cursor.Writer.Get(local);
                }

                // Writes inside the same statement that finish before the reference (C# evaluates left to right), on a
                // copy: the persistent map makes the copy free.
                StateWriter statement = cursor.Writer.Fork();
                Transfer(containing, statement, limit: referenceStart);
                return statement.Get(local);
            }

            private sealed class Cursor
            {
                public Cursor(StateWriter writer)
                {
                    Writer = writer;
                }

                public StateWriter Writer { get; }

                /// <summary>The operations before this index have been applied.</summary>
                public int Index { get; set; }
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
                _entry[0] = State.Initial;
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
                    var writer = new StateWriter(_entry[ordinal]!);
                    foreach (IOperation op in block.Operations)
                    {
                        Transfer(op, writer, int.MaxValue);
                    }

                    bool? branch = null;
                    if (block.BranchValue is not null)
                    {
                        Transfer(block.BranchValue, writer, int.MaxValue);
                        if (block.ConditionKind != ControlFlowConditionKind.None)
                        {
                            branch = OsConditions.Evaluate(block.BranchValue, _scope.Target);
                        }
                    }

                    State exit = writer.Snapshot();
                    bool jumpOnTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    if (block.ConditionalSuccessor?.Destination is { } conditional && (branch is null || branch == jumpOnTrue))
                    {
                        Propagate(conditional, exit, work, queued);
                    }

                    bool fallThroughTaken = block.ConditionKind == ControlFlowConditionKind.None || branch is null || branch != jumpOnTrue;
                    if (block.FallThroughSuccessor?.Destination is { } next && fallThroughTaken)
                    {
                        Propagate(next, exit, work, queued);
                    }
                }

                return true;
            }

            private void Propagate(BasicBlock target, State state, Queue<int> work, bool[] queued)
            {
                if (target.Kind == BasicBlockKind.Exit)
                {
                    return; // nothing reads a local there; every return would merge into it
                }

                State? existing = _entry[target.Ordinal];
                State merged = existing is null ? state : existing.Merge(state);
                if (!ReferenceEquals(merged, existing))
                {
                    _entry[target.Ordinal] = merged;
                    if (!queued[target.Ordinal])
                    {
                        queued[target.Ordinal] = true;
                        work.Enqueue(target.Ordinal);
                    }
                }
            }

            /// <summary>Applies the writes of one operation in evaluation order (children first); only those ending before <paramref name="limit"/>.</summary>
            private void Transfer(IOperation op, StateWriter state, int limit)
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
                private readonly StateWriter _state;

                public StateSource(GraphFlow flow, StateWriter state)
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

        /// <summary>
        /// Values of locals (keyed by symbol) and flow captures (keyed by CaptureId) at one program point, immutable. Each
        /// state remembers the state it was made from and which keys changed since, so that merging two states that share
        /// an ancestor (the two arms of an if) looks only at the keys either arm wrote, not at every local of the body.
        /// </summary>
        private sealed class State
        {
            private const int AncestorSearchDepth = 32;

            public static readonly State Initial = new State(ImmutableDictionary.Create<object, ValueSet>(KeyComparer.Instance), null, Array.Empty<object>());

            public State(ImmutableDictionary<object, ValueSet> values, State? parent, object[] changed)
            {
                Values = values;
                Parent = parent;
                Changed = changed;
            }

            public ImmutableDictionary<object, ValueSet> Values { get; }

            public State? Parent { get; }

            /// <summary>The keys whose value differs from <see cref="Parent"/>'s.</summary>
            public object[] Changed { get; }

            /// <summary>This state joined with another; this very instance when the join adds nothing.</summary>
            public State Merge(State other)
            {
                if (ReferenceEquals(this, other))
                {
                    return this;
                }

                IEnumerable<object> keys = KeysThatMayDiffer(other) ?? other.Values.Keys;
                ImmutableDictionary<object, ValueSet>.Builder? builder = null;
                List<object>? changed = null;
                foreach (object key in keys)
                {
                    if (!other.Values.TryGetValue(key, out ValueSet? theirs))
                    {
                        continue; // a key the other side never set leaves ours as it is
                    }

                    ValueSet merged = Values.TryGetValue(key, out ValueSet? mine) ? mine.Union(theirs) : theirs;
                    if (mine is null || !merged.Equals(mine))
                    {
                        (builder ??= Values.ToBuilder())[key] = merged;
                        (changed ??= new List<object>()).Add(key);
                    }
                }

                return builder is null ? this : new State(builder.ToImmutable(), this, changed!.ToArray());
            }

            /// <summary>
            /// The keys written on either side since the nearest common ancestor of the two states (within a few steps),
            /// or null when there is none near: then every key of the other state is compared.
            /// </summary>
            private IEnumerable<object>? KeysThatMayDiffer(State other)
            {
                var mine = new Dictionary<State, int>(StateIdentity.Instance);
                int depth = 0;
                for (State? s = this; s is not null && depth < AncestorSearchDepth; s = s.Parent, depth++)
                {
                    mine[s] = depth;
                }

                var keys = new HashSet<object>(KeyComparer.Instance);
                depth = 0;
                for (State? s = other; s is not null && depth < AncestorSearchDepth; s = s.Parent, depth++)
                {
                    if (mine.TryGetValue(s, out int ourDepth))
                    {
                        State? ours = this;
                        for (int i = 0; i < ourDepth; i++, ours = ours!.Parent)
                        {
                            keys.UnionWith(ours!.Changed);
                        }

                        return keys;
                    }

                    keys.UnionWith(s.Changed);
                }

                return null;
            }
        }

        /// <summary>A state being moved forward through operations: the persistent map plus the keys written so far.</summary>
        private sealed class StateWriter
        {
            private readonly State _origin;
            private ImmutableDictionary<object, ValueSet> _values;
            private HashSet<object>? _changed;

            public StateWriter(State origin)
            {
                _origin = origin;
                _values = origin.Values;
            }

            /// <summary>A local no definition reached is Empty (never reported); a capture nobody set is Unknown.</summary>
            public ValueSet Get(ILocalSymbol local) => _values.TryGetValue(local, out ValueSet? v) ? v : ValueSet.Empty;

            public ValueSet Get(CaptureId id) => _values.TryGetValue(id, out ValueSet? v) ? v : ValueSet.Unknown;

            public void Set(ILocalSymbol local, ValueSet value) => Set((object)local, value);

            public void Set(CaptureId id, ValueSet value) => Set((object)id, value);

            private void Set(object key, ValueSet value)
            {
                if (_values.TryGetValue(key, out ValueSet? old) && old.Equals(value))
                {
                    return;
                }

                _values = _values.SetItem(key, value);
                (_changed ??= new HashSet<object>(KeyComparer.Instance)).Add(key);
            }

            /// <summary>A writer that starts where this one is and leaves it untouched (the persistent map is shared).</summary>
            public StateWriter Fork() => new StateWriter(_origin) { _values = _values };

            /// <summary>The state reached: the origin itself when nothing was written.</summary>
            public State Snapshot() => _changed is null ? _origin : new State(_values, _origin, _changed.ToArray());
        }

        private sealed class StateIdentity : IEqualityComparer<State>
        {
            public static readonly StateIdentity Instance = new StateIdentity();

            public bool Equals(State? x, State? y) => ReferenceEquals(x, y);

            public int GetHashCode(State obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
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
