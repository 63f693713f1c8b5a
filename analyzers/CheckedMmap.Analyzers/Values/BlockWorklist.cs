using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// The bookkeeping of a forward dataflow over a control flow graph: each block's state on entry, the state each block
    /// last sent along its branches, and the blocks still to visit, lowest ordinal first.
    /// </summary>
    /// <remarks>
    /// Joining a new state into the one a block had on an earlier pass over a loop compares the whole state (the two share
    /// nothing recent), and doing so at every block of a loop body makes a body with n calls cost n². So only a loop head
    /// (a block a later block branches back to) joins into what it had and compares, which decides when the loop has
    /// settled. Every other block's entry is recomputed when it is visited: the state of its one branch in, or the join
    /// of the latest states its predecessors sent, which the ordinal order has all brought up to date in this pass (the
    /// arms of one branch, cheap to join). Such an entry is compared by identity only.
    /// </remarks>
    internal sealed class BlockWorklist<TState>
        where TState : class
    {
        private readonly SortedSet<int> _work = new SortedSet<int>();
        private readonly bool[] _recompute;
        private readonly TState?[] _fallThroughSent;
        private readonly TState?[] _conditionalSent;
        private readonly IReadOnlyList<BasicBlock> _blocks;
        private readonly Func<TState, TState, TState> _join;
        private readonly Func<TState, TState, bool> _same;
        private readonly Func<TState, TState, bool> _identical;

        /// <param name="join">Both states joined (a new state; the first one when the second adds nothing, if it can tell).</param>
        /// <param name="same">Whether two states hold the same facts (compared at loop heads).</param>
        /// <param name="identical">A constant-time test that two states are the same one.</param>
        public BlockWorklist(IReadOnlyList<BasicBlock> blocks, Func<TState, TState, TState> join, Func<TState, TState, bool> same, Func<TState, TState, bool> identical)
        {
            _blocks = blocks;
            _join = join;
            _same = same;
            _identical = identical;
            Entry = new TState?[blocks.Count];
            _recompute = new bool[blocks.Count];
            _fallThroughSent = new TState?[blocks.Count];
            _conditionalSent = new TState?[blocks.Count];
        }

        /// <summary>Each block's state on entry; null for a block no path has reached.</summary>
        public TState?[] Entry { get; }

        /// <summary>Visits a block with no predecessor (the entry) from <paramref name="state"/>.</summary>
        public void Start(int ordinal, TState state)
        {
            Entry[ordinal] = state;
            _work.Add(ordinal);
        }

        /// <summary>The next block whose entry state changed, and that state; false when the flow has settled.</summary>
        public bool TryNext(out int ordinal, out TState entry)
        {
            while (_work.Count > 0)
            {
                ordinal = _work.Min;
                _work.Remove(ordinal);
                if (_recompute[ordinal])
                {
                    _recompute[ordinal] = false;
                    TState? before = Entry[ordinal];
                    TState? after = JoinOfPredecessors(_blocks[ordinal]);
                    if (after is null || (before is not null && _identical(before, after)))
                    {
                        continue;
                    }

                    Entry[ordinal] = after;
                }

                entry = Entry[ordinal]!;
                return true;
            }

            ordinal = -1;
            entry = null!;
            return false;
        }

        /// <summary>Records the state a block sends along a branch (null: the branch is not taken) and schedules its destination.</summary>
        public void Send(ControlFlowBranch? branch, TState? state)
        {
            if (branch is null)
            {
                return;
            }

            (branch.IsConditionalSuccessor ? _conditionalSent : _fallThroughSent)[branch.Source.Ordinal] = state;
            if (state is null || branch.Destination is not { } destination)
            {
                return;
            }

            int target = destination.Ordinal;
            if (IsLoopHead(destination))
            {
                TState? before = Entry[target];
                TState after = before is null ? state : _join(before, state);
                if (before is not null && _same(before, after))
                {
                    return;
                }

                Entry[target] = after;
            }
            else
            {
                _recompute[target] = true;
            }

            _work.Add(target);
        }

        private static bool IsLoopHead(BasicBlock block)
        {
            foreach (ControlFlowBranch branch in block.Predecessors)
            {
                if (branch.Source.Ordinal >= block.Ordinal)
                {
                    return true;
                }
            }

            return false;
        }

        private TState? JoinOfPredecessors(BasicBlock block)
        {
            TState? joined = null;
            foreach (ControlFlowBranch branch in block.Predecessors)
            {
                if ((branch.IsConditionalSuccessor ? _conditionalSent : _fallThroughSent)[branch.Source.Ordinal] is { } sent)
                {
                    joined = joined is null ? sent : _join(joined, sent);
                }
            }

            return joined;
        }
    }
}
