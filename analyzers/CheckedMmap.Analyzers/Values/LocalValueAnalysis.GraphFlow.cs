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
    internal sealed partial class LocalValueAnalysis
    {
        /// <summary>The fixpoint for one graph: the state (value of every tracked local and capture) entering each block.</summary>
        private sealed partial class GraphFlow
        {
            private readonly ControlFlowGraph _graph;
            private readonly EvaluationScope _scope;
            private readonly HashSet<ISymbol> _declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            private readonly HashSet<ISymbol> _tainted = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

            // The graph captures an assignment's target (flow capture of a local reference) when the right-hand side
            // branches, so "flags = c ? a : b" assigns through a capture: this maps such captures back to their local.
            private readonly Dictionary<CaptureId, ISymbol> _capturedLocals = new Dictionary<CaptureId, ISymbol>();

            // What each capture holds, for platform checks: switch (OperatingSystem.IsMacOS()) compares a capture of it.
            private readonly Dictionary<CaptureId, IOperation?> _capturedValues = new Dictionary<CaptureId, IOperation?>();
            private State?[] _entry;
            private readonly Cursor?[] _cursors;
            private bool _converged;
            private bool _solved;

            private readonly State _initial;

            /// <summary>The flow of one graph; <paramref name="solve"/> false leaves the fixpoint to the first
            /// <see cref="ReturnedValues"/>, so that a helper run on its one path (<see cref="TryRun"/>) never computes it.</summary>
            public GraphFlow(ControlFlowGraph graph, EvaluationScope scope, IReadOnlyDictionary<IParameterSymbol, ValueSet>? parameters = null, bool solve = true)
            {
                _graph = graph;
                _scope = scope;
                _initial = State.Initial;
                if (parameters is { Count: > 0 })
                {
                    var writer = new StateWriter(State.Initial);
                    foreach (KeyValuePair<IParameterSymbol, ValueSet> parameter in parameters)
                    {
                        writer.Set(parameter.Key, parameter.Value);
                    }

                    _initial = writer.Snapshot();
                }

                CollectDeclared(graph.Root);
                CollectCapturedLocals();
                CollectTainted();
                _cursors = new Cursor?[graph.Blocks.Length];
                _entry = Array.Empty<State?>();
                if (solve)
                {
                    EnsureSolved();
                }
            }

            public ValueSet ValueAt(int blockOrdinal, int operationIndex, int referenceStart, ISymbol local)
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
                            if (d is IFlowCaptureOperation valueCapture)
                            {
                                // One value per capture, or none: a capture written on two paths is not one expression.
                                _capturedValues[valueCapture.Id] = _capturedValues.ContainsKey(valueCapture.Id) ? null : valueCapture.Value;
                            }

                            if (d is IFlowCaptureOperation capture && Variable(capture.Value) is { } captured)
                            {
                                _capturedLocals[capture.Id] = captured;
                            }
                            else if (d is IParameterReferenceOperation { Parameter: { } parameter } && Binding.WrapperLocals.IsPassedByValue(parameter) && _graph.Parent is null
                                && parameter.ContainingSymbol is IMethodSymbol { MethodKind: not (MethodKind.AnonymousFunction or MethodKind.LocalFunction) })
                            {
                                _declared.Add(parameter); // the body's own by-value (and in) parameters: unknown on entry, then tracked like locals
                            }
                        }
                    }
                }
            }

            /// <summary>The local or parameter an assignment writes: directly, or through a capture of its reference.</summary>
            private ISymbol? TargetLocal(IOperation target) => target switch
            {
                IFlowCaptureReferenceOperation capture when _capturedLocals.TryGetValue(capture.Id, out ISymbol? local) => local,
                _ => Variable(target),
            };

            /// <summary>The local or parameter a reference names.</summary>
            private static ISymbol? Variable(IOperation? reference) => reference switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
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
                    if (Variable(d) is { } written && IsWrite(d) && IsInsideNestedFunction(d))
                    {
                        _tainted.Add(written);
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
                    case ILocalReferenceOperation or IParameterReferenceOperation when IsAliased(op) || (exceptionalRegion && IsWrite(op)):
                        _tainted.Add(Variable(op)!);
                        break;
                    case IAssignmentOperation assignment when exceptionalRegion && TargetLocal(assignment.Target) is { } written:
                        _tainted.Add(written);
                        break;
                    case IIncrementOrDecrementOperation step when exceptionalRegion && TargetLocal(step.Target) is { } stepped:
                        _tainted.Add(stepped);
                        break;
                    case ISimpleAssignmentOperation { IsRef: true } refAssignment when Variable(refAssignment.Value) is { } aliased:
                        _tainted.Add(aliased);
                        break;
                    case IDeconstructionAssignmentOperation deconstruction:
                        foreach (IOperation d in deconstruction.Target.DescendantsAndSelf())
                        {
                            if (Variable(d) is { } target)
                            {
                                _tainted.Add(target);
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
            private static bool IsAliased(IOperation reference)
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

            private static bool IsWrite(IOperation reference) => OperationWalk.IsWrite(reference);

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

            private void EnsureSolved()
            {
                if (!_solved)
                {
                    _solved = true;
                    _converged = Solve(out _entry);
                }
            }

            private bool Solve(out State?[] entries)
            {
                ImmutableArray<BasicBlock> blocks = _graph.Blocks;
                var flow = new BlockWorklist<State>(blocks, (a, b) => a.Merge(b), ReferenceEquals, ReferenceEquals);
                entries = flow.Entry;
                flow.Start(0, _initial);
                int budget = 64 * (blocks.Length + 1);
                while (flow.TryNext(out int ordinal, out State entry))
                {
                    if (--budget < 0)
                    {
                        return false;
                    }

                    BasicBlock block = blocks[ordinal];
                    var writer = new StateWriter(entry);
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
                            branch = Decided(block.BranchValue, writer);
                        }
                    }

                    // Nothing reads a local in the exit block, and every return would join into it.
                    State exit = writer.Snapshot();
                    bool jumpOnTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    bool conditionalTaken = branch is null || branch == jumpOnTrue;
                    if (block.ConditionalSuccessor is { Destination.Kind: not BasicBlockKind.Exit } conditional)
                    {
                        flow.Send(conditional, conditionalTaken ? Refine(exit, block, whenConditionIs: jumpOnTrue) : null);
                    }

                    bool fallThroughTaken = block.ConditionKind == ControlFlowConditionKind.None || branch is null || branch != jumpOnTrue;
                    if (block.FallThroughSuccessor is { Destination.Kind: not BasicBlockKind.Exit } next)
                    {
                        State? state = !fallThroughTaken ? null : block.ConditionKind == ControlFlowConditionKind.None ? exit : Refine(exit, block, whenConditionIs: !jumpOnTrue);
                        flow.Send(next, state);
                    }
                }

                return true;
            }

            private IOperation? CapturedValue(CaptureId id) => _capturedValues.TryGetValue(id, out IOperation? value) ? value : null;

            /// <summary>A branch condition's outcome on every path with this state: a platform check, or a condition every value
            /// of which agrees; null when undecided.</summary>
            private bool? Decided(IOperation condition, StateWriter state) =>
                OsConditions.Evaluate(condition, _scope.Target, _scope.Models, CapturedValue) ?? ConditionValue(condition, state);

            /// <summary>A condition every value of which agrees (all true or all false) decides the branch.</summary>
            private bool? ConditionValue(IOperation condition, StateWriter state) =>
                new ValueEvaluator(_scope, new StateSource(this, state)).Evaluate(condition).Decided();

            /// <summary>What the body returns: the union of every reachable <c>return</c>'s value; Unknown if the flow did not settle.</summary>
            public ValueSet ReturnedValues()
            {
                EnsureSolved();
                if (!_converged)
                {
                    return ValueSet.Unknown;
                }

                ValueSet result = ValueSet.Empty;
                foreach (BasicBlock block in _graph.Blocks)
                {
                    if (block.FallThroughSuccessor?.Semantics != ControlFlowBranchSemantics.Return || block.BranchValue is null || _entry[block.Ordinal] is not { } entry)
                    {
                        continue;
                    }

                    var writer = new StateWriter(entry);
                    foreach (IOperation op in block.Operations)
                    {
                        Transfer(op, writer, int.MaxValue);
                    }

                    result = result.Union(new ValueEvaluator(_scope, new StateSource(this, writer)).Evaluate(block.BranchValue));
                    if (result.IsUnknown && !result.HasDescriptor)
                    {
                        return ValueSet.Unknown;
                    }
                }

                return result;
            }

            /// <summary>
            /// The state on the edge where the block's condition has this outcome: a comparison of a tracked local or
            /// parameter with a constant (<c>fd &lt; 0</c>, <c>fd == -1</c>, <c>len != 0</c>) keeps only the values that pass it.
            /// </summary>
            private State Refine(State exit, BasicBlock block, bool whenConditionIs)
            {
                if (!Comparisons.TryParse(block.BranchValue, out IOperation? reference, out Func<long, bool>? test) || Variable(reference) is not { } variable)
                {
                    return exit;
                }

                var writer = new StateWriter(exit);
                ValueSet before = writer.Get(variable);
                ValueSet after = before.Where(v => test!(v) == whenConditionIs);
                if (after.Equals(before))
                {
                    return exit;
                }

                writer.Set(variable, after);
                return writer.Snapshot();
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

                public ValueSet ValueOf(IParameterReferenceOperation reference)
                {
                    IParameterSymbol parameter = reference.Parameter;
                    return _flow._tainted.Contains(parameter) || !_flow._declared.Contains(parameter) ? ValueSet.Unknown : _state.Get(parameter);
                }

                public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => _state.Get(capture.Id);
            }
        }
    }
}
