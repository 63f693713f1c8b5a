using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// Loops and branch conditions of the structured walk. A loop's body runs from the state at its head, and the state
    /// it hands back (the end of the body and every <c>continue</c>) is joined into the head, without reporting, until
    /// the head settles; then the body runs once more from the settled head, reporting, and the loop's exit is the state
    /// where its condition fails joined with every <c>break</c>. This is what the graph's fixpoint computes, without
    /// building the graph, whose cost grows faster than the body.
    /// </summary>
    internal sealed partial class LifetimeFlow
    {
        /// <summary>
        /// Passes over one loop's body before its head must have settled, as the graph's fixpoint bounds its visits per
        /// block; a loop that has not settled by then (an offset that grows each pass) makes the whole walk give up.
        /// </summary>
        private const int MaxLoopPasses = 12;

        // The loops the walk is inside, innermost last: where a break or continue sends its state.
        private readonly List<LoopPaths> _loops = new List<LoopPaths>();
        private bool _unsettled;

        /// <summary>
        /// Statements the walk may run per operation of the body: each loop runs its body a few times, and nested loops
        /// multiply their passes, so a body of deeply nested loops gives up to the graph instead of running for ever.
        /// </summary>
        private const int StatementRunsPerOperation = 12;

        private int _statementBudget = int.MaxValue;
        private CancellationToken _cancellationToken;

        private sealed class LoopPaths
        {
            public LoopPaths(ILoopOperation loop) => Loop = loop;

            public ILoopOperation Loop { get; }

            /// <summary>The join of the states at every <c>continue</c> of the pass.</summary>
            public FlowState? Continued { get; set; }

            /// <summary>The join of the states at every <c>break</c> of the pass.</summary>
            public FlowState? Exited { get; set; }
        }

        private static bool IsStructuredLoop(ILoopOperation loop) =>
            loop is IWhileLoopOperation { ConditionIsUntil: false } or IForLoopOperation or IForEachLoopOperation;

        /// <summary>
        /// A branch condition: evaluates it on <paramref name="state"/>, which becomes the state where it is false, and
        /// returns the state where it is true. A constant condition leaves no state on the side it never takes.
        /// </summary>
        private FlowState? Test(IOperation? condition, ref FlowState? state)
        {
            if (condition is null)
            {
                FlowState? always = state;
                state = null;
                return always;
            }

            Evaluate(condition, ref state);
            if (state is null)
            {
                return null;
            }

            FlowState? whenTrue = state.Clone();
            (HashSet<SyntaxNode>? failedWhenTrue, HashSet<SyntaxNode>? failedWhenFalse) = FailureBranches(condition, state);
            whenTrue = OnBranch(Revived(state, failedWhenTrue) ?? whenTrue, condition, true);
            state = OnBranch(Revived(state, failedWhenFalse) ?? state, condition, false);
            if (condition.ConstantValue is { HasValue: true, Value: bool constant })
            {
                if (constant)
                {
                    state = null;
                }
                else
                {
                    whenTrue = null;
                }
            }

            return whenTrue;
        }

        private void ExecuteLoop(ILoopOperation loop, ref FlowState? state)
        {
            switch (loop)
            {
                case IForLoopOperation forLoop:
                    foreach (IOperation before in forLoop.Before)
                    {
                        Execute(before, ref state);
                    }

                    break;
                case IForEachLoopOperation forEach:
                    Evaluate(forEach.Collection, ref state);
                    break;
            }

            if (state is null)
            {
                return;
            }

            FlowState head = state;
            bool reporting = _reporting;
            _reporting = false;
            for (int pass = 0; ; pass++)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                if (pass == MaxLoopPasses || _unsettled)
                {
                    _reporting = reporting;
                    _unsettled = true;
                    state = null;
                    return;
                }

                FlowState? back = Iterate(loop, head.Clone(), out _);
                FlowState next = back is null ? head : head.Merge(back);
                if (ReferenceEquals(next, head) || next.SameAs(head))
                {
                    break;
                }

                head = next;
            }

            _reporting = reporting;
            Iterate(loop, head.Clone(), out state);
        }

        /// <summary>One pass of a loop from the state at its head: returns the state that goes back to the head; <paramref name="exit"/> is the state that leaves the loop.</summary>
        private FlowState? Iterate(ILoopOperation loop, FlowState head, out FlowState? exit)
        {
            FlowState? state = head;
            FlowState? back;
            var paths = new LoopPaths(loop);
            _loops.Add(paths);
            switch (loop)
            {
                case IWhileLoopOperation { ConditionIsTop: false } doWhile:
                    Execute(doWhile.Body, ref state);
                    state = Join(state, paths.Continued);
                    back = Test(doWhile.Condition, ref state);
                    exit = state;
                    break;
                default:
                    // Tested at the top: the condition (none for a foreach, which leaves when the collection ends, or a
                    // for without one, which never leaves through it), the body, every continue, then a for's steps.
                    if (loop is IForEachLoopOperation forEach)
                    {
                        exit = state.Clone();
                        back = state;
                        ForgetLoopVariables(forEach, back);
                    }
                    else
                    {
                        back = Test((loop as IWhileLoopOperation)?.Condition ?? (loop as IForLoopOperation)?.Condition, ref state);
                        exit = state;
                    }

                    Execute(loop.Body, ref back);
                    back = Join(back, paths.Continued);
                    if (loop is IForLoopOperation forLoop)
                    {
                        foreach (IOperation step in forLoop.AtLoopBottom)
                        {
                            Execute(step, ref back);
                        }
                    }

                    break;
            }

            _loops.RemoveAt(_loops.Count - 1);
            exit = Join(exit, paths.Exited);
            if (_deadVariables?.DeclaredInBody(loop) is { } declared)
            {
                // The next pass declares them anew, and they are out of scope past the loop (a break carries them there).
                back?.Drop(declared);
                exit?.Drop(declared);
            }

            return back;
        }

        /// <summary>Each pass of a foreach writes the next element into its variables, a value the flow does not follow.</summary>
        private static void ForgetLoopVariables(IForEachLoopOperation forEach, FlowState state)
        {
            foreach (IOperation variable in forEach.LoopControlVariable.DescendantsAndSelf())
            {
                if (variable is IVariableDeclaratorOperation declarator)
                {
                    Forget(state, declarator.Symbol);
                }
                else if (Variables.KeyOf(variable) is { } key)
                {
                    Forget(state, key);
                }
            }
        }

        /// <summary>A break or continue: its state goes to the loop it leaves or continues, and this path ends.</summary>
        private void LeaveIteration(IBranchOperation jump, ref FlowState? state)
        {
            if (state is null)
            {
                return;
            }

            for (int i = _loops.Count - 1; i >= 0; i--)
            {
                LoopPaths paths = _loops[i];
                if (SymbolEqualityComparer.Default.Equals(jump.Target, paths.Loop.ExitLabel))
                {
                    paths.Exited = Join(paths.Exited, state);
                    state = null;
                    return;
                }

                if (SymbolEqualityComparer.Default.Equals(jump.Target, paths.Loop.ContinueLabel))
                {
                    paths.Continued = Join(paths.Continued, state);
                    state = null;
                    return;
                }
            }

            _unsettled = true; // a jump out of no loop this walk is in: not a body it can follow
            state = null;
        }
    }
}
