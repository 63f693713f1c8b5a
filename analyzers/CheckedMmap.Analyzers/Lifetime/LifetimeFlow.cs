using System;
using System.Collections.Generic;
using CheckedMmap.Analyzers.Values;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>What the flow needs to know about the body's calls and values (bindings, fields of the type, evaluation).</summary>
    internal interface ILifetimeContext
    {
        /// <summary>The mapping an mmap call (or a wrapper that returns mmap's result) creates; null for any other call.</summary>
        MappingSite? MappingOf(IInvocationOperation invocation);

        /// <summary>How the call passes munmap's arguments when it is munmap or a wrapper of it; null otherwise.</summary>
        MunmapShape? MunmapOf(IInvocationOperation invocation);

        /// <summary>Where a field of this type points when the body has not assigned it: every mmap that assigns it in the type.</summary>
        Provenance? FieldOrigin(IFieldSymbol field);

        /// <summary>The values of an expression of this body, as MMAP001-007 evaluate arguments.</summary>
        ValueSet Evaluate(IOperation expression);

        INamedTypeSymbol? ContainingType { get; }
    }

    /// <summary>
    /// A forward dataflow over one control flow graph: which variable holds which mapping (and at what offset), which
    /// mappings may already be unmapped, and which mmap results may not be checked for failure yet. Loops are followed to
    /// a fixed point (bounded; a body that does not settle is not judged); a final pass records the findings.
    /// Catch and finally regions start from an unknown state.
    /// </summary>
    internal sealed partial class LifetimeFlow
    {
        private readonly ControlFlowGraph? _graph;
        private readonly ILifetimeContext _context;
        private readonly LifetimeFindings _findings;
        private bool _reporting;
        private readonly List<IFlowAnonymousFunctionOperation> _lambdas = new List<IFlowAnonymousFunctionOperation>();

        // The mremap calls that released an old mapping in this graph (the "first unmap" of a later munmap of it).
        private readonly HashSet<SyntaxNode> _releasedByMremap = new HashSet<SyntaxNode>();

        // The munmap calls that unmapped a mapping in this graph: a branch that finds one failed gets the mapping back.
        private readonly HashSet<SyntaxNode> _unmappedByMunmap = new HashSet<SyntaxNode>();

        // Which mappings each munmap or mremap call unmapped on some path (what a branch that finds it failed gives back).
        private readonly Dictionary<SyntaxNode, List<MappingSite>> _sitesUnmappedBy = new Dictionary<SyntaxNode, List<MappingSite>>();

        private void Unmap(FlowState state, MappingSite site, SyntaxNode call)
        {
            state.SetUnmapped(site, call);
            if (!_sitesUnmappedBy.TryGetValue(call, out List<MappingSite>? sites))
            {
                _sitesUnmappedBy[call] = sites = new List<MappingSite>();
            }

            if (!sites.Contains(site))
            {
                sites.Add(site);
            }
        }

        private LifetimeFlow(ControlFlowGraph? graph, ILifetimeContext context, LifetimeFindings findings)
        {
            _graph = graph;
            _context = context;
            _findings = findings;
        }

        /// <summary>
        /// Runs the flow on the graph, then on the graphs of its local functions and lambdas (each from an unknown state:
        /// what they capture is not followed). A graph that does not settle within its bound records nothing.
        /// </summary>
        public static void RunWithNested(ControlFlowGraph graph, ILifetimeContext context, LifetimeFindings findings, System.Threading.CancellationToken cancellationToken)
        {
            var flow = new LifetimeFlow(graph, context, findings);
            flow.Run(cancellationToken);
            foreach (IMethodSymbol local in graph.LocalFunctions)
            {
                RunWithNested(graph.GetLocalFunctionControlFlowGraph(local, cancellationToken), context, findings, cancellationToken);
            }

            foreach (IFlowAnonymousFunctionOperation lambda in flow._lambdas)
            {
                RunWithNested(graph.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken), context, findings, cancellationToken);
            }
        }

        private bool Run(System.Threading.CancellationToken cancellationToken)
        {
            System.Collections.Immutable.ImmutableArray<BasicBlock> blocks = _graph!.Blocks;
            var flow = new BlockWorklist<FlowState>(blocks, (a, b) => a.Merge(b), (a, b) => a.SameAs(b), (a, b) => a.IsSameInstanceAs(b));
            for (int i = 0; i < blocks.Length; i++)
            {
                if (i == 0 || blocks[i].Predecessors.IsEmpty)
                {
                    flow.Start(i, new FlowState());
                }
            }

            int budget = (blocks.Length * 12) + 64;
            while (flow.TryNext(out int ordinal, out FlowState entry))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (--budget < 0)
                {
                    return false;
                }

                BasicBlock block = blocks[ordinal];
                FlowState state = entry.Clone();
                Transfer(block, state);
                FlowState? fallThrough = state, conditional = state;
                if (block.ConditionKind != ControlFlowConditionKind.None)
                {
                    (HashSet<SyntaxNode>? whenTrue, HashSet<SyntaxNode>? whenFalse) = FailureBranches(block.BranchValue, state);
                    bool onTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    conditional = OnBranch(Revived(state, onTrue ? whenTrue : whenFalse) ?? state, block.BranchValue, onTrue);
                    fallThrough = OnBranch(Revived(state, onTrue ? whenFalse : whenTrue) ?? state, block.BranchValue, !onTrue);
                    if (block.BranchValue?.ConstantValue is { HasValue: true, Value: bool constant })
                    {
                        // while (true): the graph keeps the test, but no path leaves the loop through it.
                        if (constant == onTrue)
                        {
                            fallThrough = null;
                        }
                        else
                        {
                            conditional = null;
                        }
                    }
                }

                flow.Send(block.FallThroughSuccessor, fallThrough);
                flow.Send(block.ConditionalSuccessor, conditional);
            }

            _reporting = true;
            for (int i = 0; i < blocks.Length; i++)
            {
                if (flow.Entry[i] is { } state)
                {
                    Transfer(blocks[i], state.Clone());
                }
            }

            return true;
        }

        private void Transfer(BasicBlock block, FlowState state)
        {
            foreach (IOperation operation in block.Operations)
            {
                Visit(operation, state);
            }

            if (block.BranchValue is { } branch)
            {
                Visit(branch, state);
            }
        }

        /// <summary>Children first: the order in which the operations run.</summary>
        private void Visit(IOperation operation, FlowState state)
        {
            if (operation is IFlowAnonymousFunctionOperation lambda)
            {
                if (!_reporting && !_lambdas.Contains(lambda))
                {
                    _lambdas.Add(lambda);
                }

                return;
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                Visit(child, state);
            }

            Handle(operation, state);
        }

        private void Handle(IOperation operation, FlowState state)
        {
            switch (operation)
            {
                case IFlowCaptureOperation capture:
                    Set(state, capture.Id, FactOf(capture.Value, state));
                    break;
                case ISimpleAssignmentOperation { IsRef: false } assignment when Variables.KeyOf(assignment.Target) is { } key:
                    Assign(state, key, assignment.Value);
                    break;
                case ISimpleAssignmentOperation { IsRef: true } refAssignment when Variables.KeyOf(refAssignment.Value) is { } aliased:
                    Forget(state, aliased);
                    break;
                case IDeconstructionAssignmentOperation deconstruction:
                    // (a, b) = (b, a), (p, length) = (Map(n), n): the new values are not followed, so the targets hold nothing known.
                    foreach (IOperation target in deconstruction.Target.DescendantsAndSelf())
                    {
                        if (Variables.KeyOf(target) is { } written)
                        {
                            Forget(state, written);
                        }
                    }

                    break;
                case ICompoundAssignmentOperation compound when Variables.KeyOf(compound.Target) is { } key && IsBoolVariable(key):
                    Forget(state, key); // done &= ok: not a constant any more
                    break;
                case ICompoundAssignmentOperation compound when Variables.KeyOf(compound.Target) is { } key:
                    Set(state, key, Step(FactOf(compound.Target, state), compound.Target.Type, compound.Value, compound.OperatorKind));
                    break;
                case IIncrementOrDecrementOperation step when Variables.KeyOf(step.Target) is { } key:
                    Set(state, key, Step(FactOf(step.Target, state), step.Target.Type, null, step.Kind == OperationKind.Increment ? BinaryOperatorKind.Add : BinaryOperatorKind.Subtract));
                    break;
                case IInvocationOperation invocation:
                    HandleInvocation(invocation, state);
                    break;
                case IObjectCreationOperation creation:
                    HandleCreation(creation, state);
                    break;
                case IBinaryOperation binary when IsComparison(binary.OperatorKind):
                    HandleComparison(binary, state);
                    break;
                case IIsPatternOperation pattern:
                    HandlePattern(pattern, state);
                    break;
                case IAddressOfOperation addressOf when Variables.KeyOf(addressOf.Reference) is { } taken:
                    Forget(state, taken); // Written through the pointer from now on: unknown.
                    break;
                case IMemberReferenceOperation { Instance: { Kind: OperationKind.None } instance } member when member.Syntax.IsKind(SyntaxKind.PointerMemberAccessExpression) && FirstChild(instance) is { } target:
                    Dereference(target, member.Syntax, state); // p->Field
                    break;
                default:
                    if (operation.Kind == OperationKind.None && IsDereference(operation.Syntax) && FirstChild(operation) is { } pointer)
                    {
                        Dereference(pointer, operation.Syntax, state);
                    }

                    break;
            }
        }

        private static void Set(FlowState state, object key, AddressFact? fact)
        {
            if (fact is null)
            {
                state.RemoveHolder(key);
            }
            else
            {
                state.SetHolder(key, fact);
            }
        }

        /// <summary>A variable gets a value (an assignment, an initialized declaration): the address it holds, and a bool's constant.</summary>
        private void Assign(FlowState state, object key, IOperation value)
        {
            Set(state, key, FactOf(value, state));
            if (IsBoolVariable(key))
            {
                state.AssignBool(key, BoolConstant(value));
                (HashSet<SyntaxNode>? whenTrue, HashSet<SyntaxNode>? whenFalse) = FailureBranches(value, state);
                state.AssignBoolFailures(key, whenTrue is null && whenFalse is null ? null : new MremapOutcome(whenTrue, whenFalse));
            }
            else if (IsIntegerLocal(key))
            {
                // rc = munmap(p, n): a later test of rc is a test of that call (do { rc = munmap(…); } while (rc != 0 …)).
                state.AssignMunmapResult(key, Strip(value) is IInvocationOperation call && _unmappedByMunmap.Contains(call.Syntax) ? call.Syntax : null);
            }
        }

        private static bool IsIntegerLocal(object key) =>
            key is ILocalSymbol { Type.SpecialType: SpecialType.System_Int32 or SpecialType.System_Int64, RefKind: RefKind.None };

        /// <summary>A write the flow does not follow: the variable holds nothing known from now on.</summary>
        private static void Forget(FlowState state, object key)
        {
            state.RemoveHolder(key);
            if (IsBoolVariable(key))
            {
                state.AssignBool(key, null);
                state.AssignBoolFailures(key, null);
            }
            else if (IsIntegerLocal(key))
            {
                state.AssignMunmapResult(key, null);
            }
        }

        /// <summary>A bool local or parameter: what a call cannot change behind the body's back.</summary>
        private static bool IsBoolVariable(object key) =>
            key is ILocalSymbol { Type.SpecialType: SpecialType.System_Boolean, RefKind: RefKind.None }
            || key is IParameterSymbol { Type.SpecialType: SpecialType.System_Boolean, RefKind: RefKind.None };

        private static bool? BoolConstant(IOperation? value) =>
            value?.ConstantValue is { HasValue: true, Value: bool constant } ? constant : null;

        /// <summary>
        /// The bool variable a branch condition tests and the value it has where the condition is true: <c>freed</c>,
        /// <c>!freed</c>, <c>freed == false</c>, <c>freed is true</c>; null for any other condition.
        /// </summary>
        private static (object Key, bool WhenTrue)? BoolTest(IOperation? condition)
        {
            switch (condition)
            {
                case IParenthesizedOperation parenthesized:
                    return BoolTest(parenthesized.Operand);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not:
                    return BoolTest(not.Operand) is { } negated ? (negated.Key, !negated.WhenTrue) : null;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals, OperatorMethod: null } comparison:
                {
                    bool? right = BoolConstant(comparison.RightOperand);
                    bool? constant = right ?? BoolConstant(comparison.LeftOperand);
                    if (constant is not bool c || BoolTest(right is null ? comparison.RightOperand : comparison.LeftOperand) is not { } tested)
                    {
                        return null;
                    }

                    bool whenEqual = c ? tested.WhenTrue : !tested.WhenTrue;
                    return (tested.Key, comparison.OperatorKind == BinaryOperatorKind.Equals ? whenEqual : !whenEqual);
                }

                case IIsPatternOperation { Pattern: IConstantPatternOperation { Value: { } constantValue } } test
                    when BoolConstant(constantValue) is bool c && BoolTest(test.Value) is { } tested:
                    return (tested.Key, c ? tested.WhenTrue : !tested.WhenTrue);
                case ILocalReferenceOperation or IParameterReferenceOperation when Variables.KeyOf(condition) is { } key && IsBoolVariable(key):
                    return (key, true);
                default:
                    return null;
            }
        }

        /// <summary>The state on the branch where the condition is <paramref name="conditionValue"/>; null when no path takes it.</summary>
        private static FlowState? OnBranch(FlowState? state, IOperation? condition, bool conditionValue) =>
            state is not null && BoolTest(condition) is { } test ? state.Assume(test.Key, test.WhenTrue == conditionValue) : state;

        private static bool IsDereference(SyntaxNode syntax) =>
            syntax.IsKind(SyntaxKind.PointerIndirectionExpression) || syntax.IsKind(SyntaxKind.ElementAccessExpression) || syntax.IsKind(SyntaxKind.PointerMemberAccessExpression);

        private static IOperation? FirstChild(IOperation operation)
        {
            foreach (IOperation child in operation.ChildOperations)
            {
                return child;
            }

            return null;
        }

        private static bool IsComparison(BinaryOperatorKind kind) => kind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals
            or BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual
            or BinaryOperatorKind.ObjectValueEquals or BinaryOperatorKind.ObjectValueNotEquals;

        // ---- values ----

        /// <summary>What an expression's value holds; null when it is not an address we can trace.</summary>
        private AddressFact? FactOf(IOperation? value, FlowState state)
        {
            IOperation? operation = Strip(value);
            switch (operation)
            {
                case null:
                    return null;
                case ISimpleAssignmentOperation { IsRef: false } assignment:
                    return Variables.KeyOf(assignment.Target) is { } assigned && state.Holders.TryGetValue(assigned, out AddressFact? written) ? written : FactOf(assignment.Value, state);
                case IInvocationOperation invocation:
                    return FactOfCall(invocation, state);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } arithmetic:
                    return FactOfArithmetic(arithmetic, state);
                case IAddressOfOperation:
                    return Other("the address of a variable (&)");
                case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                    return Either(FactOf(conditional.WhenTrue, state), FactOf(whenFalse, state)); // the graph joins the arms' captures alike
                case ICoalesceOperation coalesce:
                    return Either(FactOf(coalesce.Value, state), FactOf(coalesce.WhenNull, state));
                case { Kind: OperationKind.None } when operation.Syntax.IsKind(SyntaxKind.StackAllocArrayCreationExpression) || operation.Syntax.IsKind(SyntaxKind.ImplicitStackAllocArrayCreationExpression):
                    return Other("stackalloc");
            }

            object? key = Variables.KeyOf(operation);
            if (key is null)
            {
                return null;
            }

            if (state.Holders.TryGetValue(key, out AddressFact? fact))
            {
                return fact;
            }

            switch (key)
            {
                case IFieldSymbol field when _context.FieldOrigin(field) is { } origin:
                    return new AddressFact(origin, System.Collections.Immutable.ImmutableArray<MappingSite>.Empty);
                case ILocalSymbol { IsFixed: true } pinned when PinsManagedMemory(pinned, ModelOf(operation)):
                    return Other("a fixed statement (pinned managed memory)");
                default:
                    return null;
            }
        }

        /// <summary>
        /// Whether a fixed statement's pointer is into managed memory: it pins an array or a string (or takes the address
        /// of a field). A Span or another type with GetPinnableReference may wrap any memory, an mmap mapping included.
        /// </summary>
        private static bool PinsManagedMemory(ILocalSymbol pinned, SemanticModel? model)
        {
            if (model is null || pinned.DeclaringSyntaxReferences.Length != 1
                || pinned.DeclaringSyntaxReferences[0].GetSyntax() is not Microsoft.CodeAnalysis.CSharp.Syntax.VariableDeclaratorSyntax { Initializer.Value: { } value }
                || value.SyntaxTree != model.SyntaxTree)
            {
                return false;
            }

            return value.IsKind(SyntaxKind.AddressOfExpression)
                || model.GetTypeInfo(value).Type is IArrayTypeSymbol or { SpecialType: SpecialType.System_String };
        }

        private static AddressFact? Either(AddressFact? a, AddressFact? b) =>
            a is null && b is null ? null : (a ?? AddressFact.Unknown).Merge(b ?? AddressFact.Unknown);

        private static AddressFact Other(string what) => new AddressFact(Provenance.Other(what), System.Collections.Immutable.ImmutableArray<MappingSite>.Empty);

        private AddressFact? FactOfCall(IInvocationOperation invocation, FlowState state)
        {
            if (_context.MappingOf(invocation) is { } site)
            {
                return AddressFact.FromCall(site);
            }

            IMethodSymbol method = invocation.TargetMethod;
            switch (TypeName(method))
            {
                case "System.Runtime.InteropServices.Marshal" when method.Name is "AllocHGlobal" or "AllocCoTaskMem" or "ReAllocHGlobal":
                case "System.Runtime.InteropServices.NativeMemory" when method.Name is "Alloc" or "AllocZeroed" or "AlignedAlloc" or "Realloc" or "AlignedRealloc":
                    return Other(method.ContainingType!.Name + "." + method.Name);
                case "System.Runtime.InteropServices.GCHandle" when method.Name == "AddrOfPinnedObject":
                    return Other("GCHandle.AddrOfPinnedObject (pinned managed memory)");
                case var _ when method.ContainingType?.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr
                    && method.IsStatic && method.Name is "Add" or "Subtract" && invocation.Arguments.Length == 2:
                    return Moved(FactOf(invocation.Arguments[0].Value, state), invocation.Arguments[1].Value, new ElementScale(1), method.Name == "Subtract");
            }

            return null;
        }

        /// <summary>
        /// <c>p + a - b + …</c>: the additions down the left operand run in a loop, innermost first, so that a sum of
        /// thousands of terms needs no deeper stack than one of two.
        /// </summary>
        private AddressFact? FactOfArithmetic(IBinaryOperation arithmetic, FlowState state)
        {
            var outer = new Stack<IBinaryOperation>();
            IBinaryOperation innermost = arithmetic;
            while (Scale(innermost.LeftOperand.Type) is not null
                && Strip(innermost.LeftOperand) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } inner)
            {
                outer.Push(innermost);
                innermost = inner;
            }

            AddressFact? fact = FactOfArithmetic(innermost, Scale(innermost.LeftOperand.Type) is null ? null : FactOf(innermost.LeftOperand, state), state);
            while (outer.Count > 0)
            {
                fact = FactOfArithmetic(outer.Pop(), fact, state);
            }

            return fact;
        }

        /// <summary>One addition or subtraction, its left operand's fact known.</summary>
        private AddressFact? FactOfArithmetic(IBinaryOperation arithmetic, AddressFact? left, FlowState state)
        {
            bool subtract = arithmetic.OperatorKind == BinaryOperatorKind.Subtract;
            if (Scale(arithmetic.LeftOperand.Type) is { } leftScale && left is not null)
            {
                return Moved(left, arithmetic.RightOperand, leftScale, subtract);
            }

            if (!subtract && Scale(arithmetic.RightOperand.Type) is { } rightScale && FactOf(arithmetic.RightOperand, state) is { } right)
            {
                return Moved(right, arithmetic.LeftOperand, rightScale, false);
            }

            return null;
        }

        private AddressFact? Step(AddressFact? fact, ITypeSymbol? type, IOperation? amount, BinaryOperatorKind kind)
        {
            if (kind is not (BinaryOperatorKind.Add or BinaryOperatorKind.Subtract) || Scale(type) is not { } scale)
            {
                return null;
            }

            if (amount is null)
            {
                // ++/--: one element.
                long? bytes = scale.Bytes is { } size ? (kind == BinaryOperatorKind.Subtract ? -size : size) : null;
                return fact?.WithOrigin(fact.Origin?.Moved(bytes, true));
            }

            return Moved(fact, amount, scale, kind == BinaryOperatorKind.Subtract);
        }

        private AddressFact? Moved(AddressFact? fact, IOperation amount, ElementScale scale, bool subtract)
        {
            if (fact is null)
            {
                return null;
            }

            ValueSet steps = _context.Evaluate(amount);
            if (steps.IsKnown && steps.Values.Count == 1)
            {
                long step = steps.Values[0] * (subtract ? -1 : 1);
                return fact.WithOrigin(scale.Bytes is { } bytes ? fact.Origin?.Moved(step * bytes, true) : step == 0 ? fact.Origin : fact.Origin?.Moved(null, true));
            }

            bool nonZero = steps.IsKnown && !Contains(steps, 0);
            return fact.WithOrigin(fact.Origin?.Moved(null, nonZero));
        }

        private static bool Contains(ValueSet values, long value)
        {
            foreach (long v in values.Values)
            {
                if (v == value)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Bytes per step of an address type: 1 for nint/IntPtr, the element size for a pointer (null when not a primitive).</summary>
        private static ElementScale? Scale(ITypeSymbol? type)
        {
            if (type is IPointerTypeSymbol pointer)
            {
                return new ElementScale(SizeOf(pointer.PointedAtType));
            }

            return type?.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr ? new ElementScale(1) : null;
        }

        private static bool IsAddressType(ITypeSymbol? type) => type is IPointerTypeSymbol || type?.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr;

        private static long? SizeOf(ITypeSymbol type) => type.SpecialType switch
        {
            SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Boolean or SpecialType.System_Void => 1,
            SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Char => 2,
            SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single => 4,
            SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double or SpecialType.System_IntPtr or SpecialType.System_UIntPtr => 8,
            _ => type.TypeKind == TypeKind.Pointer ? 8 : null,
        };

        private readonly struct ElementScale
        {
            public ElementScale(long? bytes)
            {
                Bytes = bytes;
            }

            public long? Bytes { get; }
        }

        /// <summary>Casts, parentheses and <c>ToInt64()</c>/<c>ToPointer()</c>-style reads keep the address.</summary>
        private static IOperation? Strip(IOperation? operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation { OperatorMethod: null } conversion:
                        operation = conversion.Operand;
                        continue;
                    case IParenthesizedOperation parenthesized:
                        operation = parenthesized.Operand;
                        continue;
                    case IInvocationOperation { Instance: { } instance, Arguments.Length: 0 } read
                        when read.TargetMethod.Name is "ToInt64" or "ToInt32" or "ToUInt64" or "ToUInt32" or "ToPointer"
                        && read.TargetMethod.ContainingType?.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr:
                        operation = instance;
                        continue;
                    default:
                        return operation;
                }
            }
        }

        // ---- calls ----

        private void HandleInvocation(IInvocationOperation invocation, FlowState state)
        {
            if (_context.MappingOf(invocation) is { } site)
            {
                if (site.Function == "mremap")
                {
                    ReleaseRemapped(invocation, state);
                }

                // A new mapping from this call: not unmapped, not checked yet. A discarded result can never be used, so
                // only a kept one is tracked (a method that discards thousands would otherwise carry them all).
                state.RemoveUnmapped(site);
                if (invocation.Parent is not IExpressionStatementOperation && site.NeedsCheck)
                {
                    state.AddUnchecked(site);
                }

                return;
            }

            if (_context.MunmapOf(invocation) is { } munmap)
            {
                HandleMunmap(invocation, munmap, state);
                return;
            }

            IMethodSymbol method = invocation.TargetMethod;
            if (DereferencesArguments(method))
            {
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (IsAddressType(argument.Value.Type) || IsAddressType(Strip(argument.Value)?.Type))
                    {
                        Dereference(argument.Value, invocation.Syntax, state);
                    }
                }

                return;
            }

            HandleEscapes(invocation.Arguments, state);

            // A method of this type may assign or unmap its fields: what the body knew about them is gone.
            if (_context.ContainingType is { } type && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, type.OriginalDefinition))
            {
                state.ForgetFields();
            }
        }

        private void HandleCreation(IObjectCreationOperation creation, FlowState state)
        {
            if (creation.Type is INamedTypeSymbol { Name: "Span" or "ReadOnlySpan", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } }
                && creation.Arguments.Length == 2 && creation.Arguments[0].Value.Type is IPointerTypeSymbol)
            {
                Dereference(creation.Arguments[0].Value, creation.Syntax, state);
                return;
            }

            HandleEscapes(creation.Arguments, state);
        }

        /// <summary>
        /// An address handed to another method may be checked there (a ThrowIfFailed helper) or assigned through ref/out:
        /// its failure counts as checked, and a variable passed by reference is unknown afterwards.
        /// </summary>
        private void HandleEscapes(System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments, FlowState state)
        {
            foreach (IArgumentOperation argument in arguments)
            {
                if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out && Variables.KeyOf(argument.Value) is { } byReference)
                {
                    Forget(state, byReference);
                    continue;
                }

                if (FactOf(argument.Value, state) is { } fact)
                {
                    foreach (MappingSite site in fact.Sources)
                    {
                        state.RemoveUnchecked(site);
                    }
                }
            }
        }

        /// <summary>
        /// The full name of the method's type when it is one of the few BCL types whose calls mean something here
        /// (a simple-name test first: this runs for every call of an analyzed body); empty otherwise.
        /// </summary>
        private static string TypeName(IMethodSymbol method) =>
            method.ContainingType is { Name: "Marshal" or "NativeMemory" or "GCHandle" or "IntPtr" or "UIntPtr" or "Unsafe" or "Buffer" } type
                ? type.ToDisplayString()
                : string.Empty;

        /// <summary>APIs that read or write the memory an address argument points to.</summary>
        private static bool DereferencesArguments(IMethodSymbol method)
        {
            string name = method.Name;
            return TypeName(method) switch
            {
                "System.Runtime.CompilerServices.Unsafe" => name.StartsWith("Read", StringComparison.Ordinal) || name.StartsWith("Write", StringComparison.Ordinal)
                    || name.StartsWith("Copy", StringComparison.Ordinal) || name.StartsWith("InitBlock", StringComparison.Ordinal) || name == "AsRef",
                "System.Runtime.InteropServices.Marshal" => name.StartsWith("Read", StringComparison.Ordinal) || name.StartsWith("Write", StringComparison.Ordinal)
                    || name == "Copy" || name == "PtrToStructure" || name == "StructureToPtr" || name.StartsWith("PtrToString", StringComparison.Ordinal),
                "System.Buffer" => name == "MemoryCopy",
                "System.Runtime.InteropServices.NativeMemory" => name is "Clear" or "Fill" or "Copy",
                _ => false,
            };
        }

        private void Dereference(IOperation pointer, SyntaxNode use, FlowState state)
        {
            if (FactOf(pointer, state) is not { } fact)
            {
                return;
            }

            foreach (MappingSite site in fact.Sources)
            {
                if (state.RemoveUnchecked(site) && _reporting)
                {
                    _findings.UncheckedUse(site, use);
                }
            }
        }

        // ---- mremap ----

        /// <summary>
        /// A successful mremap that may move releases the old mapping: Miri and the checked runtime always move it, and
        /// Linux may. Its flags must have MREMAP_MAYMOVE and not MREMAP_DONTUNMAP on every path (without MAYMOVE Linux
        /// never moves and the checked runtime fails; with DONTUNMAP the old range stays mapped). The old mapping counts
        /// as unmapped from the call on; the branch that finds the result to be MAP_FAILED gets it back (see
        /// <see cref="FailureBranches"/>), so <c>if (q == MAP_FAILED) { munmap(p, old); return; }</c> is right.
        /// </summary>
        private void ReleaseRemapped(IInvocationOperation invocation, FlowState state)
        {
            IOperation? address = null;
            ValueSet flags = ValueSet.Unknown;
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                switch (argument.Parameter?.Ordinal)
                {
                    case 0:
                        address = argument.Value;
                        break;
                    case 3:
                        flags = _context.Evaluate(argument.Value);
                        break;
                }
            }

            bool moves = flags.IsKnown && System.Linq.Enumerable.All(flags.Values, f =>
                (f & Contract.MmapConstants.MREMAP_MAYMOVE) != 0 && (f & Contract.MmapConstants.MREMAP_DONTUNMAP) == 0);
            state.ForgetBoolFailuresOf(invocation.Syntax);
            if (moves && FactOf(address, state)?.Origin is { Site: { } old, IsBase: true } && !state.Unmapped.ContainsKey(old))
            {
                Unmap(state, old, invocation.Syntax);
                _releasedByMremap.Add(invocation.Syntax);
            }
        }

        /// <summary>
        /// Which mremap calls a condition proves failed on each of its branches: a comparison of a result with
        /// MAP_FAILED, -1 or NULL (mremap never returns NULL: a caller's defensive test), by <c>==</c>, <c>!=</c>,
        /// <c>&lt;</c>, <c>is</c> or <c>is not</c>, through <c>!</c>, <c>&amp;&amp;</c> and <c>||</c>. Null for a branch that proves
        /// none. Both walks ask it: the graph of a block's branch value, the tree walk of a whole <c>if</c> condition.
        /// </summary>
        private (HashSet<SyntaxNode>? WhenTrue, HashSet<SyntaxNode>? WhenFalse) FailureBranches(IOperation? condition, FlowState state)
        {
            if ((_releasedByMremap.Count == 0 && _unmappedByMunmap.Count == 0) || state.Unmapped.IsEmpty)
            {
                return (null, null);
            }

            switch (Strip(condition))
            {
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                    (HashSet<SyntaxNode>? t, HashSet<SyntaxNode>? f) = FailureBranches(not.Operand, state);
                    return (f, t);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                {
                    // True: both hold, so either side's proof holds. False: one side failed, so only what both prove.
                    var (lt, lf) = FailureBranches(and.LeftOperand, state);
                    var (rt, rf) = FailureBranches(and.RightOperand, state);
                    return (Union(lt, rt), Intersection(lf, rf));
                }

                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } or:
                {
                    var (lt, lf) = FailureBranches(or.LeftOperand, state);
                    var (rt, rf) = FailureBranches(or.RightOperand, state);
                    return (Intersection(lt, rt), Union(lf, rf));
                }

                case IBinaryOperation comparison when IsComparison(comparison.OperatorKind) && MunmapOutcome(comparison, state) is { } munmapOutcome:
                    return munmapOutcome;
                case IBinaryOperation comparison when IsComparison(comparison.OperatorKind):
                {
                    // Only a held mapping's test proves anything: the other side is not evaluated for i < n.
                    (AddressFact? held, IOperation other) = HeldSide(comparison, state, out bool heldLeft);
                    if (held is not { Sources.IsEmpty: false } || Classify(other) is not (ComparedWith.Failure or ComparedWith.Null))
                    {
                        return (null, null);
                    }

                    bool? failureWhenTrue = comparison.OperatorKind switch
                    {
                        BinaryOperatorKind.Equals or BinaryOperatorKind.ObjectValueEquals => true,
                        BinaryOperatorKind.NotEquals or BinaryOperatorKind.ObjectValueNotEquals => false,
                        BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual => heldLeft, // q < 0
                        BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual => !heldLeft, // 0 > q
                        _ => null,
                    };
                    return Proven(held, failureWhenTrue);
                }

                case ILocalReferenceOperation or IParameterReferenceOperation when Variables.KeyOf(Strip(condition)!) is { } key
                    && state.BoolFailures.TryGetValue(key, out MremapOutcome? outcome):
                    return (outcome.FailedWhenTrue, outcome.FailedWhenFalse); // bool moved = q != MAP_FAILED; if (!moved) …
                case IIsPatternOperation test when UnmappingCall(test.Value, state) is { } unmapping:
                    // munmap(p, n) is -1, is not 0, is < 0: the pattern tells the two results apart, or proves nothing.
                    return FailedOn(unmapping, result => PatternHolds(test.Pattern, result));

                case IIsPatternOperation test:
                {
                    bool negated = test.Pattern is INegatedPatternOperation;
                    IPatternOperation pattern = test.Pattern is INegatedPatternOperation n ? n.Pattern : test.Pattern;
                    return ClassifyPattern(pattern) is ComparedWith.Failure or ComparedWith.Null
                        ? Proven(FactOf(test.Value, state), !negated)
                        : (null, null);
                }

                default:
                    return (null, null);
            }
        }

        /// <summary>
        /// A munmap result compared with a number (<c>munmap(p, n) != 0</c>, <c>rc == -1</c> for <c>int rc = munmap(p, n)</c>,
        /// <c>&lt; 0</c>): munmap returns 0 or -1, so a comparison that tells them apart proves on one branch that the call
        /// failed and unmapped nothing (a retry there is no double munmap). Null for any other comparison.
        /// </summary>
        private (HashSet<SyntaxNode>? WhenTrue, HashSet<SyntaxNode>? WhenFalse)? MunmapOutcome(IBinaryOperation comparison, FlowState state)
        {
            if (_unmappedByMunmap.Count == 0 || comparison.OperatorMethod is not null)
            {
                return null;
            }

            bool callLeft = UnmappingCall(comparison.LeftOperand, state) is not null;
            SyntaxNode? call = UnmappingCall(callLeft ? comparison.LeftOperand : comparison.RightOperand, state);
            IOperation other = callLeft ? comparison.RightOperand : comparison.LeftOperand;
            if (call is null || other.ConstantValue is not { HasValue: true, Value: { } constant } || IntegerConversions.FromConstant(constant) is not long number)
            {
                return null;
            }

            if (ValueEvaluator.Comparison(comparison.OperatorKind) is not { } compare)
            {
                return null;
            }

            return FailedOn(call, result => callLeft ? compare(result, number) : compare(number, result));
        }

        /// <summary>
        /// The branch on which a test of munmap's result (0 on success, -1 on failure) finds the call failed, as
        /// <see cref="FailureBranches"/> gives it; (null, null) when the test does not tell the two results apart.
        /// </summary>
        private static (HashSet<SyntaxNode>? WhenTrue, HashSet<SyntaxNode>? WhenFalse) FailedOn(SyntaxNode call, Func<long, bool?> holds)
        {
            if (holds(-1) is not bool onFailure || holds(0) is not bool onSuccess || onFailure == onSuccess)
            {
                return (null, null);
            }

            var failed = new HashSet<SyntaxNode> { call };
            return onFailure ? (failed, null) : (null, failed);
        }

        /// <summary>Whether an integer pattern (a constant, a relation, <c>not</c>, <c>and</c>, <c>or</c>) matches <paramref name="value"/>; null for any other pattern.</summary>
        private static bool? PatternHolds(IPatternOperation pattern, long value)
        {
            switch (pattern)
            {
                case IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: { } constant } } when IntegerConversions.FromConstant(constant) is long c:
                    return value == c;
                case IRelationalPatternOperation { Value.ConstantValue: { HasValue: true, Value: { } bound } } relational when IntegerConversions.FromConstant(bound) is long b:
                    return ValueEvaluator.Comparison(relational.OperatorKind)?.Invoke(value, b);
                case INegatedPatternOperation negated:
                    return !PatternHolds(negated.Pattern, value);
                case IBinaryPatternOperation binary when PatternHolds(binary.LeftPattern, value) is bool l && PatternHolds(binary.RightPattern, value) is bool r:
                    return binary.OperatorKind == BinaryOperatorKind.And ? l && r : l || r;
                default:
                    return null;
            }
        }

        /// <summary>The munmap call that unmapped a mapping here whose result <paramref name="value"/> is, directly or through a local it initialized (its only write).</summary>
        private SyntaxNode? UnmappingCall(IOperation value, FlowState state)
        {
            IOperation? operation = Strip(value);
            if (operation is ILocalReferenceOperation { Local: { Type.SpecialType: SpecialType.System_Int32 or SpecialType.System_Int64 } local } reference)
            {
                if (state.MunmapResults.TryGetValue(local, out SyntaxNode? held))
                {
                    return held;
                }

                operation = Strip(InitializerOf(local, reference));
            }

            return operation is IInvocationOperation invocation && _unmappedByMunmap.Contains(invocation.Syntax) ? invocation.Syntax : null;
        }

        /// <summary>
        /// The local's initializer when it is its only write, read from the operation tree of its declaration: an operation
        /// of a control flow graph has no parent above its statement, so the body around it is not reachable from it.
        /// </summary>
        private IOperation? InitializerOf(ILocalSymbol local, IOperation reference)
        {
            if (local.DeclaringSyntaxReferences.Length != 1 || ModelOf(reference) is not { } model)
            {
                return null;
            }

            SyntaxNode declarator = local.DeclaringSyntaxReferences[0].GetSyntax();
            return declarator.SyntaxTree == model.SyntaxTree && model.GetOperation(declarator) is { } declared
                ? Binding.WrapperLocals.InitializerOf(local, declared)
                : null;
        }

        /// <summary>The semantic model of an operation of this body (a graph's operations may carry none: its original operation's).</summary>
        private SemanticModel? ModelOf(IOperation operation) => operation.SemanticModel ?? _graph?.OriginalOperation.SemanticModel;

        private (HashSet<SyntaxNode>? WhenTrue, HashSet<SyntaxNode>? WhenFalse) Proven(AddressFact? held, bool? failureWhenTrue)
        {
            if (held is null || failureWhenTrue is not { } whenTrue)
            {
                return (null, null);
            }

            HashSet<SyntaxNode>? calls = null;
            foreach (MappingSite site in held.Sources)
            {
                if (site.Function == "mremap" && _releasedByMremap.Contains(site.Call))
                {
                    (calls ??= new HashSet<SyntaxNode>()).Add(site.Call);
                }
            }

            return whenTrue ? (calls, null) : (null, calls);
        }

        private static HashSet<SyntaxNode>? Union(HashSet<SyntaxNode>? a, HashSet<SyntaxNode>? b)
        {
            if (a is null || b is null)
            {
                return a ?? b;
            }

            var union = new HashSet<SyntaxNode>(a);
            union.UnionWith(b);
            return union;
        }

        private static HashSet<SyntaxNode>? Intersection(HashSet<SyntaxNode>? a, HashSet<SyntaxNode>? b)
        {
            if (a is null || b is null)
            {
                return null;
            }

            var common = new HashSet<SyntaxNode>(a);
            common.IntersectWith(b);
            return common.Count == 0 ? null : common;
        }

        /// <summary>The state on a branch where the mremap calls in <paramref name="failed"/> failed: the mappings they
        /// released are mapped again. Null when that changes nothing.</summary>
        private FlowState? Revived(FlowState state, HashSet<SyntaxNode>? failed)
        {
            if (failed is null)
            {
                return null;
            }

            // Only the mappings the failed calls unmapped are looked at, not every mapping unmapped so far.
            FlowState? revived = null;
            foreach (SyntaxNode call in failed)
            {
                if (!_sitesUnmappedBy.TryGetValue(call, out List<MappingSite>? sites))
                {
                    continue;
                }

                foreach (MappingSite site in sites)
                {
                    if (state.Unmapped.TryGetValue(site, out SyntaxNode? by) && failed.Contains(by) && (revived is null || revived.Unmapped.ContainsKey(site)))
                    {
                        revived ??= state.Clone();
                        revived.RemoveUnmapped(site);
                    }
                }
            }

            return revived;
        }

        // ---- munmap ----

        private void HandleMunmap(IInvocationOperation invocation, MunmapShape shape, FlowState state)
        {
            IOperation? address = null, length = null;
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                if (!ArgumentLocations.IsWritten(argument, invocation) || argument.Parameter is not { } parameter)
                {
                    continue;
                }

                if (parameter.Ordinal == shape.Address)
                {
                    address = argument.Value;
                }
                else if (parameter.Ordinal == shape.Length)
                {
                    length = argument.Value;
                }
            }

            if (address is null)
            {
                return;
            }

            ValueSet unmapLength = length is null ? ValueSet.Unknown : _context.Evaluate(length);
            if (length is not null && unmapLength.IsKnown && unmapLength.Values.Count == 1 && unmapLength.Values[0] == 0)
            {
                if (_reporting)
                {
                    _findings.Munmap(MunmapProblem.ZeroLength(invocation, length.Syntax, FactOf(address, state)?.Origin?.Site));
                }

                return; // Fails: nothing is unmapped.
            }

            Provenance? origin = FactOf(address, state)?.Origin;
            if (origin is null)
            {
                return;
            }

            if (origin.Site is not { } site)
            {
                if (_reporting)
                {
                    _findings.Munmap(MunmapProblem.NotMapping(invocation, address.Syntax, origin.NotMapping!));
                }

                return;
            }

            if (!origin.IsBase)
            {
                if (origin.OffsetNonZero && _reporting)
                {
                    _findings.Munmap(MunmapProblem.Interior(invocation, address.Syntax, site, origin.Offset));
                }
                else if (_reporting && length is not null && AlwaysShorter(site.Length, unmapLength) is { } shorter)
                {
                    // At the start or further in (a pointer moved in a loop: p += 4096), fewer bytes than the mapping has
                    // never free it whole: a partial munmap either way.
                    _findings.Munmap(MunmapProblem.WrongLength(invocation, length.Syntax, site, shorter.Mapped, shorter.Unmapped, atStart: false));
                }

                return;
            }

            if (state.Unmapped.TryGetValue(site, out SyntaxNode? first))
            {
                if (_reporting)
                {
                    _findings.Munmap(_releasedByMremap.Contains(first)
                        ? MunmapProblem.ReleasedByMremap(invocation, site, first)
                        : MunmapProblem.Twice(invocation, site, first));
                }

                return;
            }

            Unmap(state, site, invocation.Syntax);
            if (ReferenceEquals(shape, MunmapShape.Binding))
            {
                _unmappedByMunmap.Add(invocation.Syntax); // munmap's own 0 / -1; a wrapper may return anything
            }

            if (_reporting && length is not null && LengthMismatch(site.Length, unmapLength) is { } lengths)
            {
                _findings.Munmap(MunmapProblem.WrongLength(invocation, length.Syntax, site, lengths.Mapped, lengths.Unmapped));
            }
        }

        /// <summary>The smallest page of any target: lengths that round alike here round alike on larger pages too.</summary>
        public const ulong PageSize = 4096;

        /// <summary>A pair of lengths when no length the mapping can have rounds like any length the munmap can pass.</summary>
        private static (ulong Mapped, ulong Unmapped)? LengthMismatch(ValueSet mapped, ValueSet unmapped)
        {
            if (!mapped.IsKnown || !unmapped.IsKnown)
            {
                return null;
            }

            foreach (long m in mapped.Values)
            {
                foreach (long u in unmapped.Values)
                {
                    if (!Round(unchecked((ulong)m), out ulong rm) || !Round(unchecked((ulong)u), out ulong ru) || rm == ru || m == 0)
                    {
                        return null;
                    }
                }
            }

            return (unchecked((ulong)mapped.Values[0]), unchecked((ulong)unmapped.Values[0]));
        }

        /// <summary>Both lengths known, and every length unmapped rounds to fewer pages than every length mapped.</summary>
        private static (ulong Mapped, ulong Unmapped)? AlwaysShorter(ValueSet mapped, ValueSet unmapped)
        {
            if (!mapped.IsKnown || !unmapped.IsKnown || mapped.Values.Count == 0 || unmapped.Values.Count == 0)
            {
                return null;
            }

            foreach (long m in mapped.Values)
            {
                foreach (long u in unmapped.Values)
                {
                    if (u <= 0 || !Round(unchecked((ulong)m), out ulong rm) || !Round(unchecked((ulong)u), out ulong ru) || ru >= rm)
                    {
                        return null;
                    }
                }
            }

            return (unchecked((ulong)mapped.Values[0]), unchecked((ulong)unmapped.Values[0]));
        }

        private static bool Round(ulong length, out ulong rounded) =>
            CheckedMmap.Contract.MmapChecks.TryRoundUpToPageSize(length, PageSize, CheckedMmap.Contract.MmapChecks.IsizeMax64, out rounded);

        // ---- failure checks ----

        private void HandleComparison(IBinaryOperation comparison, FlowState state)
        {
            (AddressFact? held, IOperation other) = HeldSide(comparison, state, out _);
            if (held is null || held.Sources.IsEmpty)
            {
                return;
            }

            ComparedWith kind = comparison.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals
                or BinaryOperatorKind.ObjectValueEquals or BinaryOperatorKind.ObjectValueNotEquals
                ? Classify(other)
                : ComparedWith.Failure; // p < 0, p <= 0: catches -1 too.
            Checked(held, kind, comparison.Syntax, state);
        }

        /// <summary>The side of a comparison that holds a mapping (the left one when both may), and the other side.</summary>
        private (AddressFact? Held, IOperation Other) HeldSide(IBinaryOperation comparison, FlowState state, out bool heldLeft)
        {
            AddressFact? left = FactOf(comparison.LeftOperand, state);
            heldLeft = left is { Sources.IsEmpty: false };
            return heldLeft ? (left, comparison.RightOperand) : (FactOf(comparison.RightOperand, state), comparison.LeftOperand);
        }

        private void HandlePattern(IIsPatternOperation test, FlowState state)
        {
            if (FactOf(test.Value, state) is not { Sources.IsEmpty: false } held)
            {
                return;
            }

            ComparedWith kind = ClassifyPattern(test.Pattern);
            if (kind != ComparedWith.Nothing)
            {
                Checked(held, kind, test.Syntax, state);
            }
        }

        private void Checked(AddressFact held, ComparedWith kind, SyntaxNode comparison, FlowState state)
        {
            foreach (MappingSite site in held.Sources)
            {
                state.RemoveUnchecked(site);
                if (_reporting)
                {
                    _findings.Compared(site, kind, comparison);
                }
            }
        }

        private ComparedWith ClassifyPattern(IPatternOperation pattern) => pattern switch
        {
            IConstantPatternOperation constant => Classify(constant.Value),
            IBinaryPatternOperation binary => Combine(ClassifyPattern(binary.LeftPattern), ClassifyPattern(binary.RightPattern)),
            INegatedPatternOperation negated => ClassifyPattern(negated.Pattern),
            IRelationalPatternOperation => ComparedWith.Failure,
            _ => ComparedWith.Nothing,
        };

        private static ComparedWith Combine(ComparedWith a, ComparedWith b) =>
            a == ComparedWith.Failure || b == ComparedWith.Failure ? ComparedWith.Failure
            : a == ComparedWith.Other || b == ComparedWith.Other ? ComparedWith.Other
            : a == ComparedWith.Null || b == ComparedWith.Null ? ComparedWith.Null
            : ComparedWith.Nothing;

        /// <summary>NULL in any spelling, MAP_FAILED / -1 in any spelling, or something else.</summary>
        private ComparedWith Classify(IOperation value)
        {
            IOperation? stripped = Strip(value);
            if (stripped is null)
            {
                return ComparedWith.Other;
            }

            if (stripped.ConstantValue is { HasValue: true } constant)
            {
                return constant.Value is null ? ComparedWith.Null : ClassifyNumber(IntegerConversions.FromConstant(constant.Value));
            }

            switch (stripped)
            {
                case IDefaultValueOperation:
                    return ComparedWith.Null;
                case IFieldReferenceOperation { Field: { Name: "Zero", ContainingType.SpecialType: SpecialType.System_IntPtr or SpecialType.System_UIntPtr } }:
                    return ComparedWith.Null;
                case IFieldReferenceOperation field when NamesFailure(field.Field.Name):
                    return ComparedWith.Failure;
                case IPropertyReferenceOperation property when NamesFailure(property.Property.Name):
                    return ComparedWith.Failure;
                case ILocalReferenceOperation local when NamesFailure(local.Local.Name):
                    return ComparedWith.Failure;
            }

            ValueSet values = _context.Evaluate(stripped);
            if (!values.IsKnown)
            {
                return ComparedWith.Other;
            }

            ComparedWith result = ComparedWith.Nothing;
            foreach (long v in values.Values)
            {
                result = Combine(result, ClassifyNumber(v));
            }

            return result;
        }

        private static bool NamesFailure(string name) => name.IndexOf("FAILED", StringComparison.OrdinalIgnoreCase) >= 0;

        private static ComparedWith ClassifyNumber(long? value) => value switch
        {
            0 => ComparedWith.Null,
            -1 or 0xFFFFFFFF => ComparedWith.Failure,
            null => ComparedWith.Other,
            _ => ComparedWith.Other,
        };
    }

    /// <summary>What an mmap result was compared with.</summary>
    internal enum ComparedWith
    {
        Nothing,
        Null,
        Failure,
        Other,
    }
}
