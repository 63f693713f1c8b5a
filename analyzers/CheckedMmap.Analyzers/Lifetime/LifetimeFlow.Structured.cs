using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// The same flow over the operation tree, without a control flow graph (building one costs more than the rest of the
    /// analysis): for bodies made of statements, if/else, returns, throws and expressions, whose paths only split and
    /// join. Both arms of an <c>if</c>, <c>?:</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>??</c> and <c>?.</c> run on copies of the state
    /// and are joined as the graph would join them; a return or throw ends its path; loops go round until the state at
    /// their head settles (<see cref="ExecuteLoop"/>). Bodies with goto, labels, try, switch, lambdas or local functions
    /// go to the graph.
    /// </summary>
    internal sealed partial class LifetimeFlow
    {
        // Where the walk drops the facts of variables no later operation reads (null: the graph's flow, which keeps them).
        private DeadVariables? _deadVariables;

        private readonly List<IBinaryOperation> _binaryChain = new List<IBinaryOperation>();

        /// <summary>
        /// Runs the flow on a body the structured walk can follow; false for any other, and for a body with a loop that
        /// does not settle (then <paramref name="findings"/> may hold part of the body's findings: the caller drops them).
        /// </summary>
        public static bool TryRunStructured(IOperation body, ILifetimeContext context, LifetimeFindings findings, CancellationToken cancellationToken)
        {
            if (body is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation)
                || DeadVariables.Find(body, s_notStructured, out int operations, cancellationToken) is not { } deadVariables)
            {
                return false;
            }

            var flow = new LifetimeFlow(null, context, findings)
            {
                _reporting = true,
                _cancellationToken = cancellationToken,
                _statementBudget = (StatementRunsPerOperation * operations) + 64,
                _deadVariables = deadVariables,
            };
            FlowState? state = new FlowState();
            cancellationToken.ThrowIfCancellationRequested();
            flow.Execute(body, ref state);
            return !flow._unsettled;
        }

        private static readonly Func<IOperation, bool> s_notStructured = IsNotStructured;

        /// <summary>An operation that sends its body to the graph.</summary>
        private static bool IsNotStructured(IOperation operation) => operation switch
        {
            ILoopOperation loop => !IsStructuredLoop(loop),
            IBranchOperation { BranchKind: not (BranchKind.Break or BranchKind.Continue) } => true,
            ILabeledOperation or ITryOperation or ISwitchOperation or ISwitchExpressionOperation => true,
            ILocalFunctionOperation or IAnonymousFunctionOperation or IDelegateCreationOperation => true,
            IReturnOperation { Kind: OperationKind.YieldReturn or OperationKind.YieldBreak } => true,
            _ => false,
        };

        /// <summary>A statement; <paramref name="state"/> becomes null when the path ends.</summary>
        private void Execute(IOperation? operation, ref FlowState? state)
        {
            if (operation is null || state is null)
            {
                return;
            }

            if (--_statementBudget < 0)
            {
                // Loops nested so deep that their passes multiply beyond the bound: the graph's fixpoint decides.
                _unsettled = true;
                state = null;
                return;
            }

            switch (operation)
            {
                case IMethodBodyOperation method:
                    Execute((IOperation?)method.BlockBody ?? method.ExpressionBody, ref state);
                    break;
                case IConstructorBodyOperation constructor:
                    Execute(constructor.Initializer, ref state);
                    Execute((IOperation?)constructor.BlockBody ?? constructor.ExpressionBody, ref state);
                    break;
                case IBlockOperation block:
                    foreach (IOperation statement in block.Operations)
                    {
                        Execute(statement, ref state);
                        state?.AfterStatement(_deadVariables?.After(statement));
                    }

                    break;
                case IConditionalOperation { IsRef: false } branch when branch.Type is null || operation.Parent is IBlockOperation:
                {
                    FlowState? whenTrue = Test(branch.Condition, ref state);
                    Execute(branch.WhenTrue, ref whenTrue);
                    Execute(branch.WhenFalse, ref state);
                    state = Join(whenTrue, state);
                    break;
                }

                case ILoopOperation loop:
                    ExecuteLoop(loop, ref state);
                    break;
                case IBranchOperation jump:
                    LeaveIteration(jump, ref state);
                    break;
                case IReturnOperation ret:
                    Evaluate(ret.ReturnedValue, ref state);
                    state = null;
                    break;
                case IExpressionStatementOperation statement:
                    Evaluate(statement.Operation, ref state);
                    break;
                case IVariableDeclarationGroupOperation group:
                    Declare(group, ref state);
                    break;
                case IUsingOperation usingBlock:
                    Execute(usingBlock.Resources, ref state);
                    Execute(usingBlock.Body, ref state);
                    break;
                case IUsingDeclarationOperation usingDeclaration:
                    Declare(usingDeclaration.DeclarationGroup, ref state);
                    break;
                case ILockOperation lockBlock:
                    Evaluate(lockBlock.LockedValue, ref state);
                    Execute(lockBlock.Body, ref state);
                    break;
                case IEmptyOperation:
                    break;
                default:
                    Evaluate(operation, ref state);
                    break;
            }
        }

        private void Declare(IVariableDeclarationGroupOperation group, ref FlowState? state)
        {
            foreach (IVariableDeclarationOperation declaration in group.Declarations)
            {
                Evaluate(declaration.Initializer?.Value, ref state);
                foreach (IVariableDeclaratorOperation declarator in declaration.Declarators)
                {
                    IVariableInitializerOperation? initializer = declarator.Initializer ?? declaration.Initializer;
                    Evaluate(declarator.Initializer?.Value, ref state);
                    if (state is not null && initializer is not null && declarator.Symbol.RefKind == RefKind.None)
                    {
                        Assign(state, declarator.Symbol, initializer.Value);
                    }
                }
            }
        }

        /// <summary>An expression: children first, as they run; the arms of conditional operators on copies.</summary>
        private void Evaluate(IOperation? operation, ref FlowState? state)
        {
            if (operation is null || state is null)
            {
                return;
            }

            switch (operation)
            {
                case IConditionalOperation conditional:
                {
                    Evaluate(conditional.Condition, ref state);
                    FlowState? whenTrue = state?.Clone();
                    Evaluate(conditional.WhenTrue, ref whenTrue);
                    Evaluate(conditional.WhenFalse, ref state);
                    state = Join(whenTrue, state);
                    return;
                }

                case IBinaryOperation binary:
                    EvaluateBinaryChain(binary, ref state);
                    return;

                case ICoalesceOperation coalesce:
                {
                    Evaluate(coalesce.Value, ref state);
                    FlowState? whenNull = state?.Clone();
                    Evaluate(coalesce.WhenNull, ref whenNull);
                    state = Join(state, whenNull);
                    return;
                }

                case IConditionalAccessOperation access:
                {
                    Evaluate(access.Operation, ref state);
                    FlowState? whenNotNull = state?.Clone();
                    Evaluate(access.WhenNotNull, ref whenNotNull);
                    state = Join(state, whenNotNull);
                    return;
                }

                case IThrowOperation thrown:
                    Evaluate(thrown.Exception, ref state);
                    state = null;
                    return;
            }

            foreach (IOperation child in operation.ChildOperations)
            {
                Evaluate(child, ref state);
                if (state is null)
                {
                    return;
                }
            }

            Handle(operation, state);
        }

        /// <summary>
        /// A binary operator and the binary operators down its left operand (generated code writes sums of thousands of
        /// terms) in a loop instead of one call per term: innermost left operand first, then each right operand and
        /// operator outward. The right operand of &amp;&amp; and || runs on a copy, joined with the path that skips it.
        /// </summary>
        private void EvaluateBinaryChain(IBinaryOperation outermost, ref FlowState? state)
        {
            // The walk's one stack of operators: a right operand's own chain goes above this one's and is gone when done.
            int bottom = _binaryChain.Count;
            IOperation current = outermost;
            while (current is IBinaryOperation binary)
            {
                _binaryChain.Add(binary);
                current = binary.LeftOperand;
            }

            Evaluate(current, ref state);
            while (_binaryChain.Count > bottom && state is not null)
            {
                IBinaryOperation binary = _binaryChain[_binaryChain.Count - 1];
                _binaryChain.RemoveAt(_binaryChain.Count - 1);
                if (binary.OperatorKind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr)
                {
                    FlowState? right = state.Clone();
                    Evaluate(binary.RightOperand, ref right);
                    state = Join(state, right);
                }
                else
                {
                    Evaluate(binary.RightOperand, ref state);
                    if (state is not null)
                    {
                        Handle(binary, state);
                    }
                }
            }

            _binaryChain.RemoveRange(bottom, _binaryChain.Count - bottom);
        }

        private static FlowState? Join(FlowState? a, FlowState? b) => a is null ? b : b is null ? a : a.Merge(b);
    }
}
