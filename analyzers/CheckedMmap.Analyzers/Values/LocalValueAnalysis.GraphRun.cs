using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    internal sealed partial class LocalValueAnalysis
    {
        private sealed partial class GraphFlow
        {
            /// <summary>Blocks a run may pass through: a loop that runs longer leaves the helper to the dataflow.</summary>
            private const int MaxRunBlocks = 4096;

            /// <summary>
            /// Runs the body as the program would, on one path: every parameter holds one value (the flow is made with
            /// them), so every condition that
            /// depends only on them and on constants is decided, and a loop (<c>for (i = 0; i &lt; 3; i++)</c>,
            /// <c>foreach</c> over an array literal or <c>Enum.GetValues</c>) goes round exactly as often as it does at run
            /// time. The dataflow joins a loop's iterations, so a helper that ORs in a bit per flag set "may" return any
            /// combination; the run returns the one it does. False when the run cannot decide a condition, leaves the
            /// blocks it can follow (a catch, a finally that writes a local) or goes on too long: then the dataflow answers.
            /// A path that throws returns nothing (the call never happens with these values).
            /// </summary>
            public bool TryRun(out ValueSet returned)
            {
                returned = ValueSet.Unknown;
                return CanRun(_graph) && Run(out returned);
            }

            /// <summary>Whether a run can follow every path the body may take: no exception handlers (a run does not
            /// raise exceptions), and finally blocks that write no local (a run does not enter them).</summary>
            private static bool CanRun(ControlFlowGraph graph)
            {
                foreach (BasicBlock block in graph.Blocks)
                {
                    for (ControlFlowRegion? r = block.EnclosingRegion; r is not null; r = r.EnclosingRegion)
                    {
                        if (r.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.Filter or ControlFlowRegionKind.FilterAndHandler)
                        {
                            return false;
                        }

                        if (r.Kind == ControlFlowRegionKind.Finally && AllOperations(block).Any(op => Walk(op).Any(d => Variable(d) is not null && IsWrite(d))))
                        {
                            return false;
                        }
                    }
                }

                return true;
            }

            private bool Run(out ValueSet returned)
            {
                returned = ValueSet.Unknown;
                var state = new StateWriter(_initial);
                var sequences = new Dictionary<CaptureId, Sequence>();
                BasicBlock block = _graph.Blocks[0];
                for (int steps = 0; steps < MaxRunBlocks; steps++)
                {
                    foreach (IOperation op in block.Operations)
                    {
                        Transfer(op, state, int.MaxValue);
                        RunSequenceStep(op, state, sequences);
                    }

                    ControlFlowBranch? next = block.FallThroughSuccessor;
                    if (block.BranchValue is not null)
                    {
                        if (next?.Semantics == ControlFlowBranchSemantics.Return)
                        {
                            returned = new ValueEvaluator(_scope, new StateSource(this, state)).Evaluate(block.BranchValue);
                            return returned.IsKnown;
                        }

                        Transfer(block.BranchValue, state, int.MaxValue);
                        if (block.ConditionKind != ControlFlowConditionKind.None)
                        {
                            bool? condition = MoveNext(block.BranchValue, sequences) ?? Decided(block.BranchValue, state);
                            if (condition is not bool taken)
                            {
                                return false;
                            }

                            if (taken == (block.ConditionKind == ControlFlowConditionKind.WhenTrue))
                            {
                                next = block.ConditionalSuccessor;
                            }
                        }
                    }

                    if (next?.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
                    {
                        returned = ValueSet.Empty; // the call never completes with these values
                        return true;
                    }

                    if (next is not { Semantics: ControlFlowBranchSemantics.Regular, Destination: { } destination })
                    {
                        return false;
                    }

                    block = destination;
                }

                return false;
            }

            /// <summary>The elements a <c>foreach</c> walks and how far it has gone, kept for the capture of its enumerator.</summary>
            private sealed class Sequence
            {
                public Sequence(IReadOnlyList<ValueSet> elements)
                {
                    Elements = elements;
                }

                public IReadOnlyList<ValueSet> Elements { get; }

                /// <summary>The element <c>Current</c> reads: -1 before the first MoveNext.</summary>
                public int Position { get; set; } = -1;
            }

            /// <summary>
            /// A foreach as the graph lowers it: the enumerator is captured (<c>GetEnumerator()</c> of the collection), the
            /// loop tests <c>MoveNext()</c> on the capture and assigns <c>Current</c> to the iteration variable. Only
            /// collections whose elements are known here are followed: an array literal and <c>Enum.GetValues</c>.
            /// </summary>
            private void RunSequenceStep(IOperation op, StateWriter state, Dictionary<CaptureId, Sequence> sequences)
            {
                if (op is IFlowCaptureOperation { Value: IInvocationOperation { TargetMethod.Name: "GetEnumerator", Instance: { } collection } } capture)
                {
                    IReadOnlyList<ValueSet>? elements = Elements(OperationWalk.Unconverted(collection), state);
                    if (elements is not null)
                    {
                        sequences[capture.Id] = new Sequence(elements);
                    }
                    else
                    {
                        sequences.Remove(capture.Id);
                    }
                }
                else if (op is ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: { } local } } assignment
                    && OperationWalk.Unconverted(assignment.Value) is IPropertyReferenceOperation { Property.Name: "Current", Instance: { } instance }
                    && OperationWalk.Unconverted(instance) is IFlowCaptureReferenceOperation enumerator
                    && sequences.TryGetValue(enumerator.Id, out Sequence? sequence)
                    && sequence.Position >= 0 && sequence.Position < sequence.Elements.Count)
                {
                    ValueSet element = sequence.Elements[sequence.Position];
                    state.Set(local, IntegerConversions.IsTrackable(local.Type) ? element.Convert(v => IntegerConversions.ConvertTo(v, local.Type) ?? v) : element);
                }
            }

            private static bool? MoveNext(IOperation condition, Dictionary<CaptureId, Sequence> sequences)
            {
                if (OperationWalk.Unconverted(condition) is not IInvocationOperation { TargetMethod.Name: "MoveNext", Arguments.Length: 0, Instance: { } instance }
                    || OperationWalk.Unconverted(instance) is not IFlowCaptureReferenceOperation enumerator
                    || !sequences.TryGetValue(enumerator.Id, out Sequence? sequence))
                {
                    return null;
                }

                if (sequence.Position < sequence.Elements.Count)
                {
                    sequence.Position++;
                }

                return sequence.Position < sequence.Elements.Count;
            }

            /// <summary>Each element's value, every one of them known and single; null otherwise.</summary>
            private IReadOnlyList<ValueSet>? Elements(IOperation? collection, StateWriter state)
            {
                switch (collection)
                {
                    case IArrayCreationOperation { DimensionSizes.Length: 1, Initializer: { } initializer }:
                        {
                            var evaluator = new ValueEvaluator(_scope, new StateSource(this, state));
                            var elements = new List<ValueSet>(initializer.ElementValues.Length);
                            foreach (IOperation element in initializer.ElementValues)
                            {
                                ValueSet value = evaluator.Evaluate(element);
                                if (!value.IsKnown || value.Values.Count != 1)
                                {
                                    return null;
                                }

                                elements.Add(value);
                            }

                            return elements;
                        }

                    case IInvocationOperation { TargetMethod: { Name: "GetValues", IsStatic: true } getValues } invocation
                        when getValues.ContainingType?.SpecialType == SpecialType.System_Enum:
                        {
                            ITypeSymbol? type = getValues.TypeArguments.Length == 1 ? getValues.TypeArguments[0]
                                : invocation.Arguments.Length == 1 && OperationWalk.Unconverted(invocation.Arguments[0].Value) is ITypeOfOperation typeOf ? typeOf.TypeOperand
                                : null;
                            return type is INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType ? EnumValues(enumType) : null;
                        }

                    default:
                        return null;
                }
            }

            /// <summary>An enum's members as <c>Enum.GetValues</c> returns them: sorted by their bits read unsigned, aliases kept.</summary>
            private static IReadOnlyList<ValueSet>? EnumValues(INamedTypeSymbol enumType)
            {
                var values = new List<long>();
                foreach (ISymbol member in enumType.GetMembers())
                {
                    if (member is IFieldSymbol { HasConstantValue: true } field && IntegerConversions.FromConstant(field.ConstantValue) is long bits)
                    {
                        values.Add(bits);
                    }
                }

                values.Sort((a, b) => ((ulong)a).CompareTo((ulong)b));
                return values.Select(ValueSet.Single).ToList();
            }
        }
    }
}
